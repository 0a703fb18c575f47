package gitfetch_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/kiln-gitops/kiln/gh/ghtest"
	"github.com/kiln-gitops/kiln/gitfetch"
)

func newPR(t *testing.T) (*ghtest.Server, string) {
	t.Helper()
	s := ghtest.New(t)
	s.Commit("acme", "images", "main", map[string]string{
		"README.md":                      "base\n",
		"components/base/hardening.yaml": "name: hardening\nversion: 1.0.0\n",
		"components/base/unchanged.yaml": "name: unchanged\n",
	})
	s.Branch("acme", "images", "main", "feature")
	head := s.Commit("acme", "images", "feature", map[string]string{
		"components/base/hardening.yaml": "name: hardening\nversion: 1.1.0\n",
		"components/linked.yaml":         ghtest.Symlink("base/hardening.yaml"),
		"components/escape.yaml":         ghtest.Symlink("../../etc/passwd"),
		"docs/index.md":                  "# docs\n",
	})
	s.PullRequest("acme", "images", 12, "feature", "main", false)
	return s, head
}

func TestFetchPullRequestHead(t *testing.T) {
	s, head := newPR(t)
	ctx := context.Background()
	fsys, err := gitfetch.Fetch(ctx, gitfetch.FetchOptions{
		URL: s.GitURL("acme", "images"), Token: s.Token(), Ref: "refs/pull/12/head", SHA: head,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := fsys.(*gitfetch.TreeFS).Commit(); got != head {
		t.Fatalf("commit %s, want %s", got, head)
	}
	data, err := fs.ReadFile(fsys, "components/base/hardening.yaml")
	if err != nil || string(data) != "name: hardening\nversion: 1.1.0\n" {
		t.Fatalf("ReadFile = %q, %v", data, err)
	}
	// Links inside the tree are followed; ReadLink reports them as committed.
	if data, err := fs.ReadFile(fsys, "components/linked.yaml"); err != nil || !strings.Contains(string(data), "1.1.0") {
		t.Fatalf("ReadFile through link = %q, %v", data, err)
	}
	target, err := fs.ReadLink(fsys, "components/escape.yaml")
	if err != nil || target != "../../etc/passwd" {
		t.Fatalf("ReadLink = %q, %v", target, err)
	}
	if _, err := fs.ReadFile(fsys, "components/escape.yaml"); err == nil || !strings.Contains(err.Error(), "outside the repository") {
		t.Fatalf("reading a link out of the tree: err = %v", err)
	}
	info, err := fs.Lstat(fsys, "components/linked.yaml")
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("Lstat = %v, %v; want a symlink", info, err)
	}
	if err := fstest.TestFS(withoutEscape{fsys}, "README.md", "components/base/hardening.yaml", "components/base/unchanged.yaml", "docs/index.md"); err != nil {
		t.Fatal(err)
	}
}

// withoutEscape hides the link that leaves the tree, which fstest would
// (rightly) fail to open.
type withoutEscape struct{ fs.FS }

func (w withoutEscape) ReadLink(name string) (string, error)   { return fs.ReadLink(w.FS, name) }
func (w withoutEscape) Lstat(name string) (fs.FileInfo, error) { return fs.Lstat(w.FS, name) }

func (w withoutEscape) Open(name string) (fs.File, error) {
	if name == "components/escape.yaml" {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := w.FS.Open(name)
	if err != nil || name != "components" {
		return f, err
	}
	return &filteredDir{ReadDirFile: f.(fs.ReadDirFile)}, nil
}

type filteredDir struct{ fs.ReadDirFile }

func (d *filteredDir) ReadDir(n int) ([]fs.DirEntry, error) {
	entries, err := d.ReadDirFile.ReadDir(n)
	out := entries[:0]
	for _, e := range entries {
		if e.Name() != "escape.yaml" {
			out = append(out, e)
		}
	}
	if n > 0 && len(out) == 0 && err == nil {
		return d.ReadDir(n)
	}
	return out, err
}

func TestFetchOlderSHA(t *testing.T) {
	s, head := newPR(t)
	// The PR moves on after the webhook named head.
	newer := s.Commit("acme", "images", "feature", map[string]string{"docs/index.md": "# newer\n"})
	if newer == head {
		t.Fatal("no new commit")
	}
	fsys, err := gitfetch.Fetch(context.Background(), gitfetch.FetchOptions{
		URL: s.GitURL("acme", "images"), Token: s.Token(), Ref: "refs/pull/12/head", SHA: head,
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := fs.ReadFile(fsys, "docs/index.md")
	if err != nil || string(data) != "# docs\n" {
		t.Fatalf("ReadFile = %q, %v; want the older commit's content", data, err)
	}
}

func TestFetchErrors(t *testing.T) {
	s, head := newPR(t)
	url := s.GitURL("acme", "images")
	tests := []struct {
		name string
		opts gitfetch.FetchOptions
		want string
	}{
		{"bad token", gitfetch.FetchOptions{URL: url, Token: "ghs_wrong", Ref: "refs/pull/12/head"}, "authentication"},
		{"missing ref", gitfetch.FetchOptions{URL: url, Token: s.Token(), Ref: "refs/pull/99/head"}, "refs/pull/99/head"},
		{"short ref", gitfetch.FetchOptions{URL: url, Token: s.Token(), Ref: "main"}, "full reference"},
		{"unknown sha", gitfetch.FetchOptions{URL: url, Token: s.Token(), Ref: "refs/pull/12/head", SHA: strings.Repeat("ab", 20)}, "fetching"},
		{"size cap", gitfetch.FetchOptions{URL: url, Token: s.Token(), Ref: "refs/pull/12/head", SHA: head, MaxBytes: 64}, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gitfetch.Fetch(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if strings.Contains(fmt.Sprint(err), tt.opts.Token) && tt.opts.Token != "" {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
	_, err := gitfetch.Fetch(context.Background(), gitfetch.FetchOptions{URL: url, Token: s.Token(), Ref: "refs/pull/12/head", MaxBytes: 64})
	if !errors.Is(err, gitfetch.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestFetchUnpackedCap(t *testing.T) {
	s := ghtest.New(t)
	// Compresses to almost nothing, inflates to 4 MiB.
	head := s.Commit("acme", "bomb", "main", map[string]string{"zeros.yaml": strings.Repeat("0", 4<<20)})
	_, err := gitfetch.Fetch(context.Background(), gitfetch.FetchOptions{
		URL: s.GitURL("acme", "bomb"), Token: s.Token(), Ref: "refs/heads/main", SHA: head, MaxBytes: 64 << 10,
	})
	if !errors.Is(err, gitfetch.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestConcurrentReads(t *testing.T) {
	s, head := newPR(t)
	fsys, err := gitfetch.Fetch(context.Background(), gitfetch.FetchOptions{
		URL: s.GitURL("acme", "images"), Token: s.Token(), Ref: "refs/pull/12/head", SHA: head,
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
					return err
				}
				_, err = fs.ReadFile(fsys, p)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestFetchCancelled(t *testing.T) {
	s, head := newPR(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := gitfetch.Fetch(ctx, gitfetch.FetchOptions{
		URL: s.GitURL("acme", "images"), Token: s.Token(), Ref: "refs/pull/12/head", SHA: head,
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
