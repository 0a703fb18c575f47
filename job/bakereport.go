package job

import (
	"context"
	"fmt"
	"strings"

	"github.com/kiln-gitops/kiln/reconciler"
	"github.com/kiln-gitops/kiln/report"
)

// BakeReporter shows bakes on the bake check run of their environment and
// commit and, once all of them have ended, in a comment on the pull request
// the commit came from. Both are edits in place, so reporting the same
// record twice (after a restart) shows the same thing once.
type BakeReporter struct{ *Deps }

var _ reconciler.BakeReporter = BakeReporter{}

// ReportBake implements reconciler.BakeReporter.
func (r BakeReporter) ReportBake(ctx context.Context, b reconciler.BakeRecord) error {
	owner, name, _ := strings.Cut(b.Repo, "/")
	gh, err := r.GitHub(ctx, Repo{Owner: owner, Name: name, Installation: b.Installation})
	if err != nil {
		return fmt.Errorf("github for %s: %w", b.Repo, err)
	}
	group, err := BakeStore{r.State}.Group(ctx, b.Repo, b.Environment, b.Commit)
	if err != nil {
		return fmt.Errorf("bakes of %s: %w", b.Commit, err)
	}
	// The record being reported may be newer than the stored one.
	for i := range group {
		if group[i].ID == b.ID {
			group[i] = b
		}
	}
	update := bakeCheckRun(b.Environment, group)
	if b.CheckRunID != 0 {
		if err := gh.UpdateCheckRun(ctx, b.CheckRunID, CheckBake(b.Environment), update); err != nil {
			return fmt.Errorf("update %s: %w", CheckBake(b.Environment), err)
		}
	}
	if update.Conclusion == "" {
		return nil
	}
	pr := b.PR
	if pr == 0 {
		if pr, err = mergedPullRequest(ctx, r.State, b.Repo, b.Commit); err != nil {
			return err
		}
	}
	if pr == 0 {
		return nil // a direct push: the check run is all there is
	}
	marker := fmt.Sprintf("<!-- kiln:bake %s %s -->", b.Environment, b.Commit)
	body := marker + "\n### " + update.Output.Title + "\n\n" + update.Output.Summary + "\n" + update.Output.Text
	if err := gh.UpsertComment(ctx, pr, marker, body); err != nil {
		return fmt.Errorf("bake comment on #%d: %w", pr, err)
	}
	return nil
}

// bakeCheckRun renders a group of bakes; the conclusion is set once every
// bake has ended. Running bakes can be cancelled, failed or cancelled ones
// retried.
func bakeCheckRun(env string, group []reconciler.BakeRecord) CheckRunUpdate {
	bakes := make([]report.Bake, len(group))
	running, retryable := false, false
	for i, r := range group {
		b := report.Bake{
			Environment: r.Environment, Pipeline: r.Pipeline, State: r.State, Elapsed: r.Elapsed(),
			Reason: r.Reason, Log: r.LogURI,
		}
		for _, a := range r.AMIs {
			b.Images = append(b.Images, report.BakeImage{Region: a.Region, Account: a.Account, ImageID: a.ID})
		}
		for _, c := range r.Images {
			b.Containers = append(b.Containers, c.ImageURIs...)
		}
		for _, h := range r.History {
			b.Timeline = append(b.Timeline, report.BakeStep{State: h.State, After: h.At.Sub(r.Started)})
		}
		bakes[i] = b
		running = running || !r.Terminal()
		retryable = retryable || r.State == "FAILED" || r.State == "CANCELLED"
	}
	out := report.BakeGroupOutput(env, bakes)
	u := CheckRunUpdate{Conclusion: out.Conclusion, Output: out}
	switch {
	case running:
		u.Actions = []CheckRunAction{{Label: "Cancel", Description: "Cancel the running builds", Identifier: "cancel"}}
	case retryable:
		u.Actions = []CheckRunAction{{Label: "Retry", Description: "Start the failed builds again", Identifier: "retry"}}
	}
	return u
}
