package report

import (
	"net/url"
	"path"
	"path/filepath"
	"strings"
)

// Finding files are relative to the root the loader read (Result.Root).
// CLI outputs name them as the user would type them from where kiln ran:
// the root joined with the file.

// displayPath is root/file with forward slashes, or "" for no file.
func displayPath(root, file string) string {
	if file == "" {
		return ""
	}
	f := filepath.ToSlash(file)
	if path.IsAbs(f) || root == "" {
		return path.Clean(f)
	}
	return path.Join(filepath.ToSlash(root), f)
}

// sarifLocationOf is the relative URI of a file for artifactLocation.uri,
// and the absolute root to declare as %SRCROOT% when the root is absolute
// (or leaves the working directory), so the URI stays relative.
func sarifLocationOf(root, file string) (uri, base string) {
	if file == "" {
		return "", ""
	}
	p := displayPath(root, file)
	if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
		p = strings.TrimPrefix(path.Clean("/"+filepath.ToSlash(file)), "/")
		if r := filepath.ToSlash(root); path.IsAbs(r) {
			base = (&url.URL{Scheme: "file", Path: strings.TrimSuffix(path.Clean(r), "/") + "/"}).String()
		}
	}
	if p == "" || p == "." {
		return "", base
	}
	u := url.URL{Path: p}
	return u.String(), base // String, not EscapedPath: it guards a colon in the first segment
}

// sourceBase is the file URL of Result.SourceRoot for originalUriBaseIds,
// ending in a slash as SARIF requires.
func sourceBase(r Result) string {
	p := strings.TrimSuffix(path.Clean(filepath.ToSlash(r.SourceRoot)), "/") + "/"
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive: file:///C:/…
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// sourceURI is a finding file's URI relative to Result.SourceRoot.
func sourceURI(r Result, file string) string {
	if file == "" {
		return ""
	}
	p := path.Join(filepath.ToSlash(r.RootInSource), filepath.ToSlash(file))
	if p == "." || path.IsAbs(p) || strings.HasPrefix(p, "../") {
		return ""
	}
	return (&url.URL{Path: p}).String()
}
