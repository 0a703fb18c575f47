package policy

import (
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kiln-gitops/kiln/model"
)

// buildInput converts a resource into the inputs policies see, once:
//
//   - kiln-style rules get {id, kind, name, version, file, metadata, spec,
//     environment{name, production}} plus, for components, "document" (the
//     resolved AWSTOE document) and "commands" (effective shell commands,
//     see extractCommands), and for recipes "components" (each reference
//     with the repository component it resolves to);
//   - conftest-style rules get the document exactly as written, which is
//     what `conftest test` passes for a YAML file, and, for components, the
//     AWSTOE document too, as conftest would see a separate AWSTOE file.
func buildInput(repo *model.Repository, res *model.Resource, env map[string]any) docInput {
	raw, err := ast.InterfaceToValue(res.Value)
	if err != nil {
		return docInput{err: fmt.Errorf("convert %s: %w", res.File, err)}
	}
	rawObj, _ := raw.(ast.Object)
	get := func(k string) *ast.Term {
		if rawObj != nil {
			if t := rawObj.Get(ast.StringTerm(k)); t != nil {
				return t
			}
		}
		return ast.NullTerm()
	}
	extra := map[string]any{"environment": env}
	var doc ast.Value
	if res.Document != nil {
		if doc, err = ast.InterfaceToValue(res.Document.Value); err != nil {
			return docInput{err: fmt.Errorf("convert %s: %w", res.Document.File, err)}
		}
	}
	if res.Kind == model.KindImageRecipe || res.Kind == model.KindContainerRecipe {
		extra["components"] = recipeComponents(repo, res)
	}
	extraVal, err := ast.InterfaceToValue(extra)
	if err != nil {
		return docInput{err: fmt.Errorf("convert %s: %w", res.File, err)}
	}
	items := func() [][2]*ast.Term {
		return [][2]*ast.Term{
			ast.Item(ast.StringTerm("id"), ast.StringTerm(res.ID())),
			ast.Item(ast.StringTerm("kind"), ast.StringTerm(string(res.Kind))),
			ast.Item(ast.StringTerm("name"), ast.StringTerm(res.Metadata.Name)),
			ast.Item(ast.StringTerm("version"), ast.StringTerm(res.Metadata.Version)),
			ast.Item(ast.StringTerm("file"), ast.StringTerm(res.File)),
			ast.Item(ast.StringTerm("metadata"), get("metadata")),
			ast.Item(ast.StringTerm("spec"), get("spec")),
		}
	}
	// The repository-wide input keeps only what identifies a resource and
	// its spec: documents and commands would stay in memory for the whole
	// evaluation and make every garbage collection slower.
	slim := ast.NewObject(items()...)
	slim.Insert(ast.StringTerm("environment"), ast.NewTerm(extraVal.(ast.Object).Get(ast.StringTerm("environment")).Value))
	obj := ast.NewObject(items()...)
	extraVal.(ast.Object).Foreach(func(k, v *ast.Term) { obj.Insert(k, v) })
	if doc != nil {
		obj.Insert(ast.StringTerm("document"), ast.NewTerm(doc))
		obj.Insert(ast.StringTerm("commands"), ast.NewTerm(extractCommands(res.Document.Value)))
		obj.Insert(ast.StringTerm("secret_candidates"), ast.NewTerm(secretCandidates(res.Document.Value)))
	}
	return docInput{kiln: obj, raw: raw, doc: doc, repo: slim}
}

// recipeComponents lists a recipe's component references, each with the
// repository component it resolves to, so rules can judge a recipe by what
// its components are (a STIG hardening component, say).
func recipeComponents(repo *model.Repository, res *model.Resource) []any {
	var refs []model.ComponentRef
	switch s := res.Spec.(type) {
	case *model.ImageRecipeSpec:
		refs = s.Components
	case *model.ContainerRecipeSpec:
		refs = s.Components
	}
	out := make([]any, 0, len(refs))
	for i, ref := range refs {
		c := map[string]any{"index": i, "name": ref.Name, "version": ref.Version, "arn": ref.Arn, "resolved": nil}
		if ref.Arn == "" && repo != nil {
			if r := repo.Resolve(model.KindComponent, ref.Name, ref.Version); r != nil {
				tags := map[string]any{}
				for k, v := range r.Metadata.Tags {
					tags[k] = v
				}
				resolved := map[string]any{
					"id": r.ID(), "name": r.Metadata.Name, "version": r.Metadata.Version,
					"description": r.Metadata.Description, "tags": tags, "file": r.File,
				}
				if cs, ok := r.Spec.(*model.ComponentSpec); ok {
					resolved["platform"] = cs.Platform
				}
				c["resolved"] = resolved
			}
		}
		out = append(out, c)
	}
	return out
}

// mayHoldSecret reports whether s contains a fixed part of one of the
// secret patterns of the built-in rule KILN-CMP-009; a string without any
// cannot match, so Rego only runs its regular expressions on the few that
// do.
func mayHoldSecret(s string) bool {
	for _, m := range []string{"AKIA", "ASIA", "A3T", "PRIVATE KEY-----"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	// The secret access key pattern is case-insensitive.
	return strings.Contains(s, "_") && strings.Contains(strings.ToLower(s), "aws_secret_access_key")
}

// secretCandidates lists the strings of an AWSTOE document that contain a
// secret marker, with their paths.
func secretCandidates(doc map[string]any) *ast.Array {
	var out []*ast.Term
	var path []any
	var visit func(v any)
	visit = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				path = append(path, k)
				visit(c)
				path = path[:len(path)-1]
			}
		case []any:
			for i, c := range x {
				path = append(path, i)
				visit(c)
				path = path[:len(path)-1]
			}
		case string:
			if mayHoldSecret(x) {
				{
					p := make([]*ast.Term, len(path))
					for i, e := range path {
						if s, ok := e.(string); ok {
							p[i] = ast.StringTerm(s)
						} else {
							p[i] = ast.IntNumberTerm(e.(int))
						}
					}
					out = append(out, ast.ObjectTerm(
						ast.Item(ast.StringTerm("path"), ast.ArrayTerm(p...)),
						ast.Item(ast.StringTerm("value"), ast.StringTerm(x)),
					))
					return
				}
			}
		}
	}
	visit(doc)
	return ast.NewArray(out...)
}
