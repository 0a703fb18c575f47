package loader

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
)

// maxLinkHops bounds symlink chains, as the kernel does (ELOOP).
const maxLinkHops = 40

// escapeError says why a path is refused: a symlink on the way leaves the
// repository, is absolute, or loops.
type escapeError struct {
	link   string // the symlink, relative to the root
	target string // what it points to
	reason string
}

func (e *escapeError) Error() string {
	if e.link == "" {
		return e.reason
	}
	if e.target == "" {
		return fmt.Sprintf("symlink %s %s", e.link, e.reason)
	}
	return fmt.Sprintf("symlink %s points to %s, %s", e.link, e.target, e.reason)
}

// resolve follows the symlinks in name, a cleaned slash path relative to
// the root, and returns the real path it stands for. It refuses absolute
// links, links that climb out of the root, and loops, with an
// *escapeError. When fsys cannot read links (it does not implement
// fs.ReadLinkFS) it cannot see them either, and name is returned as is.
func (l *loader) resolve(name string) (string, error) {
	if name == ".." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
		return "", &escapeError{reason: fmt.Sprintf("%s is outside the repository", name)}
	}
	if l.links == nil {
		return name, nil
	}
	todo := splitPath(name)
	done := ""
	hops := 0
	for len(todo) > 0 {
		part := todo[0]
		todo = todo[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			if done == "" {
				return "", &escapeError{reason: fmt.Sprintf("%s leads outside the repository", name)}
			}
			done = parent(done)
			continue
		}
		next := join(done, part)
		if l.walkedDirs[next] {
			// A folder the walk entered is a real folder, not a link.
			done = next
			continue
		}
		fi, err := l.links.Lstat(next)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = next
			continue
		}
		hops++
		if hops > maxLinkHops {
			return "", &escapeError{link: next, reason: "is part of a loop of symlinks"}
		}
		target, err := l.links.ReadLink(next)
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) || strings.HasPrefix(target, `\`) || (len(target) > 1 && target[1] == ':') {
			return "", &escapeError{link: next, target: target, reason: "an absolute path (links must be relative and stay inside the repository)"}
		}
		// The target is relative to the link's folder; make sure climbing
		// out of it never passes the root.
		base := splitPath(done)
		for _, t := range splitPath(target) {
			switch t {
			case "", ".":
			case "..":
				if len(base) == 0 {
					return "", &escapeError{link: next, target: target, reason: "which is outside the repository"}
				}
				base = base[:len(base)-1]
			default:
				base = append(base, t)
			}
		}
		todo = append(splitPath(target), todo...)
	}
	if done == "" {
		return ".", nil
	}
	return done, nil
}

func splitPath(p string) []string {
	if p == "" || p == "." {
		return nil
	}
	return strings.Split(p, "/")
}

func join(dir, name string) string {
	if dir == "" || dir == "." {
		return name
	}
	return dir + "/" + name
}

func parent(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

// readFile reads the regular file real (a resolved path) and reports, as
// findings at shown, files over MaxFileBytes (checked with Stat before any
// byte is read) and the moment MaxTotalBytes is passed. ok is false when
// the file was refused.
func (l *loader) readFile(real, shown string) (text string, ok bool, err error) {
	if l.stopped {
		return "", false, nil
	}
	fi, err := fs.Stat(l.fsys, real)
	if err != nil {
		return "", false, err
	}
	if !fi.Mode().IsRegular() {
		l.add(finding.Pos{File: shown}, ruleYAML, "", "%s is not a regular file; kiln reads only regular files", shown)
		return "", false, nil
	}
	if fi.Size() > l.opts.MaxFileBytes {
		l.tooLarge(shown, fi.Size())
		return "", false, nil
	}
	if l.bytesRead+fi.Size() > l.opts.MaxTotalBytes {
		l.totalTooLarge(shown)
		return "", false, nil
	}
	f, err := l.fsys.Open(real)
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	// Stat may lie (or the file may grow): never read more than the cap.
	data, err := readAtMost(f, fi.Size(), l.opts.MaxFileBytes+1)
	if err != nil {
		return "", false, fmt.Errorf("read %s: %w", shown, err)
	}
	if int64(len(data)) > l.opts.MaxFileBytes {
		l.tooLarge(shown, -1)
		return "", false, nil
	}
	l.bytesRead += int64(len(data))
	if l.bytesRead > l.opts.MaxTotalBytes {
		l.totalTooLarge(shown)
		return "", false, nil
	}
	// One copy into a string: the parsed nodes share its bytes.
	return string(data), true, nil
}

func readAtMost(r io.Reader, hint, limit int64) ([]byte, error) {
	buf := make([]byte, 0, min(hint, limit)+1)
	lr := io.LimitReader(r, limit)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func (l *loader) tooLarge(shown string, size int64) {
	if size >= 0 {
		l.add(finding.Pos{File: shown}, ruleTooLarge, "",
			"%s is %s, over the %s limit for one file; kiln did not read it", shown, byteSize(size), byteSize(l.opts.MaxFileBytes))
		return
	}
	l.add(finding.Pos{File: shown}, ruleTooLarge, "",
		"%s is over the %s limit for one file; kiln did not read it", shown, byteSize(l.opts.MaxFileBytes))
}

func (l *loader) totalTooLarge(shown string) {
	l.stopped = true
	l.add(finding.Pos{File: shown}, ruleTooLarge, "",
		"the repository's files add up to more than %s, the limit of one load; kiln stopped reading at %s", byteSize(l.opts.MaxTotalBytes), shown)
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
