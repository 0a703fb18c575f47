package ibtest

// createConfig creates an infrastructure or distribution configuration or
// a pipeline: named, unversioned, updated in place later.
func (s *Server) createConfig(op, typ, arnKey string, body map[string]any, check func(map[string]any) ([]string, error)) (map[string]any, error) {
	return s.idempotent(op, body, func() (map[string]any, error) {
		name := str(body, "name")
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
func (s *Server) updateConfig(op, typ, arnKey string, body map[string]any, check func(map[string]any) ([]string, error)) (map[string]any, error) {
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
		r.fields, r.refs, r.updated = fields, refs, s.now()
		return map[string]any{arnKey: r.arn}, nil
	})
}
