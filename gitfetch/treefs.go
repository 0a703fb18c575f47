package gitfetch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// maxLinkHops bounds symlink chains, as the kernel's ELOOP does.
const maxLinkHops = 40

// TreeFS is the tree of one commit as a read-only file system. Open, Stat
// and ReadFile follow symbolic links that stay inside the tree; ReadLink and
// Lstat report the links themselves, so callers can refuse ones that leave.
//
// The tree is indexed once, when the TreeFS is made; blobs are read on
// demand. It is safe for concurrent use: go-git's on-disk storage shares
// file handles, so object reads are serialised.
type TreeFS struct {
	mu     sync.Mutex
	commit *object.Commit
	index  map[string]*entry // by slash path; "." is the root
	mtime  time.Time
	// packBytes is the size of the packs fetched, for metrics.
	packBytes int64
}

var (
	_ fs.FS         = (*TreeFS)(nil)
	_ fs.ReadDirFS  = (*TreeFS)(nil)
	_ fs.ReadFileFS = (*TreeFS)(nil)
	_ fs.StatFS     = (*TreeFS)(nil)
	_ fs.ReadLinkFS = (*TreeFS)(nil)
)

// entry is one indexed tree entry.
type entry struct {
	name     string
	mode     filemode.FileMode
	te       object.TreeEntry
	parent   *object.Tree // the tree holding the entry; nil for the root
	children []string     // full paths, sorted by name; directories only
	blob     *object.Blob // loaded on first use; files and links only
}

func (e *entry) isDir() bool { return e.mode == filemode.Dir }

// NewTreeFS returns the tree of commit as a file system.
func NewTreeFS(commit *object.Commit) (*TreeFS, error) {
	root, err := commit.Tree()
	if err != nil {
		return nil, fmt.Errorf("gitfetch: tree of %s: %w", commit.Hash, err)
	}
	t := &TreeFS{commit: commit, index: map[string]*entry{}, mtime: commit.Committer.When}
	t.index["."] = &entry{name: ".", mode: filemode.Dir}
	if err := t.indexTree(".", root); err != nil {
		return nil, fmt.Errorf("gitfetch: index tree of %s: %w", commit.Hash, err)
	}
	return t, nil
}

func (t *TreeFS) indexTree(dir string, tree *object.Tree) error {
	parent := t.index[dir]
	for _, te := range tree.Entries {
		p := te.Name
		if dir != "." {
			p = dir + "/" + te.Name
		}
		if !fs.ValidPath(p) {
			return fmt.Errorf("entry %q is not a valid path", p)
		}
		t.index[p] = &entry{name: te.Name, mode: te.Mode, te: te, parent: tree}
		parent.children = append(parent.children, p)
		if te.Mode == filemode.Dir {
			sub, err := tree.Tree(te.Name)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if err := t.indexTree(p, sub); err != nil {
				return err
			}
		}
	}
	// Git orders a directory as if its name ended in "/"; fs wants plain
	// name order.
	slices.SortFunc(parent.children, func(a, b string) int { return strings.Compare(path.Base(a), path.Base(b)) })
	return nil
}

// PackBytes is how many pack bytes Fetch received (zero for OpenRevision).
func (t *TreeFS) PackBytes() int64 { return t.packBytes }

// Commit is the SHA of the commit this tree belongs to.
func (t *TreeFS) Commit() string { return t.commit.Hash.String() }

// lookup finds name without following a link in its last element; links
// in the directories leading to it are followed.
func (t *TreeFS) lookup(op, name string) (*entry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if e, ok := t.index[name]; ok {
		return e, nil
	}
	resolved, err := t.resolveDirs(op, name)
	if err != nil {
		return nil, err
	}
	if e, ok := t.index[resolved]; ok {
		return e, nil
	}
	return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
}

// resolveDirs rewrites name so that no directory on the way is a link.
func (t *TreeFS) resolveDirs(op, name string) (string, error) {
	parts := strings.Split(name, "/")
	hops := 0
	for i := 0; i < len(parts)-1; i++ {
		prefix := strings.Join(parts[:i+1], "/")
		e, ok := t.index[prefix]
		if !ok {
			return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		if e.mode != filemode.Symlink {
			continue
		}
		hops++
		if hops > maxLinkHops {
			return "", &fs.PathError{Op: op, Path: name, Err: errors.New("too many levels of symbolic links")}
		}
		target, err := t.linkTarget(e)
		if err != nil {
			return "", &fs.PathError{Op: op, Path: name, Err: err}
		}
		joined, ok := insideTree(path.Dir(prefix), target)
		if !ok {
			return "", &fs.PathError{Op: op, Path: name, Err: fmt.Errorf("symbolic link %s points outside the repository", prefix)}
		}
		rest := parts[i+1:]
		if joined != "." {
			rest = append(strings.Split(joined, "/"), rest...)
		}
		parts = rest
		i = -1
	}
	return strings.Join(parts, "/"), nil
}

// follow resolves name and, while it is a link, the link's target.
func (t *TreeFS) follow(op, name string) (*entry, error) {
	for hops := 0; ; hops++ {
		e, err := t.lookup(op, name)
		if err != nil || e.mode != filemode.Symlink {
			return e, err
		}
		if hops >= maxLinkHops {
			return nil, &fs.PathError{Op: op, Path: name, Err: errors.New("too many levels of symbolic links")}
		}
		target, err := t.linkTarget(e)
		if err != nil {
			return nil, &fs.PathError{Op: op, Path: name, Err: err}
		}
		next, ok := insideTree(path.Dir(name), target)
		if !ok {
			return nil, &fs.PathError{Op: op, Path: name, Err: fmt.Errorf("symbolic link to %q points outside the repository", target)}
		}
		name = next
	}
}

// loadBlob reads the blob of a file or link entry once.
func (t *TreeFS) loadBlob(e *entry) (*object.Blob, error) {
	if e.blob != nil || e.isDir() || e.mode == filemode.Submodule {
		return e.blob, nil
	}
	f, err := e.parent.TreeEntryFile(&e.te)
	if err != nil {
		return nil, fmt.Errorf("read object %s (%s): %w", e.te.Hash, e.name, err)
	}
	e.blob = &f.Blob
	return e.blob, nil
}

func (t *TreeFS) content(e *entry) ([]byte, error) {
	b, err := t.loadBlob(e)
	if err != nil || b == nil {
		return nil, err
	}
	r, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", b.Hash, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", b.Hash, err)
	}
	return data, nil
}

