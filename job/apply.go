package job

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
	"github.com/kiln-gitops/kiln/report"
	"github.com/kiln-gitops/kiln/webhook"
)

// bakeRequest is one apply-and-bake of a commit into an environment.
type bakeRequest struct {
	repo   Repo
	gh     GitHub
	res    *check.Result
	env    model.Environment
	commit string
	pr     int // the pull request for PR bakes; 0 after a merge
	// pipelines, when set, are baked whether or not their inputs changed
	// (`/kiln bake NAME…`); otherwise the plan's bakes are.
	pipelines []string
	bake      bool
}

// applyAndBake re-validates, applies the plan in dependency order and starts
// the bakes, reporting on the environment's bake check run. The tracker
// takes it from there.
//
// A pull request's bake runs under the pull request's queue key, while a
// push to the environment's branch may be applying it under the branch's:
// it takes the branch's key as well, so the two never interleave their
// writes. (A push job holds only its branch's key, and drift detection
// too, so nothing waits in a cycle.)
func (d *Deps) applyAndBake(ctx context.Context, req bakeRequest) error {
	if req.pr != 0 && req.env.Branch != "" {
		return d.withKey(ctx, webhook.BranchKey(req.repo.FullName(), req.env.Branch), func(ctx context.Context) error {
			return d.applyAndBakeHeld(ctx, req)
		})
	}
	return d.applyAndBakeHeld(ctx, req)
}

// applyAndBakeHeld is applyAndBake once nothing else can apply the
// environment's branch.
func (d *Deps) applyAndBakeHeld(ctx context.Context, req bakeRequest) error {
	name := CheckBake(req.env.Name)
	id, err := req.gh.StartCheckRun(ctx, name, req.commit, bakeExternalID(req.env.Name, req.commit, 0))
	if err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	fail := func(title, text string) error {
		return req.gh.UpdateCheckRun(ctx, id, name, CheckRunUpdate{Conclusion: "failure", Output: report.CheckOutput{Title: title, Summary: title, Text: text}})
	}
	if req.res.Failed() {
		return fail("Not applied: the commit does not pass kiln/validate and kiln/policy", "Fix the findings on the validate and policy checks; nothing was changed in "+req.env.Name+".")
	}
	if d.Environments == nil {
		return fail("Not applied: kiln has no AWS credentials", "")
	}
	ib, err := d.Environments(ctx, req.env)
	if err != nil {
		d.logger(ctx).WarnContext(ctx, "open Image Builder", "env", req.env.Name, "err", err)
		return fail("Not applied: cannot reach Image Builder in "+req.env.Name, publicReason(ctx, failedTo("reach Image Builder", err)))
	}
	// The tracker and the bake buttons reopen the environment by name.
	if err := rememberEnvironment(ctx, d.State, req.repo.FullName(), req.env); err != nil {
		return err
	}
	plan, err := reconciler.PlanEnvironment(ctx, ib, req.env, req.res.Head, reconciler.PlanOptions{})
	if err != nil {
		err = failedTo("read Image Builder in "+req.env.Name, err)
		_ = fail("Not applied: cannot read Image Builder in "+req.env.Name, publicReason(ctx, err))
		return err
	}
	if plan.HasErrors() {
		return fail("Not applied: the plan has errors", planText(plan))
	}
	pipelines := req.pipelines
	if len(pipelines) == 0 && req.bake {
		for _, b := range plan.Bakes {
			pipelines = append(pipelines, b.Pipeline)
		}
	}
	// Recorded before the apply: a replayed or retried push finds the
	// apply done and nothing left to bake in the plan, yet must bake what
	// the first attempt chose (StartBake is idempotent per commit).
	pipelines, err = recallBakes(ctx, d.State, req.repo.FullName(), req.env.Name, req.commit, pipelines)
	if err != nil {
		return err
	}
	out, err := reconciler.Apply(ctx, ib, req.res.Head, plan, reconciler.ApplyMeta{Repo: req.repo.FullName(), Commit: req.commit})
	if err != nil {
		// The queue retries the job; client tokens make the retry safe.
		err = failedTo("apply the plan to "+req.env.Name, err)
		_ = req.gh.UpdateCheckRun(ctx, id, name, CheckRunUpdate{Output: report.CheckOutput{Title: "Apply failed, retrying", Summary: publicReason(ctx, err)}})
		return err
	}
	// Drift detection compares this environment with its branch from now
	// on (when .kiln.yaml asks for it).
	if err := rememberDriftTarget(ctx, d.State, req.repo, req.env, req.commit); err != nil {
		return err
	}
	summary := applySummary(req.env.Name, out)

	if len(pipelines) == 0 {
		return req.gh.UpdateCheckRun(ctx, id, name, CheckRunUpdate{Conclusion: "success", Output: report.CheckOutput{Title: summary + " Nothing to bake.", Summary: summary, Text: planText(plan)}})
	}
	store := BakeStore{d.State}
	var started []reconciler.BakeRecord
	for _, p := range pipelines {
		arn, ok := out.ARNs["ImagePipeline/"+p]
		if !ok {
			return fail("Not baked: no pipeline "+p+" in "+req.env.Name, summary)
		}
		rec, err := reconciler.StartBake(ctx, ib, store, reconciler.BakeRecord{
			Repo: req.repo.FullName(), Environment: req.env.Name, Pipeline: p, PipelineArn: arn,
			Commit: req.commit, PR: req.pr, Installation: req.repo.Installation, CheckRunID: id, Account: req.env.Account,
		}, d.now())
		if err != nil {
			return fmt.Errorf("bake %s: %w", p, err)
		}
		started = append(started, rec)
	}
	u := bakeCheckRun(req.env.Name, started)
	u.Output.Summary = summary + "\n\n" + u.Output.Summary
	return req.gh.UpdateCheckRun(ctx, id, name, u)
}

