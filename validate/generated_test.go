package validate

import (
	"context"
	"testing"

	"github.com/kiln-gitops/kiln/internal/testgen"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/model"
)

func load(t testing.TB, components, recipes, pipelines int) *model.Repository {
	t.Helper()
	repo, findings, err := loader.Load(context.Background(), testgen.Repository(components, recipes, pipelines), loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Errorf("load: %s", f)
	}
	return repo
}

// TestGeneratedRepositoryIsValid runs the whole validator over a realistic
// loaded repository, which must come out clean.
func TestGeneratedRepositoryIsValid(t *testing.T) {
	repo := load(t, 40, 10, 5)
	for _, f := range Repository(repo, validator(t)) {
		t.Errorf("%s", f)
	}
	if got := Immutability(NewBaseline(repo), repo); len(got) != 0 {
		t.Errorf("immutability against itself: %v", got)
	}
	if got := ChangedResources(NewBaseline(repo), repo); len(got) != 0 {
		t.Errorf("changed against itself: %d", len(got))
	}
}

func BenchmarkValidateGenerated(b *testing.B) {
	for _, size := range []struct {
		name                           string
		components, recipes, pipelines int
	}{
		{"small", 20, 5, 5},
		{"large", 400, 100, 50},
	} {
		b.Run(size.name, func(b *testing.B) {
			repo := load(b, size.components, size.recipes, size.pipelines)
			v := validator(b)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if got := Repository(repo, v); len(got) != 0 {
					b.Fatalf("findings: %v", got[0])
				}
			}
			b.ReportMetric(float64(len(repo.Resources)), "resources")
		})
	}
}

func BenchmarkImmutability(b *testing.B) {
	base := load(b, 400, 100, 50)
	head := load(b, 400, 100, 50)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		Immutability(NewBaseline(base), head)
	}
}
