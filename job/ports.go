// Package job is the work kiln does for each webhook event once the
// delivery is queued: one handler per event, in the style of go-githubapp.
// Handlers reach GitHub, Git, Image Builder and durable state only through
// the small interfaces in this file, so tests drive them against the
// emulators and production wires the real adapters in cmd/kiln.
package job

import (
	"context"
	"errors"
	"io/fs"

	"github.com/kiln-gitops/kiln/report"
)

// Check run names; each is requirable by branch protection.
const (
	CheckValidate = "kiln/validate"
	CheckPolicy   = "kiln/policy"
	CheckPlan     = "kiln/plan"
	// CheckApply is shown only when kiln gave up on a merge before it
	// could report on the environments' bake check runs.
	CheckApply = "kiln/apply"
)

// CheckBake names the bake check run of an environment.
func CheckBake(env string) string { return "kiln/bake (" + env + ")" }

// GitHub is one installation's access to one repository.
type GitHub interface {
	// CloneToken is a token Git can fetch the repository with.
	CloneToken(ctx context.Context) (string, error)
	// RenewToken drops refused, a token Git refused (revoked or rotated),
	// and returns a new one.
	RenewToken(ctx context.Context, refused string) (string, error)
	// StartCheckRun creates an in-progress check run and returns its id. A
	// run with the same name and external id on the commit is reused, so a
	// job retried after a crash never posts its checks twice.
	StartCheckRun(ctx context.Context, name, headSHA, externalID string) (int64, error)
	// UpdateCheckRun sets the output of check run id called name (and its
	// conclusion when Conclusion is set), sending annotations in batches
	// of 50.
	UpdateCheckRun(ctx context.Context, id int64, name string, u CheckRunUpdate) error
	// UpsertComment edits the pull request's comment that holds marker in
	// place, or creates it; only kiln's own comments count.
	UpsertComment(ctx context.Context, pr int, marker, body string) error
	// Answer posts the answer to the command in comment commandID, or edits
	// the one already posted, so a command is answered once however often
	// its job runs.
	Answer(ctx context.Context, pr int, commandID int64, body string) error
	// React adds a reaction to an issue comment.
	React(ctx context.Context, commentID int64, content string) error
	// Permission is the user's permission on the repository: admin,
	// maintain, write, triage, read or none.
	Permission(ctx context.Context, user string) (string, error)
	// PullRequest reads a pull request.
	PullRequest(ctx context.Context, number int) (PullRequest, error)
	// Suggest posts a review comment whose suggested change replaces one
	// line with suggestion.
	Suggest(ctx context.Context, pr int, commitSHA, path string, line int, body, suggestion string) error
}

// CheckRunUpdate is the new state of a check run.
type CheckRunUpdate struct {
	Conclusion string // success, failure, neutral, cancelled; empty: still in progress
	Output     report.CheckOutput
	Actions    []CheckRunAction
}

// CheckRunAction is a button on a check run.
type CheckRunAction struct {
	Label, Description, Identifier string
}

// PullRequest is what jobs need of a pull request.
type PullRequest struct {
	Number   int
	HeadSHA  string
	HeadRef  string
	BaseSHA  string
	BaseRef  string
	Fork     bool // head repository differs from the base repository
	Merged   bool
	MergeSHA string
	State    string
}

// Repo names a repository and how to reach it.
type Repo struct {
	Owner, Name  string
	CloneURL     string
	Installation int64
}

// FullName is owner/name.
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

// GitHubFactory gives the GitHub access of an installation to a repository.
type GitHubFactory func(ctx context.Context, repo Repo) (GitHub, error)

// Fetcher fetches one ref of a repository and returns the tree of its
// commit; sha, when set, is the commit expected. An error for credentials
// Git refused wraps ErrTokenRefused.
type Fetcher func(ctx context.Context, url, token, ref, sha string) (fs.FS, error)

// ErrTooLarge marks a fetch refused because the repository's objects
// exceed what kiln lets one fetch hold in memory.
var ErrTooLarge = errors.New("repository too large to fetch")

// ErrTokenRefused marks a fetch refused for its token: the installation
// token was revoked or rotated since it was minted.
var ErrTokenRefused = errors.New("git refused the installation token")

// KV is small durable state (bakes, suggestions already made).
type KV interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
	Keys(ctx context.Context, prefix string) ([]string, error)
}

// fetch fetches ref with the installation's token. A token Git refuses is
// replaced once and the fetch tried again, so a revoked token costs one
// failed fetch, not every job until it would have expired.
func (d *Deps) fetch(ctx context.Context, gh GitHub, url, ref, sha string) (fs.FS, error) {
	token, err := gh.CloneToken(ctx)
	if err != nil {
		return nil, failedTo("get a token to fetch the repository", err)
	}
	tree, err := d.Fetch(ctx, url, token, ref, sha)
	if errors.Is(err, ErrTokenRefused) {
		if token, err = gh.RenewToken(ctx, token); err != nil {
			return nil, failedTo("get a token to fetch the repository", err)
		}
		tree, err = d.Fetch(ctx, url, token, ref, sha)
	}
	return tree, err
}