// applySummary counts what an apply did; adoptions (tags only) are named
// when there are any.
func applySummary(env string, out *reconciler.Outcome) string {
	adopted := ""
	if len(out.Adopted) > 0 {
		adopted = fmt.Sprintf("%d adopted, ", len(out.Adopted))
	}
	return fmt.Sprintf("Applied to %s: %d created, %d updated, %s%d deleted, %d unchanged.", env, len(out.Created), len(out.Updated), adopted, len(out.Deleted), len(out.Unchanged))
}

// planText is one environment's plan as check-run markdown.
func planText(plan *reconciler.Plan) string {
	return report.PlanMarkdown([]*reconciler.Plan{plan})
}

// pipelineNames lists the repository's pipelines.
func pipelineNames(repo *model.Repository) string {
	var names []string
	for _, p := range repo.ByKind(model.KindImagePipeline) {
		names = append(names, "`"+p.Metadata.Name+"`")
	}
	return strings.Join(names, ", ")
}

func bakePlanKey(repo, env, commit string) string {
	return "bakeplan." + sanitize(repo) + "." + sanitize(env) + "." + sanitize(commit)
}

// recallBakes returns the pipelines an earlier attempt at the same commit
// and environment chose to bake together with pipelines, and records the
// union for the next attempt.
func recallBakes(ctx context.Context, kv KV, repo, env, commit string, pipelines []string) ([]string, error) {
	key := bakePlanKey(repo, env, commit)
	b, ok, err := kv.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("bakes chosen for %s in %s: %w", commit, env, err)
	}
	all := slices.Clone(pipelines)
	if ok {
		var earlier []string
		if err := json.Unmarshal(b, &earlier); err != nil {
			return nil, fmt.Errorf("bakes chosen for %s in %s: %w", commit, env, err)
		}
		all = append(all, earlier...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if len(all) == 0 {
		return nil, nil
	}
	enc, err := json.Marshal(all)
	if err != nil {
		return nil, err
	}
	if err := kv.Put(ctx, key, enc); err != nil {
		return nil, fmt.Errorf("record bakes chosen for %s in %s: %w", commit, env, err)
	}
	return all, nil
}
