package gh

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"
)

// Repo is one repository, as seen by one installation.
type Repo struct {
	client *github.Client
	Owner  string
	Name   string
}

// FullName is owner/name.
func (r *Repo) FullName() string { return r.Owner + "/" + r.Name }

func (r *Repo) wrap(op string, err error) error {
	return fmt.Errorf("github: %s %s: %w", op, r.FullName(), err)
}

// PullRequest is what kiln needs to know about a pull request.
type PullRequest struct {
	Number  int
	State   string // open | closed
	HeadSHA string
	HeadRef string
	BaseSHA string
	BaseRef string
	// HeadRepo is the full name of the repository the head branch lives
	// in; empty when that repository was deleted.
	HeadRepo string
	// Fork is true when the head lives in another repository than the base.
	// Pull requests from forks never bake.
	Fork           bool
	Merged         bool
	MergeCommitSHA string
	// CloneURL is the base repository's clone URL; refs/pull/N/head is
	// fetched from it for forks as well.
	CloneURL string
	Author   string
}

// GetPullRequest reads pull request number.
func (r *Repo) GetPullRequest(ctx context.Context, number int) (*PullRequest, error) {
	pr, _, err := r.client.PullRequests.Get(ctx, r.Owner, r.Name, number)
	if err != nil {
		return nil, r.wrap(fmt.Sprintf("get pull request #%d of", number), err)
	}
	out := &PullRequest{
		Number:         pr.GetNumber(),
		State:          pr.GetState(),
		HeadSHA:        pr.GetHead().GetSHA(),
		HeadRef:        pr.GetHead().GetRef(),
		BaseSHA:        pr.GetBase().GetSHA(),
		BaseRef:        pr.GetBase().GetRef(),
		HeadRepo:       pr.GetHead().GetRepo().GetFullName(),
		Merged:         pr.GetMerged(),
		MergeCommitSHA: pr.GetMergeCommitSHA(),
		CloneURL:       pr.GetBase().GetRepo().GetCloneURL(),
		Author:         pr.GetUser().GetLogin(),
	}
	base := pr.GetBase().GetRepo().GetFullName()
	if base == "" {
		base = r.FullName()
	}
	out.Fork = out.HeadRepo == "" || pr.GetHead().GetRepo().GetFork() || !strings.EqualFold(out.HeadRepo, base)
	return out, nil
}

// ChangedFiles lists the paths a pull request touches (GitHub lists at
// most 3,000).
func (r *Repo) ChangedFiles(ctx context.Context, number int) ([]string, error) {
	var out []string
	opts := &github.ListOptions{PerPage: 100}
	for {
		files, resp, err := r.client.PullRequests.ListFiles(ctx, r.Owner, r.Name, number, opts)
		if err != nil {
			return nil, r.wrap(fmt.Sprintf("list files of pull request #%d of", number), err)
		}
		for _, f := range files {
			out = append(out, f.GetFilename())
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// Roles a collaborator can hold, from most to least access.
const (
	RoleAdmin    = "admin"
	RoleMaintain = "maintain"
	RoleWrite    = "write"
	RoleTriage   = "triage"
	RoleRead     = "read"
	RoleNone     = "none"
)

// CanWrite reports whether role may push, and so may ask kiln to bake.
func CanWrite(role string) bool {
	return role == RoleAdmin || role == RoleMaintain || role == RoleWrite
}

// PermissionLevel returns user's role on the repository: admin, maintain,
// write, triage, read or none. go-github v62 drops the role_name field
// that tells maintain from write, so the response is decoded here.
func (r *Repo) PermissionLevel(ctx context.Context, user string) (string, error) {
	req, err := r.client.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/collaborators/%s/permission", r.Owner, r.Name, user), nil)
	if err != nil {
		return "", r.wrap("permission of "+user+" on", err)
	}
	var level struct {
		Permission string `json:"permission"`
		RoleName   string `json:"role_name"`
	}
	if _, err := r.client.Do(ctx, req, &level); err != nil {
		var ghErr *github.ErrorResponse
		if errors.As(err, &ghErr) && ghErr.Response != nil && ghErr.Response.StatusCode == http.StatusNotFound {
			return RoleNone, nil
		}
		return "", r.wrap("permission of "+user+" on", err)
	}
	switch level.RoleName {
	case RoleAdmin, RoleMaintain, RoleWrite, RoleTriage, RoleRead:
		return level.RoleName, nil
	}
	// Custom roles have their own names; the legacy field says what they
	// amount to.
	switch level.Permission {
	case RoleAdmin, RoleWrite, RoleRead:
		return level.Permission, nil
	}
	return RoleNone, nil
}

// AddReaction reacts to an issue comment ("eyes", "+1", "rocket", ...).
func (r *Repo) AddReaction(ctx context.Context, commentID int64, content string) error {
	if _, _, err := r.client.Reactions.CreateIssueCommentReaction(ctx, r.Owner, r.Name, commentID, content); err != nil {
		return r.wrap(fmt.Sprintf("react %s to comment %d in", content, commentID), err)
	}
	return nil
}

// ReplyComment posts a new comment on issue or pull request number and
// returns its id.
func (r *Repo) ReplyComment(ctx context.Context, number int, body string) (int64, error) {
	c, _, err := r.client.Issues.CreateComment(ctx, r.Owner, r.Name, number, &github.IssueComment{Body: github.String(cutComment(body))})
	if err != nil {
		return 0, r.wrap(fmt.Sprintf("comment on #%d of", number), err)
	}
	return c.GetID(), nil
}

// CreateReviewWithSuggestion posts a review comment on line of path at
// commitSHA whose body ends in a suggested change replacing that line with
// suggestion; GitHub offers the author a button to apply it.
func (r *Repo) CreateReviewWithSuggestion(ctx context.Context, number int, commitSHA, path string, line int, body, suggestion string) error {
	text := body + "\n\n```suggestion\n" + strings.TrimSuffix(suggestion, "\n") + "\n```\n"
	review := &github.PullRequestReviewRequest{
		CommitID: github.String(commitSHA),
		Event:    github.String("COMMENT"),
		Comments: []*github.DraftReviewComment{{
			Path: github.String(path),
			Line: github.Int(line),
			Side: github.String("RIGHT"),
			Body: github.String(text),
		}},
	}
	if _, _, err := r.client.PullRequests.CreateReview(ctx, r.Owner, r.Name, number, review); err != nil {
		return r.wrap(fmt.Sprintf("review %s:%d on #%d of", path, line, number), err)
	}
	return nil
}
