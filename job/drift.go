package job

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
	"github.com/kiln-gitops/kiln/report"
	"github.com/kiln-gitops/kiln/webhook"
)

// Drift modes of an environment (model.Environment.Drift).
const (
	DriftOff     = "off"
	DriftWarn    = "warn"
	DriftCorrect = "correct"
)

// CheckDrift names the drift check run of an environment.
func CheckDrift(env string) string { return "kiln/drift (" + env + ")" }

// driftOn reports whether mode asks for drift detection; an unset mode is
// off, so nothing is compared unless a repository opts in.
func driftOn(mode string) bool { return mode == DriftWarn || mode == DriftCorrect }

// DriftTarget is what an apply leaves behind so that drift detection can
// compare the environment's branch with Image Builder later, without a
// webhook to say where the repository is.
type DriftTarget struct {
	Owner        string `json:"owner"`
	Name         string `json:"name"`
	CloneURL     string `json:"cloneURL"`
	Installation int64  `json:"installation"`
	Branch       string `json:"branch"`
	Environment  string `json:"environment"`
	// Mode is the environment's drift setting at the last apply; targets
	// whose mode is off are not fetched at all.
	Mode string `json:"mode"`
	// Commit is the commit the last apply put in place. While the branch
	// head is another one, its push has not been applied yet (or a pull
	// request was baked into the environment), and the difference is that
	// commit's change, not drift: a correction would apply it without the
	// bakes its merge starts. Empty in targets kiln recorded before it
	// kept the commit.
	Commit string `json:"commit,omitempty"`
}

func (t DriftTarget) repo() Repo {
	return Repo{Owner: t.Owner, Name: t.Name, CloneURL: t.CloneURL, Installation: t.Installation}
}

// driftState is what the last check of one environment found, so a tick
// posts only when something changed.
type driftState struct {
	Commit string `json:"commit"`
	// Fingerprint names the drifted changes; empty means no drift.
	Fingerprint string `json:"fingerprint"`
	// Waiting is a branch head found not applied yet, so that waiting for
	// it is logged once, not on every tick.
	Waiting string `json:"waiting,omitempty"`
}

func driftTargetKey(repo, env string) string { return "drift." + sanitize(repo) + "." + sanitize(env) }
func driftStateKey(repo, env string) string {
	return "driftstate." + sanitize(repo) + "." + sanitize(env)
}

// rememberDriftTarget records where env's desired state lives and which
// commit was just applied to it. Every apply records it, so turning drift
// off in .kiln.yaml is seen at the next merge too.
func rememberDriftTarget(ctx context.Context, kv KV, repo Repo, env model.Environment, commit string) error {
	b, err := json.Marshal(DriftTarget{
		Owner: repo.Owner, Name: repo.Name, CloneURL: repo.CloneURL, Installation: repo.Installation,
		Branch: env.Branch, Environment: env.Name, Mode: env.Drift, Commit: commit,
	})
	if err != nil {
		return fmt.Errorf("encode drift target %s: %w", env.Name, err)
	}
	if err := kv.Put(ctx, driftTargetKey(repo.FullName(), env.Name), b); err != nil {
		return fmt.Errorf("remember drift target %s: %w", env.Name, err)
	}
	return nil
}

// drifted lists the changes that show drift: everything but unchanged.
func drifted(p *reconciler.Plan) []reconciler.Change {
	var out []reconciler.Change
	for _, c := range p.Changes {
		if c.Action != reconciler.ActionUnchanged {
			out = append(out, c)
		}
	}
	return out
}

// driftPlan plans env and, where the environment can be read in kiln's
// shape, compares every resource field by field, so an edit outside kiln
// that leaves the kiln:digest tag alone is drift too.
func driftPlan(ctx context.Context, ib reconciler.ImageBuilder, env model.Environment, head *model.Repository) (*reconciler.Plan, error) {
	return reconciler.PlanEnvironment(ctx, ib, env, head, reconciler.PlanOptions{Fields: true})
}

// fixable are the drifted changes an apply acts on or refuses for: all
// but orphans, which only pruning removes.
func fixable(changes []reconciler.Change) []reconciler.Change {
	var out []reconciler.Change
	for _, c := range changes {
		if c.Action != reconciler.ActionOrphaned {
			out = append(out, c)
		}
	}
	return out
}

