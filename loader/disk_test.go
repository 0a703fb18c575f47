package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kiln-gitops/kiln/model"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
}

// TestHugeFileIsNotRead: a 50 MB file is refused from its size alone.
func TestHugeFileIsNotRead(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"ok.yaml": componentHead + "spec:\n  platform: Linux\n  data: x\n"})
	f, err := os.Create(filepath.Join(dir, "huge.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file: 50 MB that take no disk, starting like a resource.
	if _, err := f.WriteString(componentHead); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	fsys := &countingFS{FS: os.DirFS(dir)}
	repo, fs := load(t, fsys, Options{})
	checkFindings(t, fs, []wantFinding{{Rule: ruleTooLarge, File: "huge.yaml", Contains: "huge.yaml is 50 MiB, over the 1 MiB limit"}})
	if len(repo.Resources) != 1 {
		t.Errorf("%d resources", len(repo.Resources))
	}
	if n := fsys.read.Load(); n > 4096 {
		t.Errorf("read %d bytes; the huge file must not be read", n)
	}
}

func TestSymlinks(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{
		"secret.yaml":      componentHead + "spec:\n  platform: Linux\n  data: stolen\n",
		"outside.toe.yaml": toeDoc,
		"dir/r.yaml":       componentHead,
	})
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"components/ssh/c.yaml":  componentHead + "spec:\n  platform: Linux\n  document: docs/ssh.toe.yaml\n",
		"components/ssh/c2.yaml": strings.Replace(componentHead, "1.2.0", "1.3.0", 1) + "spec:\n  platform: Linux\n  document: ../../shared/ssh.toe.yaml\n",
		"components/ssh/c3.yaml": strings.Replace(componentHead, "1.2.0", "1.4.0", 1) + "spec:\n  platform: Linux\n  document: escape/outside.toe.yaml\n",
		"shared/ssh.toe.yaml":    toeDoc,
		"shared/infra.yaml":      "apiVersion: kiln/v1\nkind: InfrastructureConfiguration\nmetadata:\n  name: shared\nspec:\n  instanceProfileName: p\n",
	})
	symlink(t, "../../shared", filepath.Join(dir, "components/ssh/docs"))             // inside: followed
	symlink(t, filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "abs.yaml")) // absolute
	symlink(t, "../"+filepath.Base(outside)+"/secret.yaml", filepath.Join(dir, "rel.yaml"))
	symlink(t, "../../../"+filepath.Base(outside), filepath.Join(dir, "components/ssh/escape"))
	symlink(t, "shared", filepath.Join(dir, "alias"))        // inside, a folder already walked: nothing twice
	symlink(t, "loop.yaml", filepath.Join(dir, "loop.yaml")) // a loop
	symlink(t, "../..", filepath.Join(dir, "shared/up"))     // the parent of the root

	// The relative link climbs to the temp folder holding both; it must be
	// refused because it leaves the root, whatever lies there.
	repo, fs := load(t, os.DirFS(dir), Options{})
	checkFindings(t, fs, []wantFinding{
		{Rule: ruleSymlink, File: "abs.yaml", Contains: "an absolute path"},
		{Rule: ruleDocumentPath, File: "components/ssh/c3.yaml", Line: 8, Column: 13, Contains: "symlink components/ssh/escape points to ../../../"},
		{Rule: ruleSymlink, File: "components/ssh/escape", Contains: "which is outside the repository; kiln does not follow it"},
		{Rule: ruleSymlink, File: "loop.yaml", Contains: "loop of symlinks"},
		{Rule: ruleSymlink, File: "rel.yaml", Contains: "outside the repository"},
		{Rule: ruleSymlink, File: "shared/up", Contains: "symlink shared/up points to ../.., which is outside the repository"},
	})
	var ids []string
	for _, r := range repo.Resources {
		ids = append(ids, r.ID().String()+"@"+r.File)
	}
	want := []string{
		"Component/ssh-hardening@1.2.0@components/ssh/c.yaml",
		"Component/ssh-hardening@1.3.0@components/ssh/c2.yaml",
		"Component/ssh-hardening@1.4.0@components/ssh/c3.yaml",
		// Reached through the link "alias" too, but named by its own path.
		"InfrastructureConfiguration/shared@shared/infra.yaml",
	}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("resources\n %v\nwant\n %v", ids, want)
	}
	if d := repo.Resources[0].Document; d == nil || d.File != "components/ssh/docs/ssh.toe.yaml" || d.Text != toeDoc {
		t.Errorf("document through an inside link: %+v", d)
	}
	if d := repo.Resources[1].Document; d == nil || d.File != "shared/ssh.toe.yaml" {
		t.Errorf("document up the tree: %+v", d)
	}
}

