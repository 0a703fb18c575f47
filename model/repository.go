package model

import "slices"

// Repository is a loaded users' repository at one commit: its settings and
// its resources. It holds no file contents beyond what the resources keep.
type Repository struct {
	Config    *Config
	Resources []*Resource // in file order
	// Files lists every file the loader looked at, relative to the root;
	// PolicyFiles are the .rego files found in configured policy bundles.
	Files       []string
	PolicyFiles []string
}

// ByKind returns the resources of kind k in file order.
func (r *Repository) ByKind(k Kind) []*Resource {
	var out []*Resource
	for _, res := range r.Resources {
		if res.Kind == k {
			out = append(out, res)
		}
	}
	return out
}

// Versions returns every version of kind k called name, newest first.
// Resources whose version does not parse are left out.
func (r *Repository) Versions(k Kind, name string) []*Resource {
	var out []*Resource
	for _, res := range r.Resources {
		if res.Kind == k && res.Metadata.Name == name {
			if _, err := ParseVersion(res.Metadata.Version); err == nil || !k.Versioned() {
				out = append(out, res)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *Resource) int {
		va, _ := ParseVersion(a.Metadata.Version)
		vb, _ := ParseVersion(b.Metadata.Version)
		switch {
		case vb.Less(va):
			return -1
		case va.Less(vb):
			return 1
		}
		return 0
	})
	return out
}

// Get returns the unversioned resource of kind k called name, or nil.
func (r *Repository) Get(k Kind, name string) *Resource {
	for _, res := range r.Resources {
		if res.Kind == k && res.Metadata.Name == name {
			return res
		}
	}
	return nil
}

// Resolve returns the newest version of kind k called name that matches
// pattern (exact or wildcard), or nil.
func (r *Repository) Resolve(k Kind, name, pattern string) *Resource {
	p, err := ParseVersionPattern(pattern)
	if err != nil {
		return nil
	}
	for _, res := range r.Versions(k, name) {
		v, err := ParseVersion(res.Metadata.Version)
		if err == nil && p.Match(v) {
			return res
		}
	}
	return nil
}
