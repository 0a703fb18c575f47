// Command gen writes a generated users' repository (internal/testgen) to a
// directory, for the policy benchmark.
//
//	go run ./bench/policy/gen -docs 2000 DIR
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/internal/testgen"
	"github.com/kiln-gitops/kiln/model"
)

func main() {
	docs := flag.Int("docs", 2000, "number of kiln resources to generate")
	data := flag.String("data", "", "also write policy.data of .kiln.yaml as DIR/kiln/config/data.json (conftest --data DIR)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gen [-docs N] DIR")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *docs, *data); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// run splits docs like a real golden-image repository: mostly component
// versions, a tenth recipes, a tenth pipelines, and 16 configurations.
func run(dir string, docs int, dataDir string) error {
	pipelines := docs / 10
	recipes := docs / 10
	components := docs - pipelines - recipes - 16
	fsys := testgen.Repository(components, recipes, pipelines)
	for name, f := range fsys {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	if dataDir != "" {
		var cfg model.Config
		if err := yaml.Unmarshal(fsys[model.ConfigFile].Data, &cfg); err != nil {
			return fmt.Errorf("read generated %s: %w", model.ConfigFile, err)
		}
		b, err := json.Marshal(cfg.Policy.Data)
		if err != nil {
			return err
		}
		p := filepath.Join(dataDir, "kiln", "config", "data.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%d components, %d recipes, %d pipelines, 16 configurations: %d files in %s\n", components, recipes, pipelines, len(fsys), dir)
	return nil
}
