package model

import (
	"slices"
	"testing"
)

func TestRepositoryLookups(t *testing.T) {
	res := func(k Kind, name, version string) *Resource {
		return &Resource{Kind: k, Metadata: Metadata{Name: name, Version: version}}
	}
	c100 := res(KindComponent, "c", "1.0.0")
	c110 := res(KindComponent, "c", "1.1.0")
	c200 := res(KindComponent, "c", "2.0.0")
	cBad := res(KindComponent, "c", "1.x.x") // not an exact version
	cDup := res(KindComponent, "c", "1.1.0") // a duplicate keeps file order
	d100 := res(KindComponent, "d", "1.0.0")
	infra := res(KindInfrastructureConfiguration, "i", "")
	infra2 := res(KindInfrastructureConfiguration, "i", "")
	pipe := res(KindImagePipeline, "p", "")
	repo := &Repository{Resources: []*Resource{c110, c100, cBad, infra, c200, cDup, d100, infra2, pipe}}

	tests := []struct {
		name string
		got  []*Resource
		want []*Resource
	}{
		{"versions newest first", repo.Versions(KindComponent, "c"), []*Resource{c200, c110, cDup, c100}},
		{"versions of another name", repo.Versions(KindComponent, "d"), []*Resource{d100}},
		{"versions of nothing", repo.Versions(KindComponent, "zzz"), nil},
		{"versions of another kind", repo.Versions(KindImageRecipe, "c"), nil},
		{"unversioned kinds keep every resource", repo.Versions(KindInfrastructureConfiguration, "i"), []*Resource{infra, infra2}},
		{"by kind in file order", repo.ByKind(KindComponent), []*Resource{c110, c100, cBad, c200, cDup, d100}},
		{"by kind of nothing", repo.ByKind(KindContainerRecipe), nil},
	}
	for _, tc := range tests {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, ids(tc.got), ids(tc.want))
		}
	}

	resolves := []struct {
		pattern string
		want    *Resource
	}{
		{"1.0.0", c100},
		{"1.1.0", c110},
		{"1.x.x", c110},
		{"x.x.x", c200},
		{"2.x.x", c200},
		{"3.x.x", nil},
		{"1.2.0", nil},
		{"x.1.0", nil}, // not a valid pattern
	}
	for _, tc := range resolves {
		if got := repo.Resolve(KindComponent, "c", tc.pattern); got != tc.want {
			t.Errorf("Resolve(c, %s) = %v, want %v", tc.pattern, ids([]*Resource{got}), ids([]*Resource{tc.want}))
		}
	}
	if got := repo.Get(KindInfrastructureConfiguration, "i"); got != infra {
		t.Errorf("Get returned %p, want the first one %p", got, infra)
	}
	if got := repo.Get(KindImagePipeline, "nope"); got != nil {
		t.Errorf("Get of a missing name = %v", got)
	}

	// Callers may change what ByKind and Versions return.
	repo.ByKind(KindComponent)[0] = nil
	repo.Versions(KindComponent, "c")[0] = nil
	if repo.ByKind(KindComponent)[0] != c110 || repo.Versions(KindComponent, "c")[0] != c200 {
		t.Error("changing a returned slice changed the index")
	}
}

func TestRepositoryLookupsConcurrent(t *testing.T) {
	repo := &Repository{Resources: []*Resource{
		{Kind: KindComponent, Metadata: Metadata{Name: "c", Version: "1.0.0"}},
	}}
	done := make(chan *Resource)
	for range 8 {
		go func() { done <- repo.Resolve(KindComponent, "c", "1.x.x") }()
	}
	for range 8 {
		if r := <-done; r != repo.Resources[0] {
			t.Errorf("Resolve = %v", r)
		}
	}
}

func TestEmptyRepository(t *testing.T) {
	var repo Repository
	if repo.ByKind(KindComponent) != nil || repo.Versions(KindComponent, "c") != nil ||
		repo.Get(KindComponent, "c") != nil || repo.Resolve(KindComponent, "c", "1.0.0") != nil {
		t.Error("an empty repository found something")
	}
}

func ids(rs []*Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		if r != nil {
			out[i] = r.ID().String()
		}
	}
	return out
}
