package schemas

import (
	"slices"
	"strings"
	"testing"
)

// TestEveryFieldIsDescribed keeps the editor experience: every property of
// every schema has a description of its own or from the definition it
// refers to, which yaml-language-server shows on hover.
func TestEveryFieldIsDescribed(t *testing.T) {
	v := validator(t)
	for _, loc := range slices.Sorted(func(yield func(string) bool) {
		for k := range v.byLocation {
			if !yield(k) {
				return
			}
		}
	}) {
		if strings.HasSuffix(loc, "/if") {
			continue // conditions, not fields
		}
		for name, p := range v.byLocation[loc].Properties {
			if p.Bool != nil {
				continue // ruled out (`false`): the error message explains
			}
			if p.Description == "" && (p.Ref == nil || p.Ref.Description == "") {
				t.Errorf("%s: property %s has no description", loc, name)
			}
		}
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		if _, err := New(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResource(b *testing.B) {
	v := validator(b)
	good := resource(b, "r.yaml", recipe)
	bad := resource(b, "r.yaml", recipe+"  extra: 1\n  workingDirectory: \"\"\n")
	b.Run("valid", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if len(v.Resource(good)) != 0 {
				b.Fatal("findings")
			}
		}
	})
	b.Run("invalid", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if len(v.Resource(bad)) != 2 {
				b.Fatal("want 2 findings")
			}
		}
	})
}
