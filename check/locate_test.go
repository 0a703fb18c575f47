package check_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kiln-gitops/kiln/check"
)

func TestLocate(t *testing.T) {
	top := t.TempDir()
	for _, d := range []string{".git", "images/recipes/deep", "plain/sub", "outer/.kiln.yaml-not"} {
		if err := os.MkdirAll(filepath.Join(top, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeTo(t, filepath.Join(top, "images", ".kiln.yaml"), "{}\n")
	for _, tc := range []struct {
		dir                  string
		wantRoot, wantFolder string
		wantConfig           bool
	}{
		{filepath.Join(top, "images"), filepath.Join(top, "images"), ".", true},
		{filepath.Join(top, "images", "recipes"), filepath.Join(top, "images"), "recipes", true},
		{filepath.Join(top, "images", "recipes", "deep"), filepath.Join(top, "images"), "recipes/deep", true},
		{filepath.Join(top, "plain", "sub"), filepath.Join(top, "plain", "sub"), ".", false},
	} {
		loc, err := check.Locate(tc.dir)
		if err != nil {
			t.Fatal(err)
		}
		if loc.Root != tc.wantRoot || loc.Folder != tc.wantFolder || loc.HasConfig != tc.wantConfig || loc.SourceRoot != top {
			t.Errorf("Locate(%s) = %+v, want root %s folder %s config %v source %s", tc.dir, loc, tc.wantRoot, tc.wantFolder, tc.wantConfig, top)
		}
	}

	// Relative names stay relative, so reports show paths from where kiln ran.
	t.Chdir(filepath.Join(top, "images", "recipes"))
	loc, err := check.Locate("deep")
	if err != nil {
		t.Fatal(err)
	}
	if loc.Root != ".." || loc.Folder != "recipes/deep" {
		t.Errorf("Locate(deep) from recipes = %+v", loc)
	}

	// Outside Git, the search goes up to the file system's root and the
	// folder itself is the source root when nothing is found.
	noGit := t.TempDir()
	if err := os.MkdirAll(filepath.Join(noGit, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeTo(t, filepath.Join(noGit, "a", ".kiln.yaml"), "{}\n")
	loc, err = check.Locate(filepath.Join(noGit, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.Root != filepath.Join(noGit, "a") || loc.Folder != "b" || loc.SourceRoot != filepath.Join(noGit, "a") {
		t.Errorf("outside Git: %+v", loc)
	}

	// A .kiln.yaml above the Git top level never counts.
	outer := t.TempDir()
	writeTo(t, filepath.Join(outer, ".kiln.yaml"), "{}\n")
	if err := os.MkdirAll(filepath.Join(outer, "repo", ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(outer, "repo", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	loc, err = check.Locate(filepath.Join(outer, "repo", "x"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.HasConfig || loc.Root != filepath.Join(outer, "repo", "x") || loc.SourceRoot != filepath.Join(outer, "repo") {
		t.Errorf("above Git: %+v", loc)
	}
}
