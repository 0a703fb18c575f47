package ibtest

var lifecyclePolicyHandlers = map[string]handler{
	"CreateLifecyclePolicy": (*Server).createLifecyclePolicy,
	"UpdateLifecyclePolicy": (*Server).updateLifecyclePolicy,
	"GetLifecyclePolicy":    (*Server).getLifecyclePolicy,
	"ListLifecyclePolicies": (*Server).listLifecyclePolicies,
	"DeleteLifecyclePolicy": (*Server).deleteLifecyclePolicy,
}

// checkLifecyclePolicy keeps the service's rules beyond the model
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/create-lifecycle-policies.html):
// resources are selected by recipes or by tags, each action type appears
// at most once, and container images can only be deleted. A lifecycle
// policy refers to recipes by name and version at run time, so nothing it
// names has to exist now, and it blocks no deletion.
func checkLifecyclePolicy(body map[string]any) ([]string, error) {
	sel, _ := body["resourceSelection"].(map[string]any)
	recipes, _ := sel["recipes"].([]any)
	tagMap, _ := sel["tagMap"].(map[string]any)
	if len(recipes) == 0 && len(tagMap) == 0 {
		return nil, invalid("resourceSelection needs recipes or a tagMap")
	}
	for i, r := range recipes {
		if _, err := parseSemver(str(r.(map[string]any), "semanticVersion"), true); err != nil {
			return nil, errf("InvalidVersionNumberException", 400, "resourceSelection.recipes[%d]: %v", i, err)
		}
	}
	seen := map[string]bool{}
	details, _ := body["policyDetails"].([]any)
	for i, d := range details {
		action, _ := d.(map[string]any)["action"].(map[string]any)
		t := str(action, "type")
		if seen[t] {
			return nil, invalid("policyDetails[%d]: a second %s rule; each action type may appear once", i, t)
		}
		seen[t] = true
		if str(body, "resourceType") == "CONTAINER_IMAGE" && t != "DELETE" {
			return nil, invalid("policyDetails[%d]: container images can only be deleted, not %s", i, t)
		}
	}
	return nil, nil
}

func (s *Server) createLifecyclePolicy(body map[string]any) (map[string]any, error) {
	if str(body, "status") == "" {
		body["status"] = "ENABLED"
	}
	return s.createConfig("CreateLifecyclePolicy", typeLifecyclePolicy, "lifecyclePolicyArn", body, checkLifecyclePolicy)
}

func (s *Server) updateLifecyclePolicy(body map[string]any) (map[string]any, error) {
	if str(body, "status") == "" {
		body["status"] = "ENABLED"
	}
	return s.updateConfig("UpdateLifecyclePolicy", typeLifecyclePolicy, "lifecyclePolicyArn", body, checkLifecyclePolicy)
}

func (s *Server) getLifecyclePolicy(in map[string]any) (map[string]any, error) {
	r, err := s.lookup(typeLifecyclePolicy, str(in, "lifecyclePolicyArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"lifecyclePolicy": s.resourceOut(r, "LifecyclePolicy")}, nil
}

func (s *Server) listLifecyclePolicies(body map[string]any) (map[string]any, error) {
	var list []map[string]any
	for _, r := range s.sorted(typeLifecyclePolicy) {
		if !s.listed(r) {
			continue
		}
		ok, err := filtersMatch(body, map[string]string{"name": r.name, "status": str(r.fields, "status"),
			"resourceType": str(r.fields, "resourceType")})
		if err != nil {
			return nil, err
		}
		if ok {
			list = append(list, s.resourceOut(r, "LifecyclePolicySummary"))
		}
	}
	return s.listPage(body, "lifecyclePolicySummaryList", list)
}

func (s *Server) deleteLifecyclePolicy(in map[string]any) (map[string]any, error) {
	a := str(in, "lifecyclePolicyArn")
	if err := s.remove(typeLifecyclePolicy, a); err != nil {
		return nil, err
	}
	return map[string]any{"lifecyclePolicyArn": a}, nil
}
