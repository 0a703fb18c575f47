// Command gen writes testgen.Repository(components, recipes, pipelines) to a
// directory, for the `kiln check` benchmark (bench/check/run.sh).
//
//	go run ./bench/check/gen [-components 2000] [-recipes 200] [-pipelines 50] DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kiln-gitops/kiln/internal/testgen"
)

func main() {
	components := flag.Int("components", 2000, "component versions to generate")
	recipes := flag.Int("recipes", 200, "image recipes to generate")
	pipelines := flag.Int("pipelines", 50, "image pipelines to generate")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gen [-components N] [-recipes N] [-pipelines N] DIR")
		os.Exit(2)
	}
	n, err := write(flag.Arg(0), *components, *recipes, *pipelines)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("%d components, %d recipes, %d pipelines: %d files in %s\n", *components, *recipes, *pipelines, n, flag.Arg(0))
}

func write(dir string, components, recipes, pipelines int) (int, error) {
	fsys := testgen.Repository(components, recipes, pipelines)
	for name, f := range fsys {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return 0, fmt.Errorf("create %s: %w", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return 0, fmt.Errorf("write %s: %w", p, err)
		}
	}
	return len(fsys), nil
}
