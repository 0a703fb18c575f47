package job

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
	"github.com/kiln-gitops/kiln/report"
)

// prChecksID is the external id of a pull request's check runs on a
// commit: every event and command that checks the commit (opened,
// synchronize, `/kiln plan`, a retry, the give-up report) updates the same
// runs instead of adding a second set.
func prChecksID(pr int) string { return fmt.Sprintf("pr:%d", pr) }

// rerunChecksID is the external id of the runs a "Re-run" in GitHub's UI
// asks for: GitHub shows new runs for a re-run, so they are new ones, tied
// to the delivery so a retry of it updates them.
func rerunChecksID(pr int, delivery string) string {
	return fmt.Sprintf("pr:%d:rerun:%s", pr, delivery)
}

// prRun is one check of one pull request head.
type prRun struct {
	*Deps
	gh   GitHub
	repo Repo
	pr   PullRequest
}

// checkPullRequest validates, evaluates and plans a pull request head
// against its base and publishes check runs and the sticky comment. The
// base commit's policies, waivers and .kiln.yaml judge the head.
//
// ext is the check runs' external id (prChecksID or rerunChecksID): runs
// with it on the head are updated, not created again.
func (d *Deps) checkPullRequest(ctx context.Context, repo Repo, pr PullRequest, ext string, withPlan bool) error {
	gh, err := d.GitHub(ctx, repo)
	if err != nil {
		return fmt.Errorf("github for %s: %w", repo.FullName(), err)
	}
	r := &prRun{Deps: d, gh: gh, repo: repo, pr: pr}
	return r.run(ctx, ext, withPlan)
}

func (r *prRun) run(ctx context.Context, ext string, withPlan bool) error {
	ids := map[string]int64{}
	names := []string{CheckValidate, CheckPolicy}
	if withPlan {
		names = append(names, CheckPlan)
	}
	for _, name := range names {
		id, err := r.gh.StartCheckRun(ctx, name, r.pr.HeadSHA, ext)
		if err != nil {
			return fmt.Errorf("start %s: %w", name, err)
		}
		ids[name] = id
	}
	res, err := r.checkTrees(ctx)
	defer res.Release()
	if err != nil {
		// A tree that cannot be read or a policy that does not compile is
		// reported on the checks, then retried by the queue. The error
		// itself goes to the log: it can name URLs and internal details.
		r.logger(ctx).WarnContext(ctx, "check pull request", "pr", r.pr.Number, "err", err)
		out := report.CheckOutput{Title: "kiln could not check this commit", Summary: publicReason(ctx, err), Conclusion: "failure"}
		for name, id := range ids {
			_ = r.gh.UpdateCheckRun(ctx, id, name, CheckRunUpdate{Conclusion: "failure", Output: out})
		}
		return err
	}
	failOn := res.FailOn()

	// Validation and policies are published before planning: the plan
	// talks to Image Builder and can take seconds, and the two checks
	// reviewers wait on must not wait for it.
	validation := report.CheckRunOutput("Validation", res.Validation, failOn)
	if err := r.gh.UpdateCheckRun(ctx, ids[CheckValidate], CheckValidate, CheckRunUpdate{Conclusion: validation.Conclusion, Output: validation}); err != nil {
		return fmt.Errorf("complete %s: %w", CheckValidate, err)
	}
	pol := report.CheckRunOutput("Policy", res.Policy, failOn)
	if err := r.gh.UpdateCheckRun(ctx, ids[CheckPolicy], CheckPolicy, CheckRunUpdate{Conclusion: pol.Conclusion, Output: pol}); err != nil {
		return fmt.Errorf("complete %s: %w", CheckPolicy, err)
	}
	var sections []*reconciler.Plan
	var planFindings []finding.Finding
	if withPlan {
		sections, planFindings = r.plans(ctx, res)
		planOut := report.CheckRunOutput("Plan", planFindings, failOn, report.WithPreamble(report.PlanMarkdown(sections)))
		if !planComputed(sections) && len(planFindings) == 0 {
			planOut.Conclusion = report.ConclusionNeutral
		}
		if err := r.gh.UpdateCheckRun(ctx, ids[CheckPlan], CheckPlan, CheckRunUpdate{Conclusion: planOut.Conclusion, Output: planOut}); err != nil {
			return fmt.Errorf("complete %s: %w", CheckPlan, err)
		}
	}

	graph := report.BuildGraph(res.Head, changedIDs(res))
	body := report.Comment(report.CommentData{
		Repository:    r.repo.FullName(),
		PullRequest:   r.pr.Number,
		HeadSHA:       r.pr.HeadSHA,
		Validation:    res.Validation,
		Policy:        res.Policy,
		FailOn:        failOn,
		Plan:          sections,
		PlanNote:      planNote(withPlan, sections),
		Graph:         &graph,
		ConfigChanged: configChanged(res.Policy),
	})
	if err := r.gh.UpsertComment(ctx, r.pr.Number, report.CommentMarker, body); err != nil {
		return fmt.Errorf("sticky comment: %w", err)
	}
	return r.suggestBumps(ctx, res.Validation)
}

