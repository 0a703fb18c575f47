package ghtest

import (
	"fmt"
	"net/http"
	"net/http/cgi"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Delete, as a value in the files given to Commit, removes the path.
const Delete = "\x00ghtest:delete"

const symlinkPrefix = "\x00ghtest:symlink\x00"

// Symlink, as a value in the files given to Commit, makes the path a
// symbolic link to target.
func Symlink(target string) string { return symlinkPrefix + target }

// GitURL is the clone URL of a repository, as webhook payloads carry it.
func (s *Server) GitURL(owner, name string) string {
	return s.URL + "/" + owner + "/" + name + ".git"
}

func (s *Server) repoDir(owner, name string) string {
	return filepath.Join(s.gitDir, owner, name+".git")
}

func isGitPath(p string) bool {
	parts := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 3)
	return len(parts) == 3 && strings.HasSuffix(parts[1], ".git")
}

// serveGit answers Git's smart HTTP protocol with the real `git
// http-backend`, read-only, for callers holding an installation token.
func (s *Server) serveGit(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != "x-access-token" || !s.validToken(pass) {
		w.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
		http.Error(w, "Invalid username or token.", http.StatusUnauthorized)
		return
	}
	service := r.URL.Query().Get("service")
	if strings.HasSuffix(r.URL.Path, "/git-receive-pack") || service == "git-receive-pack" {
		http.Error(w, "ghtest repositories are read-only over HTTP", http.StatusForbidden)
		return
	}
	// Looked up under the lock: replicas of kiln fetch at the same time.
	s.gitMu.Lock()
	if s.gitPath == "" {
		p, err := exec.LookPath("git")
		if err != nil {
			s.gitMu.Unlock()
			s.t.Errorf("ghtest: serving Git over HTTP needs the git binary: %v", err)
			http.Error(w, "git not installed", http.StatusInternalServerError)
			return
		}
		s.gitPath = p
	}
	s.gitMu.Unlock()
	owner, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	name, _, _ := strings.Cut(rest, ".git/")
	if err := s.repack(owner, name); err != nil {
		s.t.Errorf("ghtest: repack %s/%s: %v", owner, name, err)
	}
	s.gitMu.RLock()
	defer s.gitMu.RUnlock()
	h := &cgi.Handler{
		Path: s.gitPath,
		Args: []string{"http-backend"},
		Root: "/",
		Env: []string{
			"GIT_PROJECT_ROOT=" + s.gitDir,
			"GIT_HTTP_EXPORT_ALL=1",
			"HOME=" + s.gitDir,
			// GitHub lets clients ask for any reachable commit by SHA.
			"GIT_CONFIG_COUNT=2",
			"GIT_CONFIG_KEY_0=uploadpack.allowReachableSHA1InWant", "GIT_CONFIG_VALUE_0=true",
			"GIT_CONFIG_KEY_1=safe.directory", "GIT_CONFIG_VALUE_1=*",
		},
	}
	h.Stderr = testLogWriter{s.t}
	h.ServeHTTP(w, r)
}

type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Logf("ghtest: git http-backend: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

// Branch creates branch to at the tip of branch from and returns its SHA.
func (s *Server) Branch(owner, name, from, to string) string {
	s.gitMu.Lock()
	defer s.gitMu.Unlock()
	repo, err := s.openRepo(owner, name)
	if err != nil {
		s.t.Fatalf("ghtest: Branch: %v", err)
	}
	ref, err := repo.Storer.Reference(plumbing.NewBranchReferenceName(from))
	if err != nil {
		s.t.Fatalf("ghtest: Branch %s/%s %s: %v", owner, name, from, err)
	}
	if err := repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName(to), ref.Hash())); err != nil {
		s.t.Fatalf("ghtest: Branch: %v", err)
	}
	return ref.Hash().String()
}

// repack packs the loose objects Commit wrote, once per change, so that
// fetches are served from a pack as GitHub serves them (git upload-pack is
// several times slower on thousands of loose objects).
func (s *Server) repack(owner, name string) error {
	key := owner + "/" + name
	s.gitMu.Lock()
	defer s.gitMu.Unlock()
	if !s.unpacked[key] {
		return nil
	}
	cmd := exec.Command(s.gitPath, "-c", "safe.directory=*", "repack", "-a", "-d", "-q")
	cmd.Dir = s.repoDir(owner, name)
	cmd.Env = []string{"HOME=" + s.gitDir, "PATH=/usr/bin:/bin"}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	delete(s.unpacked, key)
	return nil
}

