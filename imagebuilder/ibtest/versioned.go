package ibtest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/model"
)

// maxComponentData is the service's cap on inline component data.
const maxComponentData = 16000

func (s *Server) createComponent(_ *http.Request, body map[string]any) (any, error) {
	return s.idempotent("CreateComponent", body, func() (map[string]any, error) {
		name, version := str(body, "name"), str(body, "semanticVersion")
		if !namePattern.MatchString(name) {
			return nil, invalid("name %q does not match the allowed pattern", name)
		}
		if _, err := model.ParseVersion(version); err != nil {
			return nil, errf("InvalidVersionNumberException", 400, "semanticVersion: %v", err)
		}
		switch str(body, "platform") {
		case "Linux", "Windows", "macOS":
		default:
			return nil, invalid("platform must be Linux, Windows or macOS, got %q", str(body, "platform"))
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
		builds := s.componentBuilds(arnName(name), version)
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
		return map[string]any{"componentBuildVersionArn": r.arn}, nil
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
	switch v := doc.SchemaVersion.(type) {
	case float64:
		if v != 1.0 {
			return "", invalid("schemaVersion must be 1.0")
		}
	case string:
		if v != "1.0" {
			return "", invalid("schemaVersion must be 1.0")
		}
	default:
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

func (s *Server) componentOut(r *resource) map[string]any {
	out := s.resourceOut(r, true)
	out["type"] = r.componentType
	out["state"] = map[string]any{"status": "ACTIVE"}
	out["encrypted"] = true
	return out
}

func (s *Server) getComponent(req *http.Request, _ map[string]any) (any, error) {
	r, err := s.resolveVersioned(typeComponent, req.URL.Query().Get("componentBuildVersionArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"component": s.componentOut(r), "requestId": "req-get"}, nil
}

// listComponents answers one entry per semantic version (the version ARN,
// without the build number), or with byName only the newest version of
// each name.
func (s *Server) listComponents(_ *http.Request, body map[string]any) (any, error) {
	if o := str(body, "owner"); o != "" && o != "Self" {
		return s.listPage(body, "componentVersionList", nil)
	}
	byName, _ := body["byName"].(bool)
	newest := map[string]*resource{}
	var items []*resource
	for _, r := range s.sorted(typeComponent) {
		ok, err := filtersMatch(body, map[string]string{"name": r.name, "version": r.version,
			"platform": str(r.fields, "platform"), "type": r.componentType, "description": str(r.fields, "description")})
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if byName {
			if cur, seen := newest[r.name]; seen {
				a, _ := model.ParseVersion(cur.version)
				b, _ := model.ParseVersion(r.version)
				if !a.Less(b) {
					continue
				}
			}
			newest[r.name] = r
			continue
		}
		if n := len(items); n > 0 && items[n-1].name == r.name && items[n-1].version == r.version {
			if buildOf(r.arn) > buildOf(items[n-1].arn) {
				items[n-1] = r
			}
			continue
		}
		items = append(items, r)
	}
	if byName {
		for _, r := range newest {
			items = append(items, r)
		}
		slices.SortFunc(items, func(a, b *resource) int { return strings.Compare(a.arn, b.arn) })
	}
	return s.listPageOf(body, "componentVersionList", len(items), func(i int) map[string]any {
		r := items[i]
		return map[string]any{
			"arn":                 r.arn[:strings.LastIndex(r.arn, "/")],
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

func (s *Server) listComponentBuildVersions(_ *http.Request, body map[string]any) (any, error) {
	a := str(body, "componentVersionArn")
	p, ok := parseArn(a)
	if !ok || p.typ != typeComponent || p.build != "" {
		return nil, invalid("componentVersionArn %q is not a component version ARN", a)
	}
	if _, err := model.ParseVersion(p.version); err != nil {
		return nil, errf("InvalidVersionNumberException", 400, "%s: %v", a, err)
	}
	builds := slices.Clone(s.withPrefix(typeComponent, a+"/"))
	slices.SortFunc(builds, func(x, y *resource) int { return buildOf(x.arn) - buildOf(y.arn) })
	var list []map[string]any
	for _, r := range builds {
		{
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
	}
	return s.listPage(body, "componentSummaryList", list)
}

func (s *Server) deleteComponent(req *http.Request, _ map[string]any) (any, error) {
	a := req.URL.Query().Get("componentBuildVersionArn")
	out, err := s.remove(typeComponent, a)
	if err != nil {
		return nil, err
	}
	out["componentBuildVersionArn"] = a
	return out, nil
}

// recipeComponents resolves a recipe's components: the account's own
// components must exist (wildcards resolve to the newest match); AWS-owned
// and shared ones are taken on trust. It returns the ARNs the recipe
// depends on and the platform of its own components.
func (s *Server) recipeComponents(body map[string]any) (refs []string, platform string, err error) {
	list, _ := body["components"].([]any)
	if len(list) == 0 || len(list) > 20 {
		return nil, "", invalid("a recipe needs between 1 and 20 components, got %d", len(list))
	}
	platform = "Linux"
	for i, c := range list {
		cm, _ := c.(map[string]any)
		a := str(cm, "componentArn")
		p, ok := parseArn(a)
		if !ok || p.typ != typeComponent {
			return nil, "", invalid("components[%d]: %q is not a component ARN", i, a)
		}
		if p.account != s.account {
			continue
		}
		r, err := s.resolveVersioned(typeComponent, a)
		if err != nil {
			return nil, "", err
		}
		refs = append(refs, r.arn)
		platform = str(r.fields, "platform")
	}
	return refs, platform, nil
}

// checkParentImage accepts AMI ids, AWS-owned or shared image ARNs, and the
// account's own images (which must exist, wildcards allowed); container
// recipes also take any registry image reference.
func (s *Server) checkParentImage(parent string, container bool) error {
	if parent == "" {
		return invalid("parentImage is required")
	}
	if strings.HasPrefix(parent, "ami-") {
		return nil
	}
	p, ok := parseArn(parent)
	if !ok {
		if container {
			return nil
		}
		return invalid("parentImage %q is neither an AMI id nor an image ARN", parent)
	}
	if p.typ != typeImage {
		return invalid("parentImage %q is not an image ARN", parent)
	}
	if p.account != s.account {
		return nil
	}
	pat, err := model.ParseVersionPattern(p.version)
	if err != nil {
		return errf("InvalidVersionNumberException", 400, "%s: %v", parent, err)
	}
	for _, im := range s.images {
		ip, _ := parseArn(im.arn)
		v, err := model.ParseVersion(ip.version)
		if ip.name == p.name && err == nil && pat.Match(v) && s.imageState(im).status == "AVAILABLE" {
			return nil
		}
	}
	return notFound("no available image matches parentImage %s", parent)
}

func (s *Server) createRecipe(op, typ, arnKey string, body map[string]any, container bool) (any, error) {
	return s.idempotent(op, body, func() (map[string]any, error) {
		name, version := str(body, "name"), str(body, "semanticVersion")
		if !namePattern.MatchString(name) {
			return nil, invalid("name %q does not match the allowed pattern", name)
		}
		if _, err := model.ParseVersion(version); err != nil {
			return nil, errf("InvalidVersionNumberException", 400, "semanticVersion: %v", err)
		}
		if container {
			if str(body, "containerType") != "DOCKER" {
				return nil, invalid("containerType must be DOCKER")
			}
			tr, _ := body["targetRepository"].(map[string]any)
			if str(tr, "service") != "ECR" || str(tr, "repositoryName") == "" {
				return nil, invalid("targetRepository needs service ECR and a repositoryName")
			}
			if (str(body, "dockerfileTemplateData") == "") == (str(body, "dockerfileTemplateUri") == "") {
				return nil, errf("InvalidParameterCombinationException", 400, "exactly one of dockerfileTemplateData and dockerfileTemplateUri is required")
			}
		}
		refs, platform, err := s.recipeComponents(body)
		if err != nil {
			return nil, err
		}
		if err := s.checkParentImage(str(body, "parentImage"), container); err != nil {
			return nil, err
		}
		tags, err := tagsOf(body)
		if err != nil {
			return nil, err
		}
		fields := withoutKeys(body, "clientToken", "tags")
		if container {
			if p := str(body, "platformOverride"); p != "" {
				platform = p
			}
		}
		fields["platform"] = platform
		r := &resource{typ: typ, name: name, version: version, arn: s.arn(typ, arnName(name), version),
			fields: fields, tags: tags, refs: refs}
		if err := s.add(r); err != nil {
			return nil, err
		}
		return map[string]any{arnKey: r.arn}, nil
	})
}

func (s *Server) createImageRecipe(_ *http.Request, body map[string]any) (any, error) {
	return s.createRecipe("CreateImageRecipe", typeImageRecipe, "imageRecipeArn", body, false)
}

func (s *Server) createContainerRecipe(_ *http.Request, body map[string]any) (any, error) {
	return s.createRecipe("CreateContainerRecipe", typeContainerRecipe, "containerRecipeArn", body, true)
}

func (s *Server) getImageRecipe(req *http.Request, _ map[string]any) (any, error) {
	r, err := s.lookup(typeImageRecipe, req.URL.Query().Get("imageRecipeArn"))
	if err != nil {
		return nil, err
	}
	out := s.resourceOut(r, true)
	out["type"] = "AMI"
	return map[string]any{"imageRecipe": out, "requestId": "req-get"}, nil
}

func (s *Server) getContainerRecipe(req *http.Request, _ map[string]any) (any, error) {
	r, err := s.lookup(typeContainerRecipe, req.URL.Query().Get("containerRecipeArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"containerRecipe": s.resourceOut(r, true), "requestId": "req-get"}, nil
}

func (s *Server) listRecipes(body map[string]any, typ, key string) (any, error) {
	if o := str(body, "owner"); o != "" && o != "Self" {
		return s.listPage(body, key, nil)
	}
	var list []map[string]any
	for _, r := range s.sorted(typ) {
		ok, err := filtersMatch(body, map[string]string{"name": r.name,
			"parentImage": str(r.fields, "parentImage"), "platform": str(r.fields, "platform"),
			"containerType": str(r.fields, "containerType")})
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		item := map[string]any{"arn": r.arn, "name": r.name, "owner": s.account,
			"parentImage": str(r.fields, "parentImage"), "platform": str(r.fields, "platform"),
			"dateCreated": s.stamp(r.created), "tags": r.tags}
		if typ == typeContainerRecipe {
			item["containerType"] = str(r.fields, "containerType")
		}
		list = append(list, item)
	}
	return s.listPage(body, key, list)
}

func (s *Server) listImageRecipes(_ *http.Request, body map[string]any) (any, error) {
	return s.listRecipes(body, typeImageRecipe, "imageRecipeSummaryList")
}

func (s *Server) listContainerRecipes(_ *http.Request, body map[string]any) (any, error) {
	return s.listRecipes(body, typeContainerRecipe, "containerRecipeSummaryList")
}

func (s *Server) deleteImageRecipe(req *http.Request, _ map[string]any) (any, error) {
	a := req.URL.Query().Get("imageRecipeArn")
	out, err := s.remove(typeImageRecipe, a)
	if err != nil {
		return nil, err
	}
	out["imageRecipeArn"] = a
	return out, nil
}

func (s *Server) deleteContainerRecipe(req *http.Request, _ map[string]any) (any, error) {
	a := req.URL.Query().Get("containerRecipeArn")
	out, err := s.remove(typeContainerRecipe, a)
	if err != nil {
		return nil, err
	}
	out["containerRecipeArn"] = a
	return out, nil
}

// componentBuilds counts the build versions of a component version.
func (s *Server) componentBuilds(name, version string) int {
	return len(s.withPrefix(typeComponent, s.arn(typeComponent, name, version)+"/"))
}

func buildOf(a string) int {
	n, _ := strconv.Atoi(a[strings.LastIndex(a, "/")+1:])
	return n
}
