package reconciler

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/model"
)

// SpecReader reads what an environment holds in kiln's shape, so drift can
// be found field by field and not only by the kiln:digest tag (which an
// edit in the console leaves alone), and a resource made outside kiln can
// be compared with the repository before it is adopted.
type SpecReader interface {
	// LiveSpecs reads the resources of read (some of listed, which is
	// what List returned) by ID; references to any listed resource come
	// back by name, as the repository writes them. What cannot be put in
	// kiln's shape is left out.
	LiveSpecs(ctx context.Context, listed, read []Live) (map[model.ID]*model.Resource, error)
}

// FieldDiff is one field whose live value differs from the repository's.
type FieldDiff struct {
	Path          string // spec.instanceTypes, metadata.description, …
	Live, Desired string // JSON
}

// CompareFields lists the fields every update changes, and marks every
// change the tag calls unchanged whose live
// resource differs from the desired one field by field: an update of a
// kind updated in place, an error for a versioned one (its version was
// edited outside kiln, which Image Builder only allows by a new build).
// It compares the fields the repository sets; fields only the live
// resource has are the service's defaults or another tool's.
func CompareFields(desired *model.Repository, plan *Plan, live map[model.ID]*model.Resource) {
	env := plan.Environment
	for i := range plan.Changes {
		c := &plan.Changes[i]
		l := live[c.ID()]
		if (c.Action != ActionUnchanged && c.Action != ActionUpdate) || c.Resource == nil || l == nil {
			continue
		}
		diffs := diffFields(comparable(env, desired, c.Resource), comparable(env, desired, l), false)
		c.Fields = diffs
		if len(diffs) == 0 || c.Action == ActionUpdate {
			continue // an update names what it changes; its reason stays
		}
		if c.Kind.Versioned() {
			c.Action = ActionError
			c.Reason = "changed outside kiln, and versions are immutable: " + describe(diffs)
			continue
		}
		c.Action, c.Reason = ActionUpdate, "changed outside kiln: "+describe(diffs)
	}
	plan.Bakes = bakes(desired, plan)
}

// describe names each differing field with its live and desired values;
// for a document (text of several lines), the first line that differs.
func describe(diffs []FieldDiff) string {
	paths := make([]string, len(diffs))
	for i, d := range diffs {
		if n, live, desired, ok := firstDifferentLine(d); ok {
			paths[i] = fmt.Sprintf("%s line %d (live %q, repository %q)", d.Path, n, live, desired)
			continue
		}
		paths[i] = fmt.Sprintf("%s (live %s, repository %s)", d.Path, d.Live, d.Desired)
	}
	return strings.Join(paths, "; ")
}

// firstDifferentLine finds the first line (1-based) where two texts of
// several lines differ; ok is false unless both values are such texts.
func firstDifferentLine(d FieldDiff) (n int, live, desired string, ok bool) {
	var l, r string
	if json.Unmarshal([]byte(d.Live), &l) != nil || json.Unmarshal([]byte(d.Desired), &r) != nil ||
		!strings.Contains(l+r, "\n") {
		return 0, "", "", false
	}
	ls, rs := strings.Split(l, "\n"), strings.Split(r, "\n")
	for i := 0; i < max(len(ls), len(rs)); i++ {
		var a, b string
		if i < len(ls) {
			a = ls[i]
		}
		if i < len(rs) {
			b = rs[i]
		}
		if a != b || i >= len(ls) || i >= len(rs) {
			return i + 1, strings.TrimSpace(a), strings.TrimSpace(b), true
		}
	}
	return 0, "", "", false
}

// comparable is r's metadata description and spec as plain JSON values,
// with references resolved as apply sends them (a wildcard recipe version
// becomes the version it resolves to), the environment's own account and
// region as placeholders, documents by their text, and without the kind's
// write-only fields.
func comparable(env model.Environment, repo *model.Repository, r *model.Resource) map[string]any {
	spec := r.Spec
	if r.Document != nil {
		if s, ok := cloneSpec(r.Kind, spec).(interface{ SetData(string) }); ok {
			s.SetData(r.Document.Text)
			spec = s
		}
	}
	var v map[string]any
	b, err := json.Marshal(map[string]any{"metadata": map[string]any{"description": r.Metadata.Description}, "spec": spec})
	if err != nil || json.Unmarshal(b, &v) != nil {
		return nil
	}
	if !r.Kind.Versioned() { // as apply sends them
		v, _ = pinVersions(repo, r, v, func(ref model.Ref) bool {
			return ref.Kind == model.KindImageRecipe || ref.Kind == model.KindContainerRecipe
		})
	}
	if s, ok := v["spec"].(map[string]any); ok {
		// What the service never reads back cannot be compared.
		if info, ok := r.Kind.Info(); ok {
			for _, f := range info.WriteOnly {
				delete(s, f)
			}
		}
	}
	return templated(env, v).(map[string]any)
}

// cloneSpec copies a typed spec through JSON, so that comparing never
// changes the repository's.
func cloneSpec(kind model.Kind, spec any) any {
	out := model.NewSpec(kind)
	b, err := json.Marshal(spec)
	if err != nil || out == nil || json.Unmarshal(b, out) != nil {
		return spec
	}
	return out
}

// templated turns the environment's own region and account in ARNs into
// the placeholders, as export writes them.
func templated(env model.Environment, v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = templated(env, e)
		}
	case []any:
		for i, e := range x {
			x[i] = templated(env, e)
		}
	case string:
		f := strings.SplitN(x, ":", 6)
		if len(f) == 6 && f[0] == "arn" {
			if f[3] == env.Region && env.Region != "" {
				f[3] = "{region}"
			}
			if f[4] == env.Account && env.Account != "" {
				f[4] = "{account}"
			}
			return strings.Join(f, ":")
		}
	}
	return v
}

// diffFields lists the leaves of desired whose live value differs, by
// dotted path; a list is compared whole. With liveToo, the leaves only
// live sets are differences too.
func diffFields(desired, live map[string]any, liveToo bool) []FieldDiff {
	var out []FieldDiff
	var walk func(path string, d, l any)
	walk = func(path string, d, l any) {
		dm, dok := d.(map[string]any)
		lm, lok := l.(map[string]any)
		if liveToo && lok && d == nil {
			dm, dok = map[string]any{}, true
		}
		if dok && lok {
			keys := slices.Collect(maps.Keys(dm))
			if liveToo {
				keys = append(keys, slices.Collect(maps.Keys(lm))...)
			}
			slices.Sort(keys)
			for _, k := range slices.Compact(keys) {
				walk(join(path, k), dm[k], lm[k])
			}
			return
		}
		if isZero(d) && isZero(l) {
			return
		}
		db, _ := json.Marshal(d)
		lb, _ := json.Marshal(l)
		if string(db) != string(lb) {
			out = append(out, FieldDiff{Path: path, Live: string(lb), Desired: string(db)})
		}
	}
	walk("", desired, live)
	return out
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}
