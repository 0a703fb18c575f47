package policy

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed bundle/*.rego
var bundleFS embed.FS

// Bundle is the built-in policy bundle: Rego modules and their tests, at
// the root of the returned file system.
func Bundle() fs.FS {
	sub, err := fs.Sub(bundleFS, "bundle")
	if err != nil {
		// The directory is embedded at build time; failing here is a build bug.
		panic(err)
	}
	return sub
}

// bundleFiles reads the built-in bundle as path -> source, with paths under
// "builtin/" so compile errors and test output name them clearly.
func bundleFiles(withTests bool) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(Bundle(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		if !withTests && strings.HasSuffix(p, "_test.rego") {
			return nil
		}
		b, err := fs.ReadFile(Bundle(), p)
		if err != nil {
			return err
		}
		out["builtin/"+p] = b
		return nil
	})
	return out, err
}

// BundleFiles returns the built-in bundle's Rego files (path -> source,
// under "builtin/"), with or without their unit tests: `kiln policy test`
// adds them to users' files when users' rules import data.kiln.lib.
func BundleFiles(withTests bool) (map[string][]byte, error) { return bundleFiles(withTests) }
