package ibtest

import "strings"

// Image and container recipes share their versioning, components and
// parent image rules; image_recipe.go and container_recipe.go hold what
// differs.

// recipeComponents resolves a recipe's components: the account's own
// components must exist (wildcards resolve to the newest match); AWS-owned
// and shared ones are taken on trust. It returns the ARNs the recipe
// depends on and the platform of its own components.
func (s *Server) recipeComponents(body map[string]any) (refs []string, platform string, err error) {
	list, _ := body["components"].([]any)
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

// checkParentImage accepts AMI ids, SSM parameters (ssm:…), AWS-owned or
// shared image ARNs, and the account's own images (which must exist,
// wildcards allowed); container recipes also take any registry image
// reference.
func (s *Server) checkParentImage(parent string, container bool) error {
	if strings.HasPrefix(parent, "ami-") || strings.HasPrefix(parent, "ssm:") {
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
	pat, err := parseSemver(p.version, true)
	if err != nil {
		return errf("InvalidVersionNumberException", 400, "%s: %v", parent, err)
	}
	for _, im := range s.images {
		ip, _ := parseArn(im.arn)
		v, err := parseSemver(ip.version, false)
		if ip.name == p.name && err == nil && pat.matches(v) && s.imageState(im).status == "AVAILABLE" {
			return nil
		}
	}
	return notFound("no available image matches parentImage %s", parent)
}

// createRecipe creates an image or container recipe. check holds the
// kind's own rules.
func (s *Server) createRecipe(op, typ, arnKey string, body map[string]any, container bool, check func(map[string]any) error) (map[string]any, error) {
	return s.idempotent(op, body, func() (map[string]any, error) {
		name := str(body, "name")
		version, err := s.nextVersion(typ, name, str(body, "semanticVersion"))
		if err != nil {
			return nil, err
		}
		if err := check(body); err != nil {
			return nil, err
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
		if p := str(body, "platformOverride"); container && p != "" {
			platform = p
		}
		fields["platform"] = platform
		r := &resource{typ: typ, name: name, version: version, arn: s.arn(typ, arnName(name), version),
			fields: fields, tags: tags, refs: refs}
		if err := s.add(r); err != nil {
			return nil, err
		}
		return map[string]any{arnKey: r.arn, "latestVersionReferences": s.latestVersionReferences(r)}, nil
	})
}

func (s *Server) recipeOut(r *resource) map[string]any {
	if r.typ == typeContainerRecipe {
		return s.resourceOut(r, "ContainerRecipe")
	}
	return s.resourceOut(r, "ImageRecipe")
}

func (s *Server) listRecipes(body map[string]any, typ, key string) (map[string]any, error) {
	if o := str(body, "owner"); o != "" && o != "Self" {
		return s.listPage(body, key, nil)
	}
	var list []map[string]any
	for _, r := range s.sorted(typ) {
		if !s.listed(r) {
			continue
		}
		ok, err := filtersMatch(body, map[string]string{"name": r.name,
			"parentImage": str(r.fields, "parentImage"), "platform": str(r.fields, "platform"),
			"containerType": str(r.fields, "containerType")})
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		shape := "ImageRecipeSummary"
		if typ == typeContainerRecipe {
			shape = "ContainerRecipeSummary"
		}
		list = append(list, s.resourceOut(r, shape))
	}
	return s.listPage(body, key, list)
}
