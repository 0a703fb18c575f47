package ibtest

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

var workflowHandlers = map[string]handler{
	"CreateWorkflow":            (*Server).createWorkflow,
	"GetWorkflow":               (*Server).getWorkflow,
	"ListWorkflows":             (*Server).listWorkflows,
	"ListWorkflowBuildVersions": (*Server).listWorkflowBuildVersions,
	"DeleteWorkflow":            (*Server).deleteWorkflow,
}

// workflowTyp is the ARN type segment of a workflow of type t (BUILD,
// TEST, DISTRIBUTION): workflow/build, ….
func workflowTyp(t string) string { return typeWorkflow + "/" + strings.ToLower(t) }

// createWorkflow follows CreateComponent: versioned, a repeated name and
// version gets the next build version (ResourceAlreadyExistsException
// with WithStrictComponentVersions), dryRun answers
// DryRunOperationException when the create would succeed.
func (s *Server) createWorkflow(body map[string]any) (map[string]any, error) {
	return s.idempotent("CreateWorkflow", body, func() (map[string]any, error) {
		name, version := str(body, "name"), str(body, "semanticVersion")
		if _, err := parseSemver(version, false); err != nil {
			return nil, errf("InvalidVersionNumberException", 400, "semanticVersion: %v", err)
		}
		data, uri := str(body, "data"), str(body, "uri")
		if (data == "") == (uri == "") {
			return nil, errf("InvalidParameterCombinationException", 400, "exactly one of data and uri is required")
		}
		var params []any
		if data != "" {
			var err error
			if params, err = checkWorkflowData(data); err != nil {
				return nil, err
			}
		}
		tags, err := tagsOf(body)
		if err != nil {
			return nil, err
		}
		typ := workflowTyp(str(body, "type"))
		builds := s.builds(typ, arnName(name), version)
		if builds > 0 && s.strictComponents {
			return nil, errf("ResourceAlreadyExistsException", 400, "the workflow %s already exists",
				s.arn(typ, arnName(name), version, "1"))
		}
		fields := withoutKeys(body, "clientToken", "dryRun", "tags", "uri")
		if len(params) > 0 {
			fields["parameters"] = params
		}
		r := &resource{typ: typ, name: name, version: version,
			arn:    s.arn(typ, arnName(name), version, strconv.Itoa(builds+1)),
			fields: fields, tags: tags}
		if b, _ := body["dryRun"].(bool); b {
			return nil, errf("DryRunOperationException", 412, "the request would have succeeded, but dryRun was set")
		}
		if err := s.add(r); err != nil {
			return nil, err
		}
		return map[string]any{"workflowBuildVersionArn": r.arn, "latestVersionReferences": s.latestVersionReferences(r)}, nil
	})
}

// checkWorkflowData keeps the service's document checks that need no
// other service: YAML, schemaVersion 1.0, named steps with actions, and
// unique parameter names. It returns the parameters as GetWorkflow lists
// them.
func checkWorkflowData(data string) ([]any, error) {
	var doc struct {
		SchemaVersion any `yaml:"schemaVersion"`
		Parameters    []struct {
			Name        string `yaml:"name"`
			Type        string `yaml:"type"`
			Default     any    `yaml:"default"`
			Description string `yaml:"description"`
		} `yaml:"parameters"`
		Steps []struct {
			Name   string `yaml:"name"`
			Action string `yaml:"action"`
		} `yaml:"steps"`
	}
	if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
		return nil, invalid("data is not a valid YAML document: %v", err)
	}
	if !schemaVersion1(doc.SchemaVersion) {
		return nil, invalid("schemaVersion must be 1.0")
	}
	if len(doc.Steps) == 0 {
		return nil, invalid("the workflow has no steps")
	}
	seen := map[string]bool{}
	for i, st := range doc.Steps {
		if st.Name == "" || st.Action == "" {
			return nil, invalid("steps[%d] needs a name and an action", i)
		}
		if seen[st.Name] {
			return nil, invalid("step name %q appears twice", st.Name)
		}
		seen[st.Name] = true
	}
	var params []any
	names := map[string]bool{}
	for _, p := range doc.Parameters {
		if p.Name == "" || p.Type == "" || names[p.Name] {
			return nil, invalid("parameter %q needs a unique name and a type", p.Name)
		}
		names[p.Name] = true
		out := map[string]any{"name": p.Name, "type": p.Type}
		if p.Description != "" {
			out["description"] = p.Description
		}
		switch d := p.Default.(type) {
		case nil:
		case []any:
			var vals []any
			for _, v := range d {
				vals = append(vals, yamlScalar(v))
			}
			out["defaultValue"] = vals
		default:
			out["defaultValue"] = []any{yamlScalar(d)}
		}
		params = append(params, out)
	}
	return params, nil
}

