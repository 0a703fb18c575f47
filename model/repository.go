package model

import (
	"slices"
	"sync"
)

// Repository is a loaded users' repository at one commit: its settings and
// its resources. It holds no file contents beyond what the resources keep.
//
// Lookups (ByKind, Versions, Get, Resolve) use an index built on the first
// of them: Resources, and the kind, name and version of each resource, must
// not change after that. Build the Repository completely, then look up.
type Repository struct {
	Config    *Config
	Resources []*Resource // in file order
	// Files lists every file the loader looked at, relative to the root;
	// PolicyFiles are the .rego files found in configured policy bundles.
	Files       []string
	PolicyFiles []string

	indexOnce sync.Once
	index     *repositoryIndex
}

// repositoryIndex answers lookups without scanning every resource: a check
// resolves every component of every recipe, which would otherwise cost
// recipes × components × resources.
type repositoryIndex struct {
	byKind map[Kind][]*Resource
	// byName holds, per kind and name, every resource in file order (what
	// Get returns the first of) and the parseable versions newest first
	// (what Versions returns).
	byName map[kindName]*named
}

type kindName struct {
	kind Kind
	name string
}

type named struct {
	first    *Resource
	versions []versioned // newest first, stable among equal versions
}

type versioned struct {
	res     *Resource
	version Version
	ok      bool // the version parsed
}

func (r *Repository) lookup() *repositoryIndex {
	r.indexOnce.Do(func() { r.index = buildIndex(r.Resources) })
	return r.index
}

func buildIndex(resources []*Resource) *repositoryIndex {
	ix := &repositoryIndex{byKind: map[Kind][]*Resource{}, byName: map[kindName]*named{}}
	for _, res := range resources {
		ix.byKind[res.Kind] = append(ix.byKind[res.Kind], res)
		k := kindName{res.Kind, res.Metadata.Name}
		n := ix.byName[k]
		if n == nil {
			n = &named{first: res}
			ix.byName[k] = n
		}
		v, err := ParseVersion(res.Metadata.Version)
		if err == nil || !res.Kind.Versioned() {
			n.versions = append(n.versions, versioned{res: res, version: v, ok: err == nil})
		}
	}
	for _, n := range ix.byName {
		slices.SortStableFunc(n.versions, func(a, b versioned) int {
			switch {
			case b.version.Less(a.version):
				return -1
			case a.version.Less(b.version):
				return 1
			}
			return 0
		})
	}
	return ix
}

// ByKind returns the resources of kind k in file order. The slice is
// fresh: callers may change it.
func (r *Repository) ByKind(k Kind) []*Resource {
	return slices.Clone(r.lookup().byKind[k])
}

// Versions returns every version of kind k called name, newest first.
// Resources whose version does not parse are left out.
func (r *Repository) Versions(k Kind, name string) []*Resource {
	n := r.lookup().byName[kindName{k, name}]
	if n == nil || len(n.versions) == 0 {
		return nil
	}
	out := make([]*Resource, len(n.versions))
	for i, v := range n.versions {
		out[i] = v.res
	}
	return out
}

// Get returns the unversioned resource of kind k called name, or nil.
func (r *Repository) Get(k Kind, name string) *Resource {
	if n := r.lookup().byName[kindName{k, name}]; n != nil {
		return n.first
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
	n := r.lookup().byName[kindName{k, name}]
	if n == nil {
		return nil
	}
	for _, v := range n.versions {
		if v.ok && p.Match(v.version) {
			return v.res
		}
	}
	return nil
}
