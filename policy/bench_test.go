package policy

import (
	"context"
	"runtime"
	"testing"

	"github.com/kiln-gitops/kiln/internal/testgen"
	"github.com/kiln-gitops/kiln/loader"
)

// BenchmarkEvaluateGenerated evaluates the built-in bundle over a generated
// repository and reports the cost per document (resource).
func BenchmarkEvaluateGenerated(b *testing.B) {
	ctx := context.Background()
	repo, _, err := loader.Load(ctx, testgen.Repository(400, 60, 40), loader.Options{})
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(ctx, Options{Builtin: true, Config: repo.Config})
	if err != nil {
		b.Fatal(err)
	}
	// Start from a collected heap: the garbage of loading (and of the
	// previous -count run) otherwise lands on the first iterations.
	runtime.GC()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Evaluate(ctx, repo); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(repo.Resources)), "ns/doc")
	b.ReportMetric(float64(len(repo.Resources)), "docs")
}

// BenchmarkNew is the one-off cost of compiling and preparing the bundle.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(context.Background(), Options{Builtin: true}); err != nil {
			b.Fatal(err)
		}
	}
}