func yamlScalar(v any) string {
	b, _ := yaml.Marshal(v)
	return strings.TrimSpace(string(b))
}

// lookupWorkflow resolves a workflow ARN of any workflow type.
func (s *Server) lookupWorkflow(a string) (*resource, error) {
	p, ok := parseArn(a)
	if !ok || !strings.HasPrefix(p.typ, typeWorkflow+"/") {
		return nil, invalid("%q is not a workflow ARN", a)
	}
	return s.resolveVersioned(p.typ, a)
}

// workflowOut answers a workflow without a state: the model's only
// workflow status is DEPRECATED, and the emulator deprecates nothing.
func (s *Server) workflowOut(r *resource, shape string) map[string]any {
	return s.resourceOut(r, shape)
}

func (s *Server) getWorkflow(in map[string]any) (map[string]any, error) {
	r, err := s.lookupWorkflow(str(in, "workflowBuildVersionArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"workflow": s.workflowOut(r, "Workflow"), "latestVersionReferences": s.latestVersionReferences(r)}, nil
}

// workflows is every workflow build version, of all three types, by ARN.
func (s *Server) workflows() []*resource {
	var out []*resource
	for _, t := range []string{"BUILD", "DISTRIBUTION", "TEST"} {
		out = append(out, s.sorted(workflowTyp(t))...)
	}
	return out
}

func (s *Server) listWorkflows(body map[string]any) (map[string]any, error) {
	if o := str(body, "owner"); o != "" && o != "Self" {
		return s.listPage(body, "workflowVersionList", nil)
	}
	byName, _ := body["byName"].(bool)
	var items []*resource
	for _, t := range []string{"BUILD", "DISTRIBUTION", "TEST"} {
		got, err := s.versionList(workflowTyp(t), byName, func(r *resource) (bool, error) {
			return filtersMatch(body, map[string]string{"name": r.name, "version": r.version, "type": str(r.fields, "type")})
		})
		if err != nil {
			return nil, err
		}
		items = append(items, got...)
	}
	return s.listPageOf(body, "workflowVersionList", len(items), func(i int) map[string]any {
		out := s.resourceOut(items[i], "WorkflowVersion")
		out["arn"] = versionArn(items[i].arn)
		return out
	})
}

func (s *Server) listWorkflowBuildVersions(body map[string]any) (map[string]any, error) {
	a := str(body, "workflowVersionArn")
	var builds []*resource
	if a == "" {
		for _, r := range s.workflows() {
			if s.listed(r) {
				builds = append(builds, r)
			}
		}
	} else {
		p, ok := parseArn(a)
		if !ok || !strings.HasPrefix(p.typ, typeWorkflow+"/") {
			return nil, invalid("%q is not a workflow version ARN", a)
		}
		var err error
		if builds, err = s.buildVersions(p.typ, a); err != nil {
			return nil, err
		}
	}
	list := make([]map[string]any, 0, len(builds))
	for _, r := range builds {
		list = append(list, s.workflowOut(r, "WorkflowSummary"))
	}
	return s.listPage(body, "workflowSummaryList", list)
}

func (s *Server) deleteWorkflow(in map[string]any) (map[string]any, error) {
	a := str(in, "workflowBuildVersionArn")
	p, ok := parseArn(a)
	if !ok || !strings.HasPrefix(p.typ, typeWorkflow+"/") {
		return nil, invalid("%q is not a workflow build version ARN", a)
	}
	if err := s.remove(p.typ, a); err != nil {
		return nil, err
	}
	return map[string]any{"workflowBuildVersionArn": a}, nil
}