// TestSymlinksInMapFS: fstest.MapFS has symlinks too (Go 1.25+).
func TestSymlinksInMapFS(t *testing.T) {
	fsys := mapFS(map[string]string{
		"real/c.yaml":  componentHead + "spec:\n  platform: Linux\n  document: ../docs/a.toe.yaml\n",
		"d/a.toe.yaml": toeDoc,
	})
	fsys["docs"] = &fstest.MapFile{Data: []byte("d"), Mode: os.ModeSymlink}
	fsys["bad.yaml"] = &fstest.MapFile{Data: []byte("../x.yaml"), Mode: os.ModeSymlink}
	repo, fs := load(t, fsys, Options{})
	checkFindings(t, fs, []wantFinding{{Rule: ruleSymlink, File: "bad.yaml", Contains: "symlink bad.yaml points to ../x.yaml, which is outside the repository"}})
	if len(repo.Resources) != 1 || repo.Resources[0].Document == nil {
		t.Fatalf("resources %+v", repo.Resources)
	}
}

// TestManyFiles: 10,000 files load; with a lower cap the load stops at the
// cap with one finding and reads nothing more.
func TestManyFiles(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := range 10_000 {
		var text string
		switch i % 2 {
		case 0:
			text = fmt.Sprintf("apiVersion: kiln/v1\nkind: Component\nmetadata:\n  name: c%05d\n  version: 1.0.0\nspec:\n  platform: Linux\n  document: ./c%05d.toe.yaml\n", i, i)
		default:
			text = toeDoc
		}
		ext := ".yaml"
		if i%2 == 1 {
			ext = ".toe.yaml"
		}
		fsys[fmt.Sprintf("components/%03d/c%05d%s", i/100, i-i%2, ext)] = &fstest.MapFile{Data: []byte(text)}
	}
	repo, fs := load(t, fsys, Options{})
	checkFindings(t, fs, nil)
	if n := len(repo.ByKind(model.KindComponent)); n != 5000 || len(repo.Files) != 10_000 {
		t.Errorf("%d components, %d files", n, len(repo.Files))
	}
	for _, r := range repo.Resources {
		if r.Document == nil {
			t.Fatalf("%s has no document", r.ID())
		}
	}

	counting := &countingFS{FS: fsys}
	repo, fs = load(t, counting, Options{MaxFiles: 1000})
	checkFindings(t, fs, []wantFinding{{Rule: ruleTooManyFiles, File: "components/010/c01000.toe.yaml", Contains: "more than 1000 files"}})
	if len(repo.Resources) != 500 {
		t.Errorf("%d resources before the cap", len(repo.Resources))
	}
	if n := counting.read.Load(); n > int64(1000*len(toeDoc)) {
		t.Errorf("read %d bytes after the cap", n)
	}
}

// TestSymlinkOutsideRoots: a link from a root to a folder of the repository
// outside the roots is followed, and named by the link's path.
func TestSymlinkOutsideRoots(t *testing.T) {
	fsys := mapFS(map[string]string{
		".kiln.yaml":        "roots: [images]\n",
		"images/c.yaml":     componentHead + "spec:\n  platform: Linux\n  data: x\n",
		"common/infra.yaml": "apiVersion: kiln/v1\nkind: InfrastructureConfiguration\nmetadata:\n  name: shared\n",
		"other/skip.yaml":   "apiVersion: kiln/v1\nkind: InfrastructureConfiguration\nmetadata:\n  name: other\n",
	})
	fsys["images/common"] = &fstest.MapFile{Data: []byte("../common"), Mode: os.ModeSymlink}
	fsys["images/loop"] = &fstest.MapFile{Data: []byte("."), Mode: os.ModeSymlink}
	repo, fs := load(t, fsys, Options{})
	checkFindings(t, fs, nil)
	var files []string
	for _, r := range repo.Resources {
		files = append(files, r.File)
	}
	if strings.Join(files, " ") != "images/c.yaml images/common/infra.yaml" {
		t.Errorf("resources from %v", files)
	}
}
