package loader

import (
	"context"
	"os"
	"path/filepath"
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
