package gh

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/kiln-gitops/kiln/job"
)

// Access is one installation's access to one repository: job.GitHub, on
// job's own types.
type Access struct {
	client       *github.Client
	clients      *Clients
	installation int64
	owner, name  string
}

var _ job.GitHub = (*Access)(nil)

// Access returns an installation's access to repository owner/name.
func (c *Clients) Access(installationID int64, owner, name string) (*Access, error) {
	in, err := c.installation(installationID)
	if err != nil {
		return nil, err
	}
	if owner == "" || name == "" {
		return nil, fmt.Errorf("github: repository %q/%q is not valid", owner, name)
	}
	return &Access{client: in.client, clients: c, installation: installationID, owner: owner, name: name}, nil
}

// Factory adapts Clients to job.GitHubFactory.
func (c *Clients) Factory() job.GitHubFactory {
	return func(_ context.Context, repo job.Repo) (job.GitHub, error) {
		return c.Access(repo.Installation, repo.Owner, repo.Name)
	}
}

func (a *Access) fullName() string { return a.owner + "/" + a.name }

func (a *Access) wrap(op string, err error) error {
	return wrap(op+" in "+a.fullName(), err)
}

// CloneToken implements job.GitHub.
func (a *Access) CloneToken(ctx context.Context) (string, error) {
	return a.clients.InstallationToken(ctx, a.installation)
}

// RenewToken implements job.GitHub.
func (a *Access) RenewToken(ctx context.Context, refused string) (string, error) {
	return a.clients.renewToken(ctx, a.installation, refused)
}

// PullRequest implements job.GitHub.
func (a *Access) PullRequest(ctx context.Context, number int) (job.PullRequest, error) {
	pr, _, err := a.client.PullRequests.Get(ctx, a.owner, a.name, number)
	if err != nil {
		return job.PullRequest{}, a.wrap(fmt.Sprintf("get pull request #%d", number), err)
	}
	base := pr.GetBase().GetRepo().GetFullName()
	if base == "" {
		base = a.fullName()
	}
	head := pr.GetHead().GetRepo()
	return job.PullRequest{
		Number:  pr.GetNumber(),
		State:   pr.GetState(),
		HeadSHA: pr.GetHead().GetSHA(),
		HeadRef: pr.GetHead().GetRef(),
		BaseSHA: pr.GetBase().GetSHA(),
		BaseRef: pr.GetBase().GetRef(),
		// A deleted head repository counts as a fork: it never bakes.
		Fork:     head.GetFullName() == "" || head.GetFork() || !strings.EqualFold(head.GetFullName(), base),
		Merged:   pr.GetMerged(),
		MergeSHA: pr.GetMergeCommitSHA(),
	}, nil
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

// Permission implements job.GitHub: the user's role, admin, maintain,
// write, triage, read or none. go-github v62 drops the role_name field
// that tells maintain from write, so the response is decoded here.
func (a *Access) Permission(ctx context.Context, user string) (string, error) {
	req, err := a.client.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/collaborators/%s/permission", a.owner, a.name, user), nil)
	if err != nil {
		return "", a.wrap("permission of "+user, err)
	}
	var level struct {
		Permission string `json:"permission"`
		RoleName   string `json:"role_name"`
	}
	if _, err := a.client.Do(ctx, req, &level); err != nil {
		var ghErr *github.ErrorResponse
		if errors.As(err, &ghErr) && ghErr.Response != nil && ghErr.Response.StatusCode == http.StatusNotFound {
			return RoleNone, nil
		}
		return "", a.wrap("permission of "+user, err)
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

// React implements job.GitHub. GitHub answers an existing reaction with
// 200, so repeating it is harmless.
func (a *Access) React(ctx context.Context, commentID int64, content string) error {
	if _, _, err := a.client.Reactions.CreateIssueCommentReaction(ctx, a.owner, a.name, commentID, content); err != nil {
		return a.wrap(fmt.Sprintf("react %s to comment %d", content, commentID), err)
	}
	return nil
}

// Suggest implements job.GitHub: a review comment on line of path at
// commitSHA whose body ends in a suggested change replacing that line;
// GitHub offers the author a button to apply it. The review is looked for
// before it is posted again, so a lost answer does not post it twice.
func (a *Access) Suggest(ctx context.Context, pr int, commitSHA, path string, line int, body, suggestion string) error {
	text := body + "\n\n```suggestion\n" + strings.TrimSuffix(suggestion, "\n") + "\n```\n"
	find := func() (struct{}, bool, error) {
		opts := &github.PullRequestListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
		for {
			cs, resp, err := a.client.PullRequests.ListComments(ctx, a.owner, a.name, pr, opts)
			if err != nil {
				return struct{}{}, false, a.wrap(fmt.Sprintf("list review comments on #%d", pr), err)
			}
			for _, c := range cs {
				if c.GetPath() == path && c.GetBody() == text && c.GetCommitID() == commitSHA {
					return struct{}{}, true, nil
				}
			}
			if resp.NextPage == 0 {
				return struct{}{}, false, nil
			}
			opts.Page = resp.NextPage
		}
	}
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
	_, err := createOnce(ctx, a.clients.cfg.Retry, find, func() (struct{}, error) {
		_, _, err := a.client.PullRequests.CreateReview(ctx, a.owner, a.name, pr, review)
		return struct{}{}, err
	})
	if err != nil {
		return a.wrap(fmt.Sprintf("suggest on %s:%d of #%d", path, line, pr), err)
	}
	return nil
}