// AddRepo creates an empty repository.
func (s *Server) AddRepo(owner, name string) {
	s.gitMu.Lock()
	defer s.gitMu.Unlock()
	if _, err := s.openRepo(owner, name); err != nil {
		s.t.Fatalf("ghtest: AddRepo %s/%s: %v", owner, name, err)
	}
}

func (s *Server) openRepo(owner, name string) (*git.Repository, error) {
	dir := s.repoDir(owner, name)
	repo, err := git.PlainOpen(dir)
	if err == git.ErrRepositoryNotExists {
		repo, err = git.PlainInit(dir, true)
		if err == nil {
			err = repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/main"))
		}
	}
	return repo, err
}

// Commit adds a commit to branch (creating the repository and the branch
// as needed) whose tree is the branch's tree with files applied: a path to
// content, Delete, or Symlink(target). Open pull requests from branch move
// to the new commit, as on GitHub. It returns the commit SHA.
func (s *Server) Commit(owner, name, branch string, files map[string]string) string {
	s.gitMu.Lock()
	sha, err := s.commitLocked(owner, name, branch, files, nil, false)
	s.gitMu.Unlock()
	if err != nil {
		s.t.Fatalf("ghtest: Commit to %s/%s %s: %v", owner, name, branch, err)
	}
	s.mu.Lock()
	for _, pr := range s.pulls {
		if pr.Repo == owner+"/"+name && pr.HeadRef == branch && pr.State == "open" {
			pr.HeadSHA = sha
		}
	}
	s.mu.Unlock()
	s.syncPullRefs(owner, name)
	return sha
}

type treeItem struct {
	mode filemode.FileMode
	hash plumbing.Hash
}

// commitLocked writes a commit on branch. With replace the tree is files
// alone; otherwise files apply on top of the branch's tree.
func (s *Server) commitLocked(owner, name, branch string, files map[string]string, extraParents []plumbing.Hash, replace bool) (string, error) {
	repo, err := s.openRepo(owner, name)
	if err != nil {
		return "", err
	}
	st := repo.Storer
	flat := map[string]treeItem{}
	var parents []plumbing.Hash
	if ref, err := st.Reference(plumbing.NewBranchReferenceName(branch)); err == nil {
		parents = append(parents, ref.Hash())
	}
	if len(parents) > 0 && !replace {
		parent, err := object.GetCommit(st, parents[0])
		if err != nil {
			return "", err
		}
		tree, err := parent.Tree()
		if err != nil {
			return "", err
		}
		walker := object.NewTreeWalker(tree, true, nil)
		for {
			p, e, err := walker.Next()
			if err != nil {
				break
			}
			if e.Mode != filemode.Dir {
				flat[p] = treeItem{mode: e.Mode, hash: e.Hash}
			}
		}
		walker.Close()
	}
	parents = append(parents, extraParents...)
	for p, content := range files {
		p = strings.Trim(p, "/")
		if content == Delete {
			delete(flat, p)
			continue
		}
		mode := filemode.Regular
		if target, ok := strings.CutPrefix(content, symlinkPrefix); ok {
			mode, content = filemode.Symlink, target
		}
		h, err := writeObject(st, plumbing.BlobObject, []byte(content))
		if err != nil {
			return "", err
		}
		flat[p] = treeItem{mode: mode, hash: h}
	}
	root, err := writeTree(st, flat, "")
	if err != nil {
		return "", err
	}
	sig := object.Signature{Name: "ghtest", Email: "ghtest@example.invalid", When: time.Unix(1767225600, 0).UTC()}
	commit := &object.Commit{Author: sig, Committer: sig, Message: "ghtest commit\n", TreeHash: root, ParentHashes: parents}
	obj := st.NewEncodedObject()
	if err := commit.Encode(obj); err != nil {
		return "", err
	}
	h, err := st.SetEncodedObject(obj)
	if err != nil {
		return "", err
	}
	if err := st.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName(branch), h)); err != nil {
		return "", err
	}
	s.unpacked[owner+"/"+name] = true
	return h.String(), nil
}

func writeObject(st storer.EncodedObjectStorer, typ plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	obj := st.NewEncodedObject()
	obj.SetType(typ)
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(data); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.SetEncodedObject(obj)
}