func changedIDs(res *check.Result) map[string]bool {
	changed := map[string]bool{}
	for _, c := range res.Changed {
		changed[c.ID().String()] = true
	}
	return changed
}

// planComputed reports whether any environment was actually planned.
func planComputed(sections []*reconciler.Plan) bool {
	for _, s := range sections {
		if s.Note == "" {
			return true
		}
	}
	return false
}

// checkTrees fetches head and base and runs the checks.
func (r *prRun) checkTrees(ctx context.Context) (*check.Result, error) {
	// The base branch as it is now is what the head will merge into and
	// whose rules are in force. It is fetched and summarised first, so its
	// tree is garbage before the head is fetched: the two are never both
	// in memory.
	base, err := r.loadBase(ctx)
	if err != nil {
		return nil, err
	}
	head, err := r.fetch(ctx, r.gh, r.repo.CloneURL, fmt.Sprintf("refs/pull/%d/head", r.pr.Number), r.pr.HeadSHA)
	if err != nil {
		return nil, failedTo(fmt.Sprintf("fetch the head of #%d", r.pr.Number), err)
	}
	// The job keeps the head's share of the memory budget until it is done
	// with it (run releases it).
	res, err := r.Checker.Run(ctx, check.Input{Head: head, Base: base, Now: r.now(), Hold: true})
	if err != nil {
		return nil, failedTo("check the files", err)
	}
	return res, nil
}

func (r *prRun) loadBase(ctx context.Context) (*check.Base, error) {
	tree, err := r.fetch(ctx, r.gh, r.repo.CloneURL, "refs/heads/"+r.pr.BaseRef, "")
	if err != nil {
		return nil, failedTo("fetch the base branch "+r.pr.BaseRef, err)
	}
	base, err := r.Checker.LoadBase(ctx, tree, loader.Options{})
	if err != nil {
		return nil, failedTo("read the base branch "+r.pr.BaseRef, err)
	}
	return base, nil
}

// plans plans every environment the base configuration names.
func (r *prRun) plans(ctx context.Context, res *check.Result) ([]*reconciler.Plan, []finding.Finding) {
	var sections []*reconciler.Plan
	var fs []finding.Finding
	for _, env := range res.Config.Environments {
		sec, f := planEnvironment(ctx, r.Deps, r.repo, res, env)
		sections = append(sections, sec)
		fs = append(fs, f...)
	}
	return sections, fs
}

// planEnvironment plans one environment, or explains why it could not.
func planEnvironment(ctx context.Context, d *Deps, repo Repo, res *check.Result, env model.Environment) (*reconciler.Plan, []finding.Finding) {
	if d.Environments == nil {
		return &reconciler.Plan{Environment: env, Note: "no AWS credentials configured: plan not computed"}, nil
	}
	ib, err := d.Environments(ctx, env)
	if err != nil {
		d.logger(ctx).WarnContext(ctx, "open Image Builder", "env", env.Name, "err", err)
		return &reconciler.Plan{Environment: env, Note: "cannot reach Image Builder; " + logReference(ctx)}, nil
	}
	plan, fs, err := check.Plan(ctx, res, env, ib)
	if err != nil {
		d.logger(ctx).WarnContext(ctx, "plan", "env", env.Name, "err", err)
	}
	return plan, fs
}

func planNote(withPlan bool, sections []*reconciler.Plan) string {
	switch {
	case !withPlan:
		return "Plan not requested for this event; comment `/kiln plan` to compute it."
	case len(sections) == 0:
		return "No environments in .kiln.yaml: nothing to plan."
	}
	return ""
}

// configChanged lists the policy, waiver and settings files the change
// touches, which reviewers must look at.
func configChanged(policy []finding.Finding) []string {
	var files []string
	for _, f := range policy {
		if f.Rule == "policy/config-changed" && !slices.Contains(files, f.File) {
			files = append(files, f.File)
		}
	}
	return files
}

// suggestBumps offers a one-click version bump for every resource changed
// without one, once per pull request, file and version.
func (r *prRun) suggestBumps(ctx context.Context, fs []finding.Finding) error {
	var errs []error
	for _, f := range fs {
		if f.Suggestion == "" || f.Line == 0 || !strings.HasPrefix(f.Rule, "immutable/") {
			continue
		}
		key := fmt.Sprintf("suggested.%s.%d.%s", sanitize(r.repo.FullName()), r.pr.Number, sanitize(f.File+"."+f.Suggestion))
		if _, seen, err := r.State.Get(ctx, key); err != nil {
			errs = append(errs, err)
			continue
		} else if seen {
			continue
		}
		if err := r.gh.Suggest(ctx, r.pr.Number, r.pr.HeadSHA, f.File, f.Line, f.Message, f.Suggestion); err != nil {
			errs = append(errs, fmt.Errorf("suggest bump in %s: %w", f.File, err))
			continue
		}
		errs = append(errs, r.State.Put(ctx, key, []byte(r.pr.HeadSHA)))
	}
	return errors.Join(errs...)
}

// sanitize makes a string usable as a KV key token.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}
