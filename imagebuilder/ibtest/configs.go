package ibtest

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
)

// createConfig creates an infrastructure or distribution configuration or
// a pipeline: named, unversioned, updated in place later.
func (s *Server) createConfig(op, typ, arnKey string, body map[string]any, check func(map[string]any) ([]string, error)) (any, error) {
	return s.idempotent(op, body, func() (map[string]any, error) {
		name := str(body, "name")
		if !namePattern.MatchString(name) {
			return nil, invalid("name %q does not match the allowed pattern", name)
		}
		refs, err := check(body)
		if err != nil {
			return nil, err
		}
		tags, err := tagsOf(body)
		if err != nil {
			return nil, err
		}
		r := &resource{typ: typ, name: name, arn: s.arn(typ, arnName(name)),
			fields: withoutKeys(body, "clientToken", "tags"), tags: tags, refs: refs}
		if err := s.add(r); err != nil {
			return nil, err
		}
		return map[string]any{arnKey: r.arn}, nil
	})
}

// updateConfig replaces every member of a configuration but its name and
// tags, as the service's Update calls do.
func (s *Server) updateConfig(op, typ, arnKey string, body map[string]any, check func(map[string]any) ([]string, error)) (any, error) {
	return s.idempotent(op, body, func() (map[string]any, error) {
		r, err := s.lookup(typ, str(body, arnKey))
		if err != nil {
			return nil, err
		}
		refs, err := check(body)
		if err != nil {
			return nil, err
		}
		fields := withoutKeys(body, "clientToken", arnKey)
		fields["name"] = r.name
		r.fields, r.refs, r.updated = fields, refs, s.now
		return map[string]any{arnKey: r.arn}, nil
	})
}

func checkInfra(body map[string]any) ([]string, error) {
	if str(body, "instanceProfileName") == "" {
		return nil, invalid("instanceProfileName is required")
	}
	return nil, nil
}

func checkDist(body map[string]any) ([]string, error) {
	list, _ := body["distributions"].([]any)
	if len(list) == 0 {
		return nil, invalid("distributions needs at least one region")
	}
	seen := map[string]bool{}
	for i, d := range list {
		dm, ok := d.(map[string]any)
		if !ok {
			return nil, invalid("distributions[%d] must be an object", i)
		}
		r := str(dm, "region")
		if r == "" {
			return nil, invalid("distributions[%d]: region is required", i)
		}
		if seen[r] {
			return nil, invalid("distributions[%d]: region %s appears twice", i, r)
		}
		seen[r] = true
	}
	return nil, nil
}

func (s *Server) checkPipeline(body map[string]any) ([]string, error) {
	image, container := str(body, "imageRecipeArn"), str(body, "containerRecipeArn")
	if (image == "") == (container == "") {
		return nil, errf("InvalidParameterCombinationException", 400, "exactly one of imageRecipeArn and containerRecipeArn is required")
	}
	var refs []string
	if image != "" {
		if _, err := s.lookup(typeImageRecipe, image); err != nil {
			return nil, err
		}
		refs = append(refs, image)
	} else {
		if _, err := s.lookup(typeContainerRecipe, container); err != nil {
			return nil, err
		}
		refs = append(refs, container)
	}
	infra := str(body, "infrastructureConfigurationArn")
	if _, err := s.lookup(typeInfra, infra); err != nil {
		return nil, err
	}
	refs = append(refs, infra)
	if dist := str(body, "distributionConfigurationArn"); dist != "" {
		if _, err := s.lookup(typeDist, dist); err != nil {
			return nil, err
		}
		refs = append(refs, dist)
	}
	switch st := str(body, "status"); st {
	case "", "ENABLED", "DISABLED":
	default:
		return nil, invalid("status must be ENABLED or DISABLED, got %q", st)
	}
	return refs, nil
}

func (s *Server) createInfra(_ *http.Request, body map[string]any) (any, error) {
	return s.createConfig("CreateInfrastructureConfiguration", typeInfra, "infrastructureConfigurationArn", body, checkInfra)
}

func (s *Server) updateInfra(_ *http.Request, body map[string]any) (any, error) {
	return s.updateConfig("UpdateInfrastructureConfiguration", typeInfra, "infrastructureConfigurationArn", body, checkInfra)
}

