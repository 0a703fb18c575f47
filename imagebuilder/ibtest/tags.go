package ibtest

import "maps"

var tagHandlers = map[string]handler{
	"TagResource":         (*Server).tagResource,
	"UntagResource":       (*Server).untagResource,
	"ListTagsForResource": (*Server).listTags,
}

// taggable finds the tags of a resource or image by ARN.
func (s *Server) taggable(in map[string]any) (map[string]string, func(map[string]string), error) {
	a := str(in, "resourceArn")
	if r, ok := s.resources[a]; ok {
		return r.tags, func(t map[string]string) { r.tags = t }, nil
	}
	if im, ok := s.images[a]; ok {
		return im.tags, func(t map[string]string) { im.tags = t }, nil
	}
	return nil, nil, notFound("the resource %s does not exist", a)
}

func (s *Server) tagResource(in map[string]any) (map[string]any, error) {
	cur, set, err := s.taggable(in)
	if err != nil {
		return nil, err
	}
	add, err := tagsOf(in)
	if err != nil {
		// TagResource reports bad tags with its own error code.
		err.(*apiError).Code = "InvalidParameterException"
		return nil, err
	}
	next := maps.Clone(cur)
	if next == nil {
		next = map[string]string{}
	}
	maps.Copy(next, add)
	if len(next) > 50 {
		return nil, errf("InvalidParameterException", 400, "at most 50 tags per resource")
	}
	set(next)
	return map[string]any{}, nil
}

func (s *Server) untagResource(in map[string]any) (map[string]any, error) {
	cur, set, err := s.taggable(in)
	if err != nil {
		return nil, err
	}
	next := maps.Clone(cur)
	keys, _ := in["tagKeys"].([]any)
	for _, k := range keys {
		delete(next, k.(string))
	}
	set(next)
	return map[string]any{}, nil
}

func (s *Server) listTags(in map[string]any) (map[string]any, error) {
	cur, _, err := s.taggable(in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"tags": maps.Clone(cur)}, nil
}