// fingerprint identifies a set of drifted changes, including the live
// digests and the fields that differ, so that a second change to the same
// resource is reported again: one that leaves the digest tag as the first
// did (an edit in the console after a correction that did not take) as
// well.
func fingerprint(changes []reconciler.Change) string {
	if len(changes) == 0 {
		return ""
	}
	h := sha256.New()
	for _, c := range changes {
		live := ""
		if c.Live != nil {
			live = c.Live.Digest + "\x00" + c.Live.Arn
		}
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\n", c.Action, c.ID(), c.Digest, live, c.Reason)
		for _, f := range c.Fields {
			fmt.Fprintf(h, "\x01%s\x00%s\x00%s\n", f.Path, f.Live, f.Desired)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// shouldReport decides whether a check finding cur needs a check run: when
// the drift changed, or when the environment still drifts at a new head
// commit (which has no drift check run yet). Steady states stay quiet.
func shouldReport(last driftState, known bool, cur driftState) bool {
	if !known {
		return true
	}
	if last.Fingerprint != cur.Fingerprint {
		return true
	}
	return cur.Fingerprint != "" && last.Commit != cur.Commit
}

// driftSummary is one line per drifted change, for the log and the title.
func driftSummary(changes []reconciler.Change) string {
	var parts []string
	for _, c := range changes {
		parts = append(parts, fmt.Sprintf("%s %s", c.Action, c.ID()))
	}
	return strings.Join(parts, ", ")
}

// driftReport is the check run for a plan of an environment in warn mode
// (and in correct mode before the correction).
func driftReport(plan *reconciler.Plan, changes []reconciler.Change, commit string) CheckRunUpdate {
	env := plan.Environment.Name
	if len(changes) == 0 {
		title := "No drift: " + env + " matches " + shortCommit(commit)
		return CheckRunUpdate{Conclusion: "success", Output: report.CheckOutput{Title: title, Summary: title}}
	}
	title := fmt.Sprintf("Drift in %s: %d resource(s) differ from %s", env, len(changes), shortCommit(commit))
	summary := title + ".\n\n" + bulletList(changes)
	return CheckRunUpdate{Conclusion: "neutral", Output: report.CheckOutput{
		Title: title, Summary: summary, Text: planText(plan),
	}}
}

func bulletList(changes []reconciler.Change) string {
	var b strings.Builder
	for _, c := range changes {
		fmt.Fprintf(&b, "- `%s`: %s (%s)\n", c.ID(), c.Action, c.Reason)
	}
	return b.String()
}

// headCommit is the commit a fetched tree belongs to; a Fetcher for the
// branch heads must return a tree that knows it (gitfetch.TreeFS does).
func headCommit(tree fs.FS) (string, error) {
	c, ok := tree.(interface{ Commit() string })
	if !ok || c.Commit() == "" {
		return "", fmt.Errorf("the fetched tree (%T) does not say which commit it is", tree)
	}
	return c.Commit(), nil
}

func shortCommit(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// DriftChecker compares every environment that asked for drift detection
// with the head of its branch. Like the bake tracker, it keeps its state in
// the durable KV, so a restarted or second replica carries on.
//
// An environment is compared holding its branch's queue key (Deps.WithKey),
// so never while a push to the branch is being applied on any replica.
type DriftChecker struct {
	*Deps
}

// Tick checks every remembered environment once.
func (c *DriftChecker) Tick(ctx context.Context) error {
	keys, err := c.State.Keys(ctx, "drift.")
	if err != nil {
		return fmt.Errorf("list drift targets: %w", err)
	}
	var errs []error
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		t, ok, err := c.target(ctx, k)
		if err != nil {
			errs = append(errs, err)
		}
		if !ok || !driftOn(t.Mode) {
			continue
		}
		err = c.withKey(ctx, webhook.BranchKey(t.repo().FullName(), t.Branch), func(ctx context.Context) error {
			// Read again: the push this waited for may have recorded
			// another commit, or turned drift off.
			t, ok, err := c.target(ctx, k)
			if err != nil || !ok || !driftOn(t.Mode) {
				return err
			}
			return c.checkTarget(ctx, t)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("drift of %s in %s: %w", t.repo().FullName(), t.Environment, err))
		}
	}
	return errors.Join(errs...)
}

// target reads the drift target under key; ok is false when there is none.
func (c *DriftChecker) target(ctx context.Context, key string) (DriftTarget, bool, error) {
	var t DriftTarget
	b, ok, err := c.State.Get(ctx, key)
	if err != nil {
		return t, false, fmt.Errorf("drift target %s: %w", key, err)
	}
	if !ok {
		return t, false, nil
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, false, fmt.Errorf("decode drift target %s: %w", key, err)
	}
	return t, true, nil
}

// checkTarget compares one environment with its branch head, reports
// drift on the head commit and, in correct mode, applies the plan.
func (c *DriftChecker) checkTarget(ctx context.Context, t DriftTarget) error {
	if c.Environments == nil {
		return errors.New("no AWS credentials")
	}
	repo := t.repo()
	log := c.logger().With("repo", repo.FullName(), "environment", t.Environment)
	gh, err := c.GitHub(ctx, repo)
	if err != nil {
		return fmt.Errorf("github: %w", err)
	}
	tree, err := c.fetch(ctx, gh, repo.CloneURL, "refs/heads/"+t.Branch, "")
	if err != nil {
		return fmt.Errorf("fetch %s: %w", t.Branch, err)
	}
	commit, err := headCommit(tree)
	if err != nil {
		return err
	}
	if t.Commit != "" && commit != t.Commit {
		return c.waitForApply(ctx, log, driftStateKey(repo.FullName(), t.Environment), commit, t.Commit)
	}
	res, err := c.Checker.Run(ctx, check.Input{Head: tree, Now: c.now()})
	if err != nil {
		return fmt.Errorf("check %s: %w", t.Branch, err)
	}
	env, ok := res.Config.Environments.Get(t.Environment)
	// The branch's own .kiln.yaml decides: drift turned off, the
	// environment gone or moved to another branch all stop the checks.
	if !ok || env.Branch != t.Branch || !driftOn(env.Drift) {
		return nil
	}
	ib, err := c.Environments(ctx, env)
	if err != nil {
		return fmt.Errorf("open %s: %w", env.Name, err)
	}
	plan, err := driftPlan(ctx, ib, env, res.Head)
	if err != nil {
		return err
	}
	changes := drifted(plan)
	cur := driftState{Commit: commit, Fingerprint: fingerprint(changes)}

	stateKey := driftStateKey(repo.FullName(), env.Name)
	last, known, err := c.lastDrift(ctx, stateKey)
	if err != nil {
		return err
	}
	// A drift already reported (and, in correct mode, one that could not
	// be corrected) waits for something to change; a failed apply is not
	// recorded, so the next tick tries again.
	if !shouldReport(last, known, cur) {
		return nil
	}
	// Orphans stay unless the environment prunes (then they are deletes):
	// correcting them alone would apply nothing.
	correct := env.Drift == DriftCorrect && len(fixable(changes)) > 0
	if len(changes) > 0 {
		log.WarnContext(ctx, "drift", "commit", commit, "mode", env.Drift, "changes", driftSummary(changes))
	} else {
		log.InfoContext(ctx, "no drift", "commit", commit)
	}
	name := CheckDrift(env.Name)
	id, err := gh.StartCheckRun(ctx, name, commit, "drift:"+env.Name+":"+commit)
	if err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	u := driftReport(plan, changes, commit)
	if err := gh.UpdateCheckRun(ctx, id, name, u); err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	if correct {
		u, left, corrected, err := c.correct(ctx, ib, res, plan, changes, repo, commit)
		if uerr := gh.UpdateCheckRun(ctx, id, name, u); uerr != nil {
			return errors.Join(err, fmt.Errorf("report %s: %w", name, uerr))
		}
		if err != nil {
			return err
		}
		if corrected {
			log.InfoContext(ctx, "drift corrected", "commit", commit, "changes", driftSummary(changes))
			// What was corrected is no longer drift: the next tick, finding
			// only what is left, must not overwrite the report.
			cur.Fingerprint = fingerprint(left)
		}
	}
	return c.putDrift(ctx, stateKey, cur)
}

// correct applies plan (never bakes) and says how it went.
// It returns what drift is left (orphans kept without pruning) when the
// correction took.
func (c *DriftChecker) correct(ctx context.Context, ib reconciler.ImageBuilder, res *check.Result, plan *reconciler.Plan, changes []reconciler.Change, repo Repo, commit string) (CheckRunUpdate, []reconciler.Change, bool, error) {
	env := plan.Environment.Name
	text := planText(plan)
	notCorrected := func(title, why string) CheckRunUpdate {
		return CheckRunUpdate{Conclusion: "failure", Output: report.CheckOutput{Title: title, Summary: title + "\n\n" + why + "\n\n" + bulletList(changes), Text: text}}
	}
	if plan.HasErrors() {
		return notCorrected("Drift in "+env+" not corrected: the plan has errors", "Resolve the errors below; nothing was changed."), nil, false, nil
	}
	if res.Failed() {
		return notCorrected("Drift in "+env+" not corrected: "+shortCommit(commit)+" does not pass kiln/validate and kiln/policy", "Nothing was changed."), nil, false, nil
	}
	// Each correction is its own round: the same tampering undone twice at
	// one commit must send a new update token, or Image Builder answers the
	// second from the first and changes nothing.
	round := c.now().UTC().Format(time.RFC3339Nano)
	out, err := reconciler.Apply(ctx, ib, res.Head, plan, reconciler.ApplyMeta{Repo: repo.FullName(), Commit: commit, Round: round})
	if err != nil {
		err = failedTo("apply the correction to "+env, err)
		return notCorrected("Drift in "+env+" not corrected: apply failed", publicReason(ctx, err)), nil, false, err
	}
	// A correction is only reported once Image Builder shows it: an update
	// answered from an earlier client token changes nothing.
	again, err := driftPlan(ctx, ib, plan.Environment, res.Head)
	if err != nil {
		err = failedTo("read Image Builder in "+env, err)
		return notCorrected("Drift in "+env+" applied but not confirmed", publicReason(ctx, err)), nil, false, err
	}
	left := drifted(again)
	if still := fixable(left); len(still) > 0 {
		return notCorrected("Drift in "+env+" persists after the correction", "Still different: "+driftSummary(still)+"."), nil, false, nil
	}
	title := fmt.Sprintf("Drift in %s corrected: %d created, %d updated, %d deleted", env, len(out.Created), len(out.Updated), len(out.Deleted))
	if len(out.Adopted) > 0 {
		title += fmt.Sprintf(", %d adopted", len(out.Adopted))
	}
	summary := title + ".\n\n" + bulletList(changes)
	if len(out.Skipped) > 0 {
		summary += "\nStill in use, not deleted: " + strings.Join(out.Skipped, ", ") + "\n"
	}
	if len(left) > 0 {
		summary += "\nKept (pruning is off): " + driftSummary(left) + "\n"
	}
	return CheckRunUpdate{Conclusion: "success", Output: report.CheckOutput{Title: title, Summary: summary, Text: text}}, left, true, nil
}

// waitForApply leaves an environment that holds another commit than its
// branch head alone, and says so once per head: a push whose webhook
// never came (redeliver it from the App's settings, or push again) waits
// as long as one still queued.
func (c *DriftChecker) waitForApply(ctx context.Context, log *slog.Logger, stateKey, head, applied string) error {
	last, _, err := c.lastDrift(ctx, stateKey)
	if err != nil || last.Waiting == head {
		return err
	}
	log.InfoContext(ctx, "drift waits for the branch head to be applied", "head", head, "applied", applied)
	last.Waiting = head
	return c.putDrift(ctx, stateKey, last)
}

func (c *DriftChecker) lastDrift(ctx context.Context, key string) (driftState, bool, error) {
	b, ok, err := c.State.Get(ctx, key)
	if err != nil || !ok {
		return driftState{}, false, err
	}
	var s driftState
	if err := json.Unmarshal(b, &s); err != nil {
		return driftState{}, false, fmt.Errorf("decode %s: %w", key, err)
	}
	// Only waiting recorded: nothing was compared yet.
	return s, s.Commit != "", nil
}

func (c *DriftChecker) putDrift(ctx context.Context, key string, s driftState) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := c.State.Put(ctx, key, b); err != nil {
		return fmt.Errorf("record drift state: %w", err)
	}
	return nil
}

func (c *DriftChecker) logger() *slog.Logger {
	if c.Log == nil {
		return slog.Default()
	}
	return c.Log
}

// Run ticks every interval until ctx ends.
func (c *DriftChecker) Run(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := c.Tick(ctx); err != nil && ctx.Err() == nil {
			c.logger().WarnContext(ctx, "drift detection", "err", err)
		}
	}
}
