package job

import (
	"context"
	"fmt"
	"strings"
	"time"

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
	body := marker + "\n### " + update.Output.Title + "\n\n" + update.Output.Text
	if err := gh.UpsertComment(ctx, pr, marker, body); err != nil {
		return fmt.Errorf("bake comment on #%d: %w", pr, err)
	}
	return nil
}

// bakeCheckRun renders a group of bakes; the conclusion is set once every
// bake has ended.
func bakeCheckRun(env string, group []reconciler.BakeRecord) CheckRunUpdate {
	var b strings.Builder
	done, failed, cancelled := 0, 0, 0
	b.WriteString("| Pipeline | State | Elapsed | Image |\n|---|---|---|---|\n")
	for _, r := range group {
		fmt.Fprintf(&b, "| `%s` | %s | %s | `%s` |\n", r.Pipeline, stateLabel(r.State), r.Elapsed().Round(time.Second), r.ImageArn)
		if r.Terminal() {
			done++
		}
		switch r.State {
		case "FAILED":
			failed++
		case "CANCELLED":
			cancelled++
		}
	}
	for _, r := range group {
		if len(r.AMIs) > 0 {
			fmt.Fprintf(&b, "\n**%s** AMIs:\n\n| Region | Account | AMI |\n|---|---|---|\n", r.Pipeline)
			for _, a := range r.AMIs {
				fmt.Fprintf(&b, "| %s | %s | `%s` |\n", a.Region, a.Account, a.ID)
			}
		}
		for _, c := range r.Images {
			fmt.Fprintf(&b, "\n**%s** container images in %s: %s\n", r.Pipeline, c.Region, "`"+strings.Join(c.ImageURIs, "`, `")+"`")
		}
		if r.State == "FAILED" {
			fmt.Fprintf(&b, "\n**%s failed**: %s\n", r.Pipeline, r.Reason)
			if r.LogURI != "" {
				fmt.Fprintf(&b, "Logs: `%s`\n", r.LogURI)
			}
		}
		if len(r.History) > 1 {
			fmt.Fprintf(&b, "\n<details><summary>%s timeline</summary>\n\n", r.Pipeline)
			for _, h := range r.History {
				fmt.Fprintf(&b, "- %s at +%s\n", h.State, h.At.Sub(r.Started).Round(time.Second))
			}
			b.WriteString("\n</details>\n")
		}
	}
	u := CheckRunUpdate{Output: report.CheckOutput{Text: b.String()}}
	switch {
	case done < len(group):
		u.Output.Title = fmt.Sprintf("Baking in %s: %d of %d done", env, done, len(group))
		u.Actions = []CheckRunAction{{Label: "Cancel", Description: "Cancel the running builds", Identifier: "cancel"}}
	case failed > 0 || cancelled > 0:
		u.Output.Title = fmt.Sprintf("Bake in %s: %d failed, %d cancelled", env, failed, cancelled)
		u.Conclusion = "failure"
		u.Actions = []CheckRunAction{{Label: "Retry", Description: "Start the failed builds again", Identifier: "retry"}}
	default:
		u.Output.Title = fmt.Sprintf("Baked in %s: %d image(s) available", env, len(group))
		u.Conclusion = "success"
	}
	u.Output.Summary = u.Output.Title
	return u
}

func stateLabel(s string) string {
	switch s {
	case "AVAILABLE":
		return "✅ AVAILABLE"
	case "FAILED":
		return "❌ FAILED"
	case "CANCELLED":
		return "⏹ CANCELLED"
	}
	return "⏳ " + s
}
