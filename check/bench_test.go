package check_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/internal/testgen"
	"github.com/kiln-gitops/kiln/loader"
)

// BenchmarkCheckGenerated is the whole `kiln check` pipeline (load,
// validate, compile and evaluate policies) over the generated repository
// of issue 2's target: 2,000 components, 200 recipes, 50 pipelines.
func BenchmarkCheckGenerated(b *testing.B) {
	benchmarkCheck(b, testgen.Repository(2000, 200, 50))
}

// BenchmarkCheckGeneratedDisk is BenchmarkCheckGenerated from a folder on
// disk through os.Root, as `kiln check` reads it.
func BenchmarkCheckGeneratedDisk(b *testing.B) {
	dir := b.TempDir()
	for name, f := range testgen.Repository(2000, 200, 50) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	benchmarkCheck(b, root.FS())
}

func benchmarkCheck(b *testing.B, fsys fs.FS) {
	c, err := check.New()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Run(context.Background(), check.Input{Head: fsys, Now: now})
		if err != nil {
			b.Fatal(err)
		}
		if res.Failed() || len(res.Head.Resources) != 2266 {
			b.Fatalf("failed=%v with %d resources", res.Failed(), len(res.Head.Resources))
		}
	}
}

// BenchmarkNew is the one-off cost of compiling the embedded schemas.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := check.New(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckGeneratedBase is the pull-request check: the generated
// repository against a base where one component's document differs, so
// both trees are loaded and compared.
func BenchmarkCheckGeneratedBase(b *testing.B) {
	head := testgen.Repository(2000, 200, 50)
	base := testgen.Repository(2000, 200, 50)
	doc := base["components/stig-hardening/1.0.0.toe.yaml"]
	if doc == nil {
		b.Fatal("no stig-hardening 1.0.0 document in the generated repository")
	}
	base["components/stig-hardening/1.0.0.toe.yaml"] = &fstest.MapFile{Data: append([]byte("# older\n"), doc.Data...)}
	c, err := check.New()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		loaded, err := c.LoadBase(context.Background(), base, loader.Options{})
		if err != nil {
			b.Fatal(err)
		}
		res, err := c.Run(context.Background(), check.Input{Head: head, Base: loaded, Now: now})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Changed) != 1 || !res.Failed() {
			b.Fatalf("%d changed, failed=%v", len(res.Changed), res.Failed())
		}
	}
}
