package loader

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/kiln-gitops/kiln/internal/testgen"
)

func BenchmarkLoadExamples(b *testing.B) {
	if _, err := os.Stat("../examples"); err != nil {
		b.Skip("no examples")
	}
	fsys := os.DirFS("../examples")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Load(context.Background(), fsys, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadGenerated(b *testing.B) {
	fsys := testgen.Repository(2000, 200, 50)
	b.ReportAllocs()
	for b.Loop() {
		repo, fs, err := Load(context.Background(), fsys, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(fs) != 0 || len(repo.Resources) != 2000+200+50+16 {
			b.Fatalf("%d findings, %d resources", len(fs), len(repo.Resources))
		}
	}
}

// BenchmarkLoadGeneratedDisk is BenchmarkLoadGenerated from a real folder
// through os.DirFS, as `kiln check` reads.
func BenchmarkLoadGeneratedDisk(b *testing.B) {
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
	fsys := os.DirFS(dir)
	b.ReportAllocs()
	for b.Loop() {
		if _, fs, err := Load(context.Background(), fsys, Options{}); err != nil || len(fs) != 0 {
			b.Fatal(err, fs)
		}
	}
}

// BenchmarkLoadBomb measures refusing a billion-laughs document.
func BenchmarkLoadBomb(b *testing.B) {
	fsys := mapFS(map[string]string{"bomb.yaml": lolBomb(10)})
	b.ReportAllocs()
	for b.Loop() {
		if _, fs, _ := Load(context.Background(), fsys, Options{}); len(fs) != 1 {
			b.Fatal(fs)
		}
	}
}

// BenchmarkLoadRetained reports what a load of issue 8's repository (10,000
// component versions, 40 recipes, 10 pipelines) keeps: the live heap after
// a collection, per byte of the files read. The YAML nodes are not kept
// (model.Tree parses them again for positions).
func BenchmarkLoadRetained(b *testing.B) {
	fsys := testgen.Repository(10000, 40, 10)
	var fileBytes int
	for _, f := range fsys {
		fileBytes += len(f.Data)
	}
	var before, after runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		repo, _, err := Load(context.Background(), fsys, Options{})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(repo)
	}
	live := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	b.ReportMetric(live/(1<<20), "retained-MB")
	b.ReportMetric(live/float64(fileBytes), "retained-bytes/file-byte")
}