func (t *TreeFS) linkTarget(e *entry) (string, error) {
	data, err := t.content(e)
	return string(data), err
}

// insideTree joins a link target to the directory holding the link and
// reports whether the result stays inside the tree.
func insideTree(dir, target string) (string, bool) {
	if target == "" || strings.HasPrefix(target, "/") {
		return "", false
	}
	joined := path.Join(dir, target)
	if joined == ".." || strings.HasPrefix(joined, "../") {
		return "", false
	}
	return joined, true
}

// Open implements fs.FS.
func (t *TreeFS) Open(name string) (fs.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, err := t.follow("open", name)
	if err != nil {
		return nil, err
	}
	info, err := t.info(e)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if e.isDir() {
		entries, err := t.entries(e)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &dirFile{info: info, entries: entries}, nil
	}
	data, err := t.content(e)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &file{info: info, Reader: bytes.NewReader(data)}, nil
}

// ReadFile implements fs.ReadFileFS.
func (t *TreeFS) ReadFile(name string) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, err := t.follow("read", name)
	if err != nil {
		return nil, err
	}
	if e.isDir() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	data, err := t.content(e)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

// ReadDir implements fs.ReadDirFS.
func (t *TreeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, err := t.follow("readdir", name)
	if err != nil {
		return nil, err
	}
	if !e.isDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	entries, err := t.entries(e)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	return entries, nil
}

// Stat implements fs.StatFS.
func (t *TreeFS) Stat(name string) (fs.FileInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, err := t.follow("stat", name)
	if err != nil {
		return nil, err
	}
	info, err := t.info(e)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return info, nil
}

// Lstat implements fs.ReadLinkFS.
func (t *TreeFS) Lstat(name string) (fs.FileInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, err := t.lookup("lstat", name)
	if err != nil {
		return nil, err
	}
	info, err := t.info(e)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	return info, nil
}

// ReadLink implements fs.ReadLinkFS: the target exactly as committed.
func (t *TreeFS) ReadLink(name string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, err := t.lookup("readlink", name)
	if err != nil {
		return "", err
	}
	if e.mode != filemode.Symlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	target, err := t.linkTarget(e)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return target, nil
}

func (t *TreeFS) entries(dir *entry) ([]fs.DirEntry, error) {
	out := make([]fs.DirEntry, 0, len(dir.children))
	for _, p := range dir.children {
		info, err := t.info(t.index[p])
		if err != nil {
			return nil, err
		}
		out = append(out, fs.FileInfoToDirEntry(info))
	}
	return out, nil
}

func (t *TreeFS) info(e *entry) (*fileInfo, error) {
	fi := &fileInfo{name: e.name, modTime: t.mtime}
	switch e.mode {
	case filemode.Dir:
		fi.mode = fs.ModeDir | 0o555
	case filemode.Symlink:
		fi.mode = fs.ModeSymlink | 0o777
	case filemode.Executable:
		fi.mode = 0o555
	case filemode.Submodule:
		// A submodule's commit is not in this repository; it shows as an
		// empty irregular file.
		fi.mode = fs.ModeIrregular
	default:
		fi.mode = 0o444
	}
	b, err := t.loadBlob(e)
	if err != nil {
		return nil, err
	}
	if b != nil {
		fi.size = b.Size
	}
	return fi, nil
}

type fileInfo struct {
	name    string
	size    int64
	mode    fs.FileMode
	modTime time.Time
}

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.size }
func (fi *fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi *fileInfo) ModTime() time.Time { return fi.modTime }
func (fi *fileInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi *fileInfo) Sys() any           { return nil }

type file struct {
	info *fileInfo
	*bytes.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Close() error               { return nil }

type dirFile struct {
	info    *fileInfo
	entries []fs.DirEntry
	offset  int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.offset:]
	if n <= 0 {
		d.offset = len(d.entries)
		return slices.Clone(rest), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.offset += n
	return slices.Clone(rest[:n]), nil
}
