package loader

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// entriesPerFile bounds directory entries seen (of any kind) relative to
// MaxFiles, so a tree of millions of non-YAML files or empty folders stops
// too.
const entriesPerFile = 8

// visitFunc handles one regular file found by a walk: real is its
// symlink-free path, shown the path a user sees (through any link).
type visitFunc func(real, shown string) error

// walkRoots loads every resource under the configured roots.
func (l *loader) walkRoots(cfg *model.Config) error {
	roots := cfg.Roots
	if len(roots) == 0 {
		roots = []string{"."}
	}
	type root struct{ real, shown string }
	var walk []root
	l.walkTops = nil
	for i, name := range roots {
		pos := model.Locate(model.ConfigFile, cfg.Node, "roots", i)
		dir, ok := l.inRepoDir(name, pos, "root")
		if !ok {
			continue
		}
		walk = append(walk, root{dir, path.Clean(name)})
		l.walkTops = append(l.walkTops, dir)
	}
	for _, r := range walk {
		if err := l.walk(r.real, r.shown, isYAML, l.loadResourceFile); err != nil {
			return err
		}
		if l.stopped {
			break
		}
	}
	return nil
}

// inRepoDir resolves a folder named in .kiln.yaml and reports, at pos, one
// that leaves the repository, is missing or is not a folder.
func (l *loader) inRepoDir(name string, pos finding.Pos, what string) (string, bool) {
	clean := path.Clean(name)
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		l.add(pos, ruleConfig, "", "%s %q is outside the repository; use a path relative to the repository root", what, name)
		return "", false
	}
	real, err := l.resolve(clean)
	var esc *escapeError
	switch {
	case errors.As(err, &esc):
		l.add(pos, ruleSymlink, "", "%s %q: %v", what, name, esc)
		return "", false
	case err != nil:
		l.add(pos, ruleConfig, "", "%s %q does not exist in the repository", what, name)
		return "", false
	}
	fi, err := fs.Stat(l.fsys, real)
	if err != nil || !fi.IsDir() {
		l.add(pos, ruleConfig, "", "%s %q is not a folder of the repository", what, name)
		return "", false
	}
	return real, true
}

func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

func isRego(name string) bool { return strings.HasSuffix(name, ".rego") }

// walk visits, in lexical order, the files under the real folder dir whose
// names want accepts, showing paths under the prefix shown. Dot-folders and
// dot-files are skipped. Symlinks are followed only while they stay inside
// the repository; each real folder and file is visited once, so links
// neither loop nor load a resource twice.
func (l *loader) walk(dir, shown string, want func(string) bool, visit visitFunc) error {
	if l.walkedDirs[dir] {
		return nil
	}
	return fs.WalkDir(l.fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if l.stopped {
			return fs.SkipAll
		}
		if cerr := l.ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			return fmt.Errorf("walk %s: %w", p, err)
		}
		name := showPath(shown, dir, p)
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		l.entries++
		if l.entries > entriesPerFile*l.opts.MaxFiles {
			l.stopped = true
			l.add(finding.Pos{File: name}, ruleTooManyFiles, "",
				"the repository has more than %d files and folders to look through, the limit of one load; kiln stopped at %s (narrow `roots` in %s)",
				entriesPerFile*l.opts.MaxFiles, name, model.ConfigFile)
			return fs.SkipAll
		}
		switch {
		case d.IsDir():
			if l.walkedDirs[p] {
				return fs.SkipDir
			}
			l.walkedDirs[p] = true
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			return l.followLink(p, name, want, visit)
		case !d.Type().IsRegular() || !want(d.Name()):
			return nil
		}
		return l.consider(p, name, visit)
	})
}

// consider counts a file against MaxFiles and hands it to visit once.
func (l *loader) consider(real, shown string, visit visitFunc) error {
	if l.walkedFiles[real] {
		return nil
	}
	l.walkedFiles[real] = true
	l.files++
	if l.files > l.opts.MaxFiles {
		l.tooManyFiles(shown)
		return fs.SkipAll
	}
	l.noteFile(shown)
	return visit(real, shown)
}

func (l *loader) tooManyFiles(shown string) {
	l.stopped = true
	l.add(finding.Pos{File: shown}, ruleTooManyFiles, "",
		"the repository has more than %d files to read, the limit of one load; kiln stopped at %s (narrow `roots` in %s)", l.opts.MaxFiles, shown, model.ConfigFile)
}

// followLink visits what the symlink at real (shown as shown) points to,
// when that stays inside the repository.
func (l *loader) followLink(real, shown string, want func(string) bool, visit visitFunc) error {
	if l.links == nil {
		l.add(finding.Pos{File: shown}, ruleSymlink, "", "%s is a symlink and the file system cannot say where it points; kiln skips it", shown)
		return nil
	}
	target, err := l.resolve(real)
	var esc *escapeError
	switch {
	case errors.As(err, &esc):
		l.add(finding.Pos{File: shown}, ruleSymlink, "", "%v; kiln does not follow it", esc)
		return nil
	case errors.Is(err, fs.ErrNotExist):
		if want(path.Base(shown)) {
			l.add(finding.Pos{File: shown}, ruleSymlink, "", "symlink %s points to a file that does not exist", shown)
		}
		return nil
	case err != nil:
		return fmt.Errorf("resolve %s: %w", shown, err)
	}
	if l.covered(target) {
		// The walk reaches the target by its own path, which is the one
		// findings should name.
		return nil
	}
	fi, err := fs.Stat(l.fsys, target)
	if err != nil {
		return fmt.Errorf("stat %s: %w", shown, err)
	}
	switch {
	case fi.IsDir():
		if strings.HasPrefix(path.Base(shown), ".") {
			return nil
		}
		return l.walk(target, shown, want, visit)
	case fi.Mode().IsRegular() && want(path.Base(shown)):
		return l.consider(target, shown, visit)
	}
	return nil
}

// showPath maps p, found walking the real folder dir, to the path shown
// under the prefix shown.
func showPath(shown, dir, p string) string {
	if dir == "." {
		return path.Clean(join(shown, p))
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
	return path.Clean(join(shown, rel))
}

// covered reports whether the walk in progress reaches the real path p by
// itself: p lies under one of the folders being walked and not in a
// dot-folder.
func (l *loader) covered(p string) bool {
	for _, top := range l.walkTops {
		rel, ok := p, top == "."
		if !ok && (p == top || strings.HasPrefix(p, top+"/")) {
			rel, ok = strings.TrimPrefix(strings.TrimPrefix(p, top), "/"), true
		}
		if !ok {
			continue
		}
		hidden := false
		for _, part := range splitPath(rel) {
			if strings.HasPrefix(part, ".") && part != "." {
				hidden = true
				break
			}
		}
		if !hidden {
			return true
		}
	}
	return false
}
