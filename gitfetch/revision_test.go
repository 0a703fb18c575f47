package gitfetch_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/kiln-gitops/kiln/gitfetch"
)

func TestOpenRevision(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	commit := func(files map[string]string, links map[string]string) string {
		t.Helper()
		for name, content := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for name, target := range links {
			if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
		if err := wt.AddGlob("."); err != nil {
			t.Fatal(err)
		}
		sig := &object.Signature{Name: "t", Email: "t@example.invalid", When: time.Unix(1767225600, 0)}
		h, err := wt.Commit("c", &git.CommitOptions{Author: sig, Committer: sig})
		if err != nil {
			t.Fatal(err)
		}
		return h.String()
	}
	first := commit(map[string]string{"a/b.yaml": "v1\n"}, nil)
	commit(map[string]string{"a/b.yaml": "v2\n"}, map[string]string{"a/link.yaml": "b.yaml", "out": "../.."})

	tests := []struct {
		rev, want string
	}{
		{"HEAD", "v2\n"},
		{"HEAD~1", "v1\n"},
		{first, "v1\n"},
		{"master", "v2\n"},
	}
	for _, tt := range tests {
		// Opening from a subdirectory finds the repository above it.
		fsys, err := gitfetch.OpenRevision(filepath.Join(dir, "a"), tt.rev)
		if err != nil {
			t.Fatalf("OpenRevision(%s): %v", tt.rev, err)
		}
		data, err := fs.ReadFile(fsys, "a/b.yaml")
		if err != nil || string(data) != tt.want {
			t.Fatalf("%s: a/b.yaml = %q, %v; want %q", tt.rev, data, err, tt.want)
		}
	}
	fsys, err := gitfetch.OpenRevision(dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if data, err := fs.ReadFile(fsys, "a/link.yaml"); err != nil || string(data) != "v2\n" {
		t.Fatalf("through link: %q, %v", data, err)
	}
	if target, err := fs.ReadLink(fsys, "out"); err != nil || target != "../.." {
		t.Fatalf("ReadLink(out) = %q, %v", target, err)
	}
	if _, err := fs.ReadDir(fsys, "out"); err == nil {
		t.Fatal("ReadDir through a link leaving the repository succeeded")
	}
	if _, err := gitfetch.OpenRevision(dir, "no-such-branch"); err == nil {
		t.Fatal("unknown revision: no error")
	}
	if _, err := gitfetch.OpenRevision(t.TempDir(), "HEAD"); err == nil {
		t.Fatal("not a repository: no error")
	}
}