func (s *Server) getInfra(req *http.Request, _ map[string]any) (any, error) {
	r, err := s.lookup(typeInfra, req.URL.Query().Get("infrastructureConfigurationArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"infrastructureConfiguration": s.resourceOut(r, false), "requestId": "req-get"}, nil
}

func (s *Server) listInfra(_ *http.Request, body map[string]any) (any, error) {
	var list []map[string]any
	for _, r := range s.sorted(typeInfra) {
		if ok, err := filtersMatch(body, map[string]string{"name": r.name}); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		list = append(list, map[string]any{"arn": r.arn, "name": r.name,
			"description": str(r.fields, "description"), "instanceProfileName": str(r.fields, "instanceProfileName"),
			"instanceTypes": r.fields["instanceTypes"], "resourceTags": r.fields["resourceTags"],
			"placement": r.fields["placement"], "tags": r.tags,
			"dateCreated": s.stamp(r.created), "dateUpdated": s.stamp(r.updated)})
	}
	return s.listPage(body, "infrastructureConfigurationSummaryList", list)
}

func (s *Server) deleteInfra(req *http.Request, _ map[string]any) (any, error) {
	a := req.URL.Query().Get("infrastructureConfigurationArn")
	out, err := s.remove(typeInfra, a)
	if err != nil {
		return nil, err
	}
	out["infrastructureConfigurationArn"] = a
	return out, nil
}

func (s *Server) createDist(_ *http.Request, body map[string]any) (any, error) {
	return s.createConfig("CreateDistributionConfiguration", typeDist, "distributionConfigurationArn", body, checkDist)
}

func (s *Server) updateDist(_ *http.Request, body map[string]any) (any, error) {
	return s.updateConfig("UpdateDistributionConfiguration", typeDist, "distributionConfigurationArn", body, checkDist)
}

func (s *Server) getDist(req *http.Request, _ map[string]any) (any, error) {
	r, err := s.lookup(typeDist, req.URL.Query().Get("distributionConfigurationArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"distributionConfiguration": s.resourceOut(r, false), "requestId": "req-get"}, nil
}

func distRegions(fields map[string]any) []string {
	var out []string
	list, _ := fields["distributions"].([]any)
	for _, d := range list {
		out = append(out, str(d.(map[string]any), "region"))
	}
	return out
}

func (s *Server) listDist(_ *http.Request, body map[string]any) (any, error) {
	var list []map[string]any
	for _, r := range s.sorted(typeDist) {
		if ok, err := filtersMatch(body, map[string]string{"name": r.name}); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		list = append(list, map[string]any{"arn": r.arn, "name": r.name,
			"description": str(r.fields, "description"), "regions": distRegions(r.fields),
			"tags": r.tags, "dateCreated": s.stamp(r.created), "dateUpdated": s.stamp(r.updated)})
	}
	return s.listPage(body, "distributionConfigurationSummaryList", list)
}

func (s *Server) deleteDist(req *http.Request, _ map[string]any) (any, error) {
	a := req.URL.Query().Get("distributionConfigurationArn")
	out, err := s.remove(typeDist, a)
	if err != nil {
		return nil, err
	}
	out["distributionConfigurationArn"] = a
	return out, nil
}

func (s *Server) createPipeline(_ *http.Request, body map[string]any) (any, error) {
	return s.createConfig("CreateImagePipeline", typePipeline, "imagePipelineArn", body, s.checkPipeline)
}

func (s *Server) updatePipeline(_ *http.Request, body map[string]any) (any, error) {
	return s.updateConfig("UpdateImagePipeline", typePipeline, "imagePipelineArn", body, s.checkPipeline)
}

func (s *Server) pipelineOut(r *resource) map[string]any {
	out := s.resourceOut(r, false)
	if out["status"] == nil || out["status"] == "" {
		out["status"] = "ENABLED"
	}
	if rec, ok := s.resources[r.refs[0]]; ok {
		out["platform"] = str(rec.fields, "platform")
	}
	return out
}

func (s *Server) getPipeline(req *http.Request, _ map[string]any) (any, error) {
	r, err := s.lookup(typePipeline, req.URL.Query().Get("imagePipelineArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"imagePipeline": s.pipelineOut(r), "requestId": "req-get"}, nil
}

func (s *Server) listPipelines(_ *http.Request, body map[string]any) (any, error) {
	var list []map[string]any
	for _, r := range s.sorted(typePipeline) {
		if ok, err := filtersMatch(body, map[string]string{"name": r.name, "status": str(r.fields, "status")}); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		list = append(list, s.pipelineOut(r))
	}
	return s.listPage(body, "imagePipelineList", list)
}

func (s *Server) deletePipeline(req *http.Request, _ map[string]any) (any, error) {
	a := req.URL.Query().Get("imagePipelineArn")
	out, err := s.remove(typePipeline, a)
	if err != nil {
		return nil, err
	}
	out["imagePipelineArn"] = a
	return out, nil
}

// taggable finds the tags of a resource or image by ARN.
func (s *Server) taggable(req *http.Request) (map[string]string, func(map[string]string), error) {
	raw := strings.TrimPrefix(req.URL.EscapedPath(), "/tags/")
	a, err := url.PathUnescape(raw)
	if err != nil {
		return nil, nil, invalid("resourceArn %q is not escaped properly", raw)
	}
	if r, ok := s.resources[a]; ok {
		return r.tags, func(t map[string]string) { r.tags = t }, nil
	}
	if im, ok := s.images[a]; ok {
		return im.tags, func(t map[string]string) { im.tags = t }, nil
	}
	return nil, nil, notFound("the resource %s does not exist", a)
}

func (s *Server) tagResource(req *http.Request, body map[string]any) (any, error) {
	cur, set, err := s.taggable(req)
	if err != nil {
		return nil, err
	}
	add, err := tagsOf(body)
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

func (s *Server) untagResource(req *http.Request, _ map[string]any) (any, error) {
	cur, set, err := s.taggable(req)
	if err != nil {
		return nil, err
	}
	next := maps.Clone(cur)
	for _, k := range req.URL.Query()["tagKeys"] {
		delete(next, k)
	}
	set(next)
	return map[string]any{}, nil
}

func (s *Server) listTags(req *http.Request, _ map[string]any) (any, error) {
	cur, _, err := s.taggable(req)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		cur = map[string]string{}
	}
	return map[string]any{"tags": cur}, nil
}
