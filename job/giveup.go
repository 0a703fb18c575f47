package job

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/kiln-gitops/kiln/report"
)

// Every event that gives up says so where its users look: the checks of
// the commit it was about, or an answer to the command. The webhook router
// calls GiveUp once, when the queue stops retrying a delivery.

// giveUpOutput is the failed check run of a delivery kiln stopped retrying.
func giveUpOutput(ctx context.Context, title, retry string, cause error) CheckRunUpdate {
	return CheckRunUpdate{Conclusion: "failure", Output: report.CheckOutput{
		Title:   title,
		Summary: "kiln gave up after repeated failures: " + publicReason(ctx, cause) + "\n\n" + retry,
	}}
}

// failChecks completes the named check runs with ext on sha as failed.
func (d *Deps) failChecks(ctx context.Context, repo Repo, sha, ext string, names []string, u CheckRunUpdate) {
	gh, err := d.GitHub(ctx, repo)
	if err != nil {
		d.logger(ctx).ErrorContext(ctx, "give up: github", "repo", repo.FullName(), "err", err)
		return
	}
	for _, name := range names {
		id, err := gh.StartCheckRun(ctx, name, sha, ext)
		if err == nil {
			err = gh.UpdateCheckRun(ctx, id, name, u)
		}
		if err != nil {
			d.logger(ctx).ErrorContext(ctx, "give up: report", "repo", repo.FullName(), "sha", sha, "check", name, "err", err)
		}
	}
}

var prCheckNames = []string{CheckValidate, CheckPolicy, CheckPlan}

// GiveUp reports on the pull request's checks that kiln stopped retrying,
// so a failure never looks like a check that is still running.
func (h *PullRequestHandler) GiveUp(ctx context.Context, _, _ string, payload []byte, cause error) {
	var ev github.PullRequestEvent
	if decode(payload, &ev) != nil {
		return
	}
	repo := repoOf(ev.GetRepo(), ev.GetInstallation())
	pr := pullRequestOf(ev.GetPullRequest(), ev.GetRepo())
	h.failChecks(ctx, repo, pr.HeadSHA, prChecksID(pr.Number), prCheckNames,
		giveUpOutput(ctx, "kiln could not check this commit", "Push again or re-run the checks to retry.", cause))
}

// GiveUp fails the re-run's checks.
func (h *CheckSuiteHandler) GiveUp(ctx context.Context, _, delivery string, payload []byte, cause error) {
	var ev github.CheckSuiteEvent
	if decode(payload, &ev) != nil {
		return
	}
	h.giveUpRerun(ctx, repoOf(ev.GetRepo(), ev.GetInstallation()), ev.GetCheckSuite().GetHeadSHA(), ev.GetCheckSuite().PullRequests, delivery, cause)
}

func (d *Deps) giveUpRerun(ctx context.Context, repo Repo, sha string, prs []*github.PullRequest, delivery string, cause error) {
	for _, p := range prs {
		head := p.GetHead().GetSHA()
		if head == "" {
			head = sha
		}
		d.failChecks(ctx, repo, head, rerunChecksID(p.GetNumber(), delivery), prCheckNames,
			giveUpOutput(ctx, "kiln could not re-run the checks", "Re-run the checks again, or push, to retry.", cause))
	}
}

// GiveUp fails the re-run's checks, or the bake check run whose button
// was pressed.
func (h *CheckRunHandler) GiveUp(ctx context.Context, _, delivery string, payload []byte, cause error) {
	var ev github.CheckRunEvent
	if decode(payload, &ev) != nil {
		return
	}
	repo := repoOf(ev.GetRepo(), ev.GetInstallation())
	run := ev.GetCheckRun()
	if env, commit, isBake := parseBakeExternalID(run.GetExternalID()); isBake {
		h.failChecks(ctx, repo, commit, run.GetExternalID(), []string{CheckBake(env)},
			giveUpOutput(ctx, "kiln could not carry out the bake action", "Press the button again to retry.", cause))
		return
	}
	if strings.HasPrefix(run.GetName(), "kiln/") {
		h.giveUpRerun(ctx, repo, run.GetHeadSHA(), run.PullRequests, delivery, cause)
	}
}

// GiveUp answers the command: the user who asked is told it failed.
func (h *IssueCommentHandler) GiveUp(ctx context.Context, _, _ string, payload []byte, cause error) {
	var ev github.IssueCommentEvent
	if decode(payload, &ev) != nil {
		return
	}
	cmd, ok, _ := ParseCommand(ev.GetComment().GetBody())
	if !ok || ev.GetComment().GetUser().GetType() == "Bot" {
		return
	}
	repo := repoOf(ev.GetRepo(), ev.GetInstallation())
	gh, err := h.GitHub(ctx, repo)
	if err != nil {
		h.logger(ctx).ErrorContext(ctx, "give up: github", "repo", repo.FullName(), "err", err)
		return
	}
	body := fmt.Sprintf("@%s `/kiln %s` failed: %s\n\nComment the command again to retry.",
		ev.GetComment().GetUser().GetLogin(), cmd.Verb, publicReason(ctx, cause))
	if err := gh.Answer(ctx, ev.GetIssue().GetNumber(), ev.GetComment().GetID(), body); err != nil {
		h.logger(ctx).ErrorContext(ctx, "give up: answer", "repo", repo.FullName(), "err", err)
	}
}

// GiveUp reports on the pushed commit that it was not applied.
func (h *PushHandler) GiveUp(ctx context.Context, _, _ string, payload []byte, cause error) {
	var ev github.PushEvent
	if decode(payload, &ev) != nil || ev.GetAfter() == "" || strings.Trim(ev.GetAfter(), "0") == "" {
		return
	}
	repo := pushRepo(&ev)
	h.failChecks(ctx, repo, ev.GetAfter(), "push:"+ev.GetAfter(), []string{CheckApply},
		giveUpOutput(ctx, "kiln could not apply this commit", "Nothing more will be tried for this push; push again (or re-deliver the push webhook) to retry.", cause))
}
