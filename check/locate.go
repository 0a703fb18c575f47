package check

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-gitops/kiln/model"
)

// Location is where a folder sits in its kiln repository.
type Location struct {
	// Root is the repository folder: the nearest folder at or above the
	// one asked for that holds .kiln.yaml, as git finds .git. It is written
	// as a path from where the folder was named ("examples" for
	// "examples/recipes"), so reports keep paths the user can open. Without
	// any .kiln.yaml, Root is the folder itself.
	Root string
	// Folder is the folder asked for, relative to Root (slash-separated;
	// "." for Root itself): the part of the repository whose findings are
	// reported.
	Folder string
	// HasConfig says whether Root holds .kiln.yaml.
	HasConfig bool
	// SourceRoot is the absolute path that file URIs are relative to in
	// code scanning: the Git top level holding Root, else Root.
	SourceRoot string
}

// Locate finds the repository that dir belongs to. The search stops at the
// top of a Git working tree, so a .kiln.yaml above the checkout never
// counts.
func Locate(dir string) (Location, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Location{}, fmt.Errorf("locate %s: %w", dir, err)
	}
	loc := Location{Root: dir, Folder: ".", SourceRoot: abs}
	rootAbs := abs
	for d, up := abs, 0; ; d, up = filepath.Dir(d), up+1 {
		if exists(filepath.Join(d, model.ConfigFile)) {
			rootAbs, loc.HasConfig = d, true
			loc.Root = filepath.Clean(filepath.Join(dir, strings.Repeat("../", up)))
			rel, err := filepath.Rel(d, abs)
			if err != nil {
				return Location{}, fmt.Errorf("locate %s: %w", dir, err)
			}
			loc.Folder = filepath.ToSlash(rel)
			break
		}
		if exists(filepath.Join(d, ".git")) || filepath.Dir(d) == d {
			break
		}
	}
	loc.SourceRoot = rootAbs
	for d := rootAbs; ; d = filepath.Dir(d) {
		if exists(filepath.Join(d, ".git")) {
			loc.SourceRoot = d
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return loc, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}
