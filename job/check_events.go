package job

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"
)

// CheckSuiteHandler re-runs the checks when a user asks GitHub to re-run
// all checks.
type CheckSuiteHandler struct{ *Deps }

// Handles implements webhook.EventHandler.
func (h *CheckSuiteHandler) Handles() []string { return []string{"check_suite"} }

// Handle implements webhook.EventHandler.
func (h *CheckSuiteHandler) Handle(ctx context.Context, _, delivery string, payload []byte) error {
	var ev github.CheckSuiteEvent
	if err := decode(payload, &ev); err != nil {
		return err
	}
	if ev.GetAction() != "rerequested" {
		return nil
	}
	return h.recheck(ctx, repoOf(ev.GetRepo(), ev.GetInstallation()), ev.GetCheckSuite().PullRequests, delivery)
}

// recheck re-runs the pull request checks of the named pull requests.
func (d *Deps) recheck(ctx context.Context, repo Repo, prs []*github.PullRequest, delivery string) error {
	if len(prs) == 0 {
		return nil
	}
	gh, err := d.GitHub(ctx, repo)
	if err != nil {
		return fmt.Errorf("github for %s: %w", repo.FullName(), err)
	}
	for _, p := range prs {
		pr, err := gh.PullRequest(ctx, p.GetNumber())
		if err != nil {
			return fmt.Errorf("read #%d: %w", p.GetNumber(), err)
		}
		if pr.State == "closed" {
			continue
		}
		if err := d.checkPullRequest(ctx, repo, pr, rerunChecksID(pr.Number, delivery), true); err != nil {
			return err
		}
	}
	return nil
}

// CheckRunHandler handles re-runs of single check runs and the buttons on
// bake check runs.
type CheckRunHandler struct{ *Deps }

// Handles implements webhook.EventHandler.
func (h *CheckRunHandler) Handles() []string { return []string{"check_run"} }

// Handle implements webhook.EventHandler.
func (h *CheckRunHandler) Handle(ctx context.Context, _, delivery string, payload []byte) error {
	var ev github.CheckRunEvent
	if err := decode(payload, &ev); err != nil {
		return err
	}
	repo := repoOf(ev.GetRepo(), ev.GetInstallation())
	run := ev.GetCheckRun()
	env, commit, isBake := parseBakeExternalID(run.GetExternalID())
	switch ev.GetAction() {
	case "rerequested":
		if isBake {
			return h.bakeAction(ctx, repo, ev.GetSender().GetLogin(), env, commit, "retry")
		}
		if !strings.HasPrefix(run.GetName(), "kiln/") {
			return nil
		}
		return h.recheck(ctx, repo, run.PullRequests, delivery)
	case "requested_action":
		if !isBake {
			return nil
		}
		return h.bakeAction(ctx, repo, ev.GetSender().GetLogin(), env, commit, ev.GetRequestedAction().Identifier)
	}
	return nil
}
