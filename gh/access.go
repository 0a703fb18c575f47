package gh

import (
	"context"
	"fmt"

	"github.com/kiln-gitops/kiln/job"
)

// Access is one installation's access to one repository in the shape the
// jobs use (job.GitHub).
type Access struct {
	repo         *Repo
	clients      *Clients
	installation int64
}

var _ job.GitHub = (*Access)(nil)

// Access returns the jobs' view of a repository.
func (c *Clients) Access(installationID int64, owner, name string) (*Access, error) {
	r, err := c.Repo(installationID, owner, name)
	if err != nil {
		return nil, err
	}
	return &Access{repo: r, clients: c, installation: installationID}, nil
}

// Factory adapts Clients to job.GitHubFactory.
func (c *Clients) Factory() job.GitHubFactory {
	return func(_ context.Context, repo job.Repo) (job.GitHub, error) {
		return c.Access(repo.Installation, repo.Owner, repo.Name)
	}
}

// CloneToken implements job.GitHub.
func (a *Access) CloneToken(ctx context.Context) (string, error) {
	return a.clients.InstallationToken(ctx, a.installation)
}

// StartCheckRun implements job.GitHub: it reuses the run with the same name
// and external id on the commit, so a retried job updates what it created.
func (a *Access) StartCheckRun(ctx context.Context, name, headSHA, externalID string) (int64, error) {
	runs, err := a.repo.CheckRunsForRef(ctx, headSHA, name)
	if err != nil {
		return 0, err
	}
	for _, r := range runs {
		if r.ExternalID == externalID && r.Name == name {
			return r.ID, nil
		}
	}
	run, err := a.repo.CreateCheckRun(ctx, name, headSHA, CheckRunOptions{ExternalID: externalID, Title: "Running", Summary: "kiln is working on " + shortSHA(headSHA) + "."})
	if err != nil {
		return 0, err
	}
	return run.ID, nil
}

// UpdateCheckRun implements job.GitHub.
func (a *Access) UpdateCheckRun(ctx context.Context, id int64, name string, u job.CheckRunUpdate) error {
	out := u.Output
	out.Conclusion = u.Conclusion
	if out.Title == "" {
		out.Title = name
	}
	if out.Summary == "" {
		out.Summary = out.Title
	}
	actions := make([]Action, len(u.Actions))
	for i, x := range u.Actions {
		actions[i] = Action{Label: x.Label, Description: x.Description, Identifier: x.Identifier}
	}
	return a.repo.UpdateCheckRun(ctx, &CheckRun{ID: id, Name: name}, out, actions)
}

// UpsertComment implements job.GitHub.
func (a *Access) UpsertComment(ctx context.Context, pr int, marker, body string) error {
	_, err := a.repo.UpsertStickyComment(ctx, pr, marker, body)
	return err
}

// Reply implements job.GitHub.
func (a *Access) Reply(ctx context.Context, pr int, body string) error {
	_, err := a.repo.ReplyComment(ctx, pr, body)
	return err
}

// React implements job.GitHub.
func (a *Access) React(ctx context.Context, commentID int64, content string) error {
	return a.repo.AddReaction(ctx, commentID, content)
}

// Permission implements job.GitHub.
func (a *Access) Permission(ctx context.Context, user string) (string, error) {
	return a.repo.PermissionLevel(ctx, user)
}

// PullRequest implements job.GitHub.
func (a *Access) PullRequest(ctx context.Context, number int) (job.PullRequest, error) {
	pr, err := a.repo.GetPullRequest(ctx, number)
	if err != nil {
		return job.PullRequest{}, err
	}
	return job.PullRequest{
		Number: pr.Number, HeadSHA: pr.HeadSHA, HeadRef: pr.HeadRef, BaseSHA: pr.BaseSHA, BaseRef: pr.BaseRef,
		Fork: pr.Fork, Merged: pr.Merged, MergeSHA: pr.MergeCommitSHA, State: pr.State,
	}, nil
}

// Suggest implements job.GitHub.
func (a *Access) Suggest(ctx context.Context, pr int, commitSHA, path string, line int, body, suggestion string) error {
	if err := a.repo.CreateReviewWithSuggestion(ctx, pr, commitSHA, path, line, body, suggestion); err != nil {
		return fmt.Errorf("suggest on %s:%d: %w", path, line, err)
	}
	return nil
}

func shortSHA(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	return s
}
