package ibtest

import (
	"strconv"

	"go.yaml.in/yaml/v3"
)

var componentHandlers = map[string]handler{
	"CreateComponent":            (*Server).createComponent,
	"GetComponent":               (*Server).getComponent,
	"ListComponents":             (*Server).listComponents,
	"ListComponentBuildVersions": (*Server).listComponentBuildVersions,
	"DeleteComponent":            (*Server).deleteComponent,
}

// maxComponentData is the service's cap on inline component data.
const maxComponentData = 16000

func (s *Server) createComponent(body map[string]any) (map[string]any, error) {
	return s.idempotent("CreateComponent", body, func() (map[string]any, error) {
		name, version := str(body, "name"), str(body, "semanticVersion")
		if _, err := parseSemver(version, false); err != nil {
			return nil, errf("InvalidVersionNumberException", 400, "semanticVersion: %v", err)
		}
		data, uri := str(body, "data"), str(body, "uri")
		if (data == "") == (uri == "") {
			return nil, errf("InvalidParameterCombinationException", 400, "exactly one of data and uri is required")
		}
		ctype := "BUILD"
		if data != "" {
			var err error
			if ctype, err = checkComponentData(data); err != nil {
				return nil, err
			}
		}
		tags, err := tagsOf(body)
		if err != nil {
			return nil, err
		}
		// Since November 2025 the service answers a repeated name and
		// version with the next build version; WithStrictComponentVersions
		// restores the refusal.
		builds := s.builds(typeComponent, arnName(name), version)
		if builds > 0 && s.strictComponents {
			return nil, errf("ResourceAlreadyExistsException", 400, "the component %s already exists",
				s.arn(typeComponent, arnName(name), version, "1"))
		}
		r := &resource{
			typ: typeComponent, name: name, version: version,
			arn:    s.arn(typeComponent, arnName(name), version, strconv.Itoa(builds+1)),
			fields: withoutKeys(body, "clientToken", "dryRun", "tags"),
			tags:   tags, componentType: ctype,
		}
		if b, _ := body["dryRun"].(bool); b {
			return nil, errf("DryRunOperationException", 412, "the request would have succeeded, but dryRun was set")
		}
		if err := s.add(r); err != nil {
			return nil, err
		}
		return map[string]any{"componentBuildVersionArn": r.arn, "latestVersionReferences": s.latestVersionReferences(r)}, nil
	})
}

// checkComponentData is the part of the service's document validation the
// emulator keeps: YAML, schemaVersion 1.0, named phases with steps. It
// returns BUILD or TEST by the phases present.
func checkComponentData(data string) (string, error) {
	if len(data) > maxComponentData {
		return "", invalid("data is %d characters, more than %d", len(data), maxComponentData)
	}
	var doc struct {
		SchemaVersion any `yaml:"schemaVersion"`
		Phases        []struct {
			Name  string `yaml:"name"`
			Steps []any  `yaml:"steps"`
		} `yaml:"phases"`
	}
	if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
		return "", invalid("data is not a valid YAML document: %v", err)
	}
	if !schemaVersion1(doc.SchemaVersion) {
		return "", invalid("schemaVersion must be 1.0")
	}
	if len(doc.Phases) == 0 {
		return "", invalid("the document has no phases")
	}
	ctype := "TEST"
	for _, p := range doc.Phases {
		switch p.Name {
		case "build", "validate":
			ctype = "BUILD"
		case "test", "container-host-test":
		default:
			return "", invalid("phase %q is not one of build, validate, test, container-host-test", p.Name)
		}
		if len(p.Steps) == 0 {
			return "", invalid("phase %q has no steps", p.Name)
		}
	}
	return ctype, nil
}

func schemaVersion1(v any) bool {
	switch v := v.(type) {
	case float64:
		return v == 1.0
	case string:
		return v == "1.0"
	}
	return false
}

func (s *Server) componentOut(r *resource) map[string]any {
	out := s.resourceOut(r, "Component")
	out["type"] = r.componentType
	out["state"] = map[string]any{"status": "ACTIVE"}
	out["encrypted"] = true
	return out
}

func (s *Server) getComponent(in map[string]any) (map[string]any, error) {
	r, err := s.resolveVersioned(typeComponent, str(in, "componentBuildVersionArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"component": s.componentOut(r), "latestVersionReferences": s.latestVersionReferences(r)}, nil
}

// listComponents answers one entry per semantic version (the version ARN,
// without the build number), or with byName only the newest version of
// each name.
func (s *Server) listComponents(body map[string]any) (map[string]any, error) {
	if o := str(body, "owner"); o != "" && o != "Self" {
		return s.listPage(body, "componentVersionList", nil)
	}
	byName, _ := body["byName"].(bool)
	items, err := s.versionList(typeComponent, byName, func(r *resource) (bool, error) {
		return filtersMatch(body, map[string]string{"name": r.name, "version": r.version,
			"platform": str(r.fields, "platform"), "type": r.componentType, "description": str(r.fields, "description"),
			"supportedOsVersion": first(r.fields["supportedOsVersions"])})
	})
	if err != nil {
		return nil, err
	}
	return s.listPageOf(body, "componentVersionList", len(items), func(i int) map[string]any {
		r := items[i]
		return map[string]any{
			"arn":                 versionArn(r.arn),
			"name":                r.name,
			"version":             r.version,
			"description":         str(r.fields, "description"),
			"platform":            str(r.fields, "platform"),
			"supportedOsVersions": r.fields["supportedOsVersions"],
			"type":                r.componentType,
			"owner":               s.account,
			"status":              "ACTIVE",
			"dateCreated":         s.stamp(r.created),
		}
	})
}

func (s *Server) listComponentBuildVersions(body map[string]any) (map[string]any, error) {
	builds, err := s.buildVersions(typeComponent, str(body, "componentVersionArn"))
	if err != nil {
		return nil, err
	}
	list := make([]map[string]any, 0, len(builds))
	for _, r := range builds {
		list = append(list, map[string]any{
			"arn": r.arn, "name": r.name, "version": r.version,
			"description":         str(r.fields, "description"),
			"changeDescription":   str(r.fields, "changeDescription"),
			"platform":            str(r.fields, "platform"),
			"supportedOsVersions": r.fields["supportedOsVersions"],
			"type":                r.componentType, "owner": s.account,
			"state":       map[string]any{"status": "ACTIVE"},
			"dateCreated": s.stamp(r.created), "tags": r.tags,
		})
	}
	return s.listPage(body, "componentSummaryList", list)
}

func (s *Server) deleteComponent(in map[string]any) (map[string]any, error) {
	a := str(in, "componentBuildVersionArn")
	if err := s.remove(typeComponent, a); err != nil {
		return nil, err
	}
	return map[string]any{"componentBuildVersionArn": a}, nil
}

func first(v any) string {
	if list, ok := v.([]any); ok && len(list) > 0 {
		s, _ := list[0].(string)
		return s
	}
	return ""
}
