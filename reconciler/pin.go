package reconciler

import "github.com/kiln-gitops/kiln/model"

// pinVersions returns value (r's, or a rendering of it with the same paths)
// with each reference of r that pin selects naming the version it resolves
// to in repo, and those versions in reference order. value is left alone:
// only the maps and lists on the way to a changed reference are copied.
func pinVersions(repo *model.Repository, r *model.Resource, value map[string]any, pin func(model.Ref) bool) (map[string]any, []string) {
	var versions []string
	for _, ref := range r.Refs() {
		if !pin(ref) {
			continue
		}
		res := repo.Resolve(ref.Kind, ref.Name, ref.Version)
		if res == nil {
			continue
		}
		versions = append(versions, res.Metadata.Version)
		if res.Metadata.Version == ref.Version {
			continue
		}
		value = copyAlong(value, ref.Path, func(m map[string]any) {
			if m["name"] == ref.Name {
				m["version"] = res.Metadata.Version
			}
		}).(map[string]any)
	}
	return value, versions
}

// copyAlong copies the maps and lists on path from v down (sharing the
// rest) and calls set on the mapping at its end.
func copyAlong(v any, path []any, set func(map[string]any)) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = e
		}
		if len(path) == 0 {
			set(m)
			return m
		}
		if k, ok := path[0].(string); ok {
			if e, ok := m[k]; ok {
				m[k] = copyAlong(e, path[1:], set)
			}
		}
		return m
	case []any:
		l := append([]any(nil), x...)
		if len(path) == 0 {
			return l
		}
		if i, ok := path[0].(int); ok && i >= 0 && i < len(l) {
			l[i] = copyAlong(l[i], path[1:], set)
		}
		return l
	}
	return v
}
