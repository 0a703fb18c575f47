// Package gitfetch reads one commit of a Git repository into memory and
// exposes its tree as an fs.FS, so the loader works the same on a pull
// request head fetched over HTTP and on a local checkout.
package gitfetch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// DefaultMaxBytes caps the pack received when FetchOptions.MaxBytes is zero.
const DefaultMaxBytes int64 = 64 << 20

// unpackedFactor bounds the inflated size of the objects relative to the
// pack by default, so a small pack of highly compressible blobs cannot
// exhaust memory.
const unpackedFactor = 8

// fetchedRef is where the requested ref lands in the in-memory repository.
const fetchedRef = "refs/kiln/fetched"

// FetchOptions says what to fetch and how much of it to accept.
type FetchOptions struct {
	// URL is the repository's clone URL (https://github.com/o/r.git).
	URL string
	// Token is an installation access token, sent as basic auth with the
	// user name x-access-token as GitHub expects. Empty means anonymous.
	Token string
	// Ref is the reference to fetch: "refs/pull/12/head", "refs/heads/main".
	Ref string
	// SHA is the commit expected; when set it is verified, and fetched
	// directly when it is no longer the tip of Ref.
	SHA string
	// MaxBytes caps the size of the pack received; zero means
	// DefaultMaxBytes.
	MaxBytes int64
	// MaxUnpackedBytes caps the inflated size of all objects received,
	// which is what the in-memory repository holds; zero means eight times
	// MaxBytes.
	MaxUnpackedBytes int64
}

// ErrTooLarge is returned, wrapped, when the repository exceeds the caps.
var ErrTooLarge = errors.New("repository too large")

// Fetch fetches one commit at depth 1 into memory and returns its tree.
// The result is a *TreeFS.
func Fetch(ctx context.Context, opts FetchOptions) (fs.FS, error) {
	if opts.URL == "" {
		return nil, errors.New("gitfetch: no repository URL")
	}
	if !strings.HasPrefix(opts.Ref, "refs/") {
		return nil, fmt.Errorf("gitfetch: ref %q is not a full reference name (refs/...)", opts.Ref)
	}
	if opts.SHA != "" && !plumbing.IsHash(opts.SHA) {
		return nil, fmt.Errorf("gitfetch: %q is not a commit SHA", opts.SHA)
	}
	maxBytes := opts.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	maxUnpacked := opts.MaxUnpackedBytes
	if maxUnpacked <= 0 {
		maxUnpacked = maxBytes * unpackedFactor
	}
	store := newCappedStorage(maxBytes, maxUnpacked)
	repo, err := git.Init(store, nil)
	if err != nil {
		return nil, fmt.Errorf("gitfetch: init: %w", err)
	}
	remote, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{opts.URL}})
	if err != nil {
		return nil, fmt.Errorf("gitfetch: remote: %w", err)
	}
	var auth *githttp.BasicAuth
	if opts.Token != "" {
		auth = &githttp.BasicAuth{Username: "x-access-token", Password: opts.Token}
	}
	fetch := func(spec string) error {
		fo := &git.FetchOptions{
			RemoteName: "origin",
			RefSpecs:   []config.RefSpec{config.RefSpec(spec)},
			Depth:      1,
			Tags:       git.NoTags,
			Force:      true,
		}
		if auth != nil {
			fo.Auth = auth
		}
		err := remote.FetchContext(ctx, fo)
		if errors.Is(err, git.NoErrAlreadyUpToDate) {
			return nil
		}
		return err
	}

	if err := fetch("+" + opts.Ref + ":" + fetchedRef); err != nil {
		return nil, fmt.Errorf("gitfetch: fetch %s from %s: %w", opts.Ref, redact(opts.URL), err)
	}
	tip, err := repo.Reference(fetchedRef, true)
	if err != nil {
		return nil, fmt.Errorf("gitfetch: fetch %s from %s: ref not received: %w", opts.Ref, redact(opts.URL), err)
	}
	want := tip.Hash()
	if opts.SHA != "" && !strings.EqualFold(opts.SHA, want.String()) {
		// The ref moved on (a push after the webhook). Ask for the commit
		// itself; servers that allow reachable SHA-1s in wants send it.
		want = plumbing.NewHash(opts.SHA)
		if err := fetch("+" + want.String() + ":refs/kiln/wanted"); err != nil {
			return nil, fmt.Errorf("gitfetch: %s is at %s, not %s, and fetching %s directly failed: %w",
				opts.Ref, tip.Hash(), opts.SHA, opts.SHA, err)
		}
	}
	commit, err := repo.CommitObject(want)
	if err != nil {
		return nil, fmt.Errorf("gitfetch: commit %s of %s: %w", want, opts.Ref, err)
	}
	tree, err := NewTreeFS(commit)
	if err != nil {
		return nil, err
	}
	tree.packBytes = store.packBytes
	return tree, nil
}

// OpenRevision opens the repository containing dir (searching parent
// directories for .git) and returns the tree of rev ("main", "HEAD~1", a SHA).
func OpenRevision(dir, rev string) (fs.FS, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil, fmt.Errorf("gitfetch: open repository at %s: %w", dir, err)
	}
	hash, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, fmt.Errorf("gitfetch: resolve %q in %s: %w", rev, dir, err)
	}
	commit, err := repo.CommitObject(*hash)
	if err != nil {
		return nil, fmt.Errorf("gitfetch: %q (%s) is not a commit: %w", rev, hash, err)
	}
	return NewTreeFS(commit)
}

// redact drops user info from a URL so a token embedded in it never reaches
// an error message or a log line.
func redact(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 && at < strings.IndexByte(rest+"/", '/') {
		rest = rest[at+1:]
	}
	return scheme + "://" + rest
}