// writeTree writes the tree of the directory prefix from a flat path map.
func writeTree(st storer.EncodedObjectStorer, flat map[string]treeItem, prefix string) (plumbing.Hash, error) {
	children := map[string]bool{}
	var entries []object.TreeEntry
	for p, it := range flat {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		if dir, _, nested := strings.Cut(rest, "/"); nested {
			children[dir] = true
			continue
		}
		entries = append(entries, object.TreeEntry{Name: rest, Mode: it.mode, Hash: it.hash})
	}
	for dir := range children {
		h, err := writeTree(st, flat, prefix+dir+"/")
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = append(entries, object.TreeEntry{Name: dir, Mode: filemode.Dir, Hash: h})
	}
	// Git orders entries as if directory names ended in "/".
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(entries, func(i, j int) bool { return key(entries[i]) < key(entries[j]) })
	tree := &object.Tree{Entries: entries}
	obj := st.NewEncodedObject()
	if err := tree.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.SetEncodedObject(obj)
}

// syncPullRefs points refs/pull/N/head at each pull request's head commit.
// (The lock order is s.mu, then gitMu, never nested the other way.)
func (s *Server) syncPullRefs(owner, name string) {
	var refs []*plumbing.Reference
	s.mu.Lock()
	for _, pr := range s.pulls {
		if pr.Repo != owner+"/"+name || pr.HeadSHA == "" {
			continue
		}
		refs = append(refs, plumbing.NewHashReference(plumbing.ReferenceName(fmt.Sprintf("refs/pull/%d/head", pr.Number)), plumbing.NewHash(pr.HeadSHA)))
	}
	s.mu.Unlock()
	s.gitMu.Lock()
	defer s.gitMu.Unlock()
	repo, err := s.openRepo(owner, name)
	if err != nil {
		s.t.Fatalf("ghtest: open %s/%s: %v", owner, name, err)
	}
	for _, ref := range refs {
		if err := repo.Storer.SetReference(ref); err != nil {
			s.t.Fatalf("ghtest: set %s: %v", ref.Name(), err)
		}
	}
}

// branchSHA returns the tip of branch, or "".
func (s *Server) branchSHA(owner, name, branch string) string {
	repo, err := git.PlainOpen(s.repoDir(owner, name))
	if err != nil {
		return ""
	}
	ref, err := repo.Storer.Reference(plumbing.NewBranchReferenceName(branch))
	if err != nil {
		return ""
	}
	return ref.Hash().String()
}

// resolve resolves a branch name or SHA in repo ("owner/name").
func (s *Server) resolve(repo, ref string) string {
	owner, name, _ := strings.Cut(repo, "/")
	if plumbing.IsHash(ref) {
		return ref
	}
	s.gitMu.RLock()
	defer s.gitMu.RUnlock()
	return s.branchSHA(owner, name, strings.TrimPrefix(ref, "refs/heads/"))
}

// changedFiles lists the paths that differ between two commits.
func (s *Server) changedFiles(owner, name, base, head string) ([]map[string]any, error) {
	s.gitMu.RLock()
	defer s.gitMu.RUnlock()
	repo, err := git.PlainOpen(s.repoDir(owner, name))
	if err != nil {
		return nil, err
	}
	tree := func(sha string) (*object.Tree, error) {
		c, err := repo.CommitObject(plumbing.NewHash(sha))
		if err != nil {
			return nil, err
		}
		return c.Tree()
	}
	from, err := tree(base)
	if err != nil {
		return nil, err
	}
	to, err := tree(head)
	if err != nil {
		return nil, err
	}
	changes, err := object.DiffTree(from, to)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, ch := range changes {
		action, err := ch.Action()
		if err != nil {
			return nil, err
		}
		f := map[string]any{"additions": 0, "deletions": 0, "changes": 0}
		switch action.String() {
		case "Insert":
			f["status"], f["filename"], f["sha"] = "added", ch.To.Name, ch.To.TreeEntry.Hash.String()
		case "Delete":
			f["status"], f["filename"], f["sha"] = "removed", ch.From.Name, ch.From.TreeEntry.Hash.String()
		default:
			f["status"], f["filename"], f["sha"] = "modified", ch.To.Name, ch.To.TreeEntry.Hash.String()
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["filename"].(string) < out[j]["filename"].(string) })
	return out, nil
}

// snapshotLocked returns the files of commit sha as a map for commitLocked.
func (s *Server) snapshotLocked(owner, name, sha string) (map[string]string, error) {
	repo, err := s.openRepo(owner, name)
	if err != nil {
		return nil, err
	}
	commit, err := repo.CommitObject(plumbing.NewHash(sha))
	if err != nil {
		return nil, err
	}
	tree, err := commit.Tree()
	if err != nil {
		return nil, err
	}
	files := map[string]string{}
	err = tree.Files().ForEach(func(f *object.File) error {
		content, err := f.Contents()
		if err != nil {
			return err
		}
		if f.Mode == filemode.Symlink {
			content = Symlink(content)
		}
		files[f.Name] = content
		return nil
	})
	return files, err
}
