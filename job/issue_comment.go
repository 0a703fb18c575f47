package job

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/kiln-gitops/kiln/model"
)

// IssueCommentHandler runs `/kiln` commands from pull request comments. It
// reacts at once and answers when done.
type IssueCommentHandler struct{ *Deps }

// Handles implements webhook.EventHandler.
func (h *IssueCommentHandler) Handles() []string { return []string{"issue_comment"} }

// Handle implements webhook.EventHandler.
func (h *IssueCommentHandler) Handle(ctx context.Context, _, delivery string, payload []byte) error {
	var ev github.IssueCommentEvent
	if err := decode(payload, &ev); err != nil {
		return err
	}
	if ev.GetAction() != "created" || !ev.GetIssue().IsPullRequest() {
		return nil
	}
	if ev.GetComment().GetUser().GetType() == "Bot" {
		return nil // never answer ourselves or other bots
	}
	cmd, ok, perr := ParseCommand(ev.GetComment().GetBody())
	if !ok {
		return nil
	}
	repo := repoOf(ev.GetRepo(), ev.GetInstallation())
	gh, err := h.GitHub(ctx, repo)
	if err != nil {
		return fmt.Errorf("github for %s: %w", repo.FullName(), err)
	}
	number := ev.GetIssue().GetNumber()
	user := ev.GetComment().GetUser().GetLogin()
	if err := gh.React(ctx, ev.GetComment().GetID(), "eyes"); err != nil {
		return fmt.Errorf("react: %w", err)
	}
	answer := func(body string) error { return gh.Answer(ctx, number, ev.GetComment().GetID(), body) }
	if perr != nil {
		return answer(fmt.Sprintf("@%s %v.\n\n%s", user, perr, HelpText))
	}
	switch cmd.Verb {
	case "help":
		return answer(HelpText)
	case "plan":
		pr, err := gh.PullRequest(ctx, number)
		if err != nil {
			return fmt.Errorf("read #%d: %w", number, err)
		}
		if err := h.checkPullRequest(ctx, repo, pr, prChecksID(pr.Number), true); err != nil {
			return err
		}
		return answer(fmt.Sprintf("@%s the plan for `%s` is on the **kiln/plan** check run and in the kiln comment above.", user, short7(pr.HeadSHA)))
	case "bake":
		return h.prBake(ctx, gh, repo, number, user, cmd.Args, answer)
	}
	return nil
}

// prBake builds a pull request's head into the configured non-production
// environment, under the same rules as a merge: write permission, no forks,
// a head that passes its checks.
func (h *IssueCommentHandler) prBake(ctx context.Context, gh GitHub, repo Repo, number int, user string, pipelines []string, answer func(string) error) error {
	refuse := func(why string) error {
		return answer(fmt.Sprintf("@%s `/kiln bake` refused: %s", user, why))
	}
	pr, err := gh.PullRequest(ctx, number)
	if err != nil {
		return fmt.Errorf("read #%d: %w", number, err)
	}
	if pr.Fork {
		return refuse("pull requests from forks never bake.")
	}
	if pr.State == "closed" {
		return refuse("the pull request is closed.")
	}
	perm, err := gh.Permission(ctx, user)
	if err != nil {
		return fmt.Errorf("permission of %s: %w", user, err)
	}
	if !canBake(perm) {
		return refuse(fmt.Sprintf("baking needs write permission on %s; you have %s.", repo.FullName(), perm))
	}
	r := &prRun{Deps: h.Deps, gh: gh, repo: repo, pr: pr}
	res, err := r.checkTrees(ctx)
	if err != nil {
		return err
	}
	// The settings come from the base commit, so a PR cannot point its own
	// bake at production.
	envName := res.Config.Bake.PREnvironment
	if envName == "" {
		return refuse("no `bake.prEnvironment` is set in the base branch's .kiln.yaml.")
	}
	env, ok := res.Config.Environments.Get(envName)
	if !ok {
		return refuse(fmt.Sprintf("`bake.prEnvironment` names %q, which is not an environment.", envName))
	}
	if env.Production {
		return refuse(fmt.Sprintf("%s is a production environment; pull requests bake only into non-production ones.", envName))
	}
	if res.Failed() {
		return refuse("the head does not pass kiln/validate and kiln/policy.")
	}
	for _, p := range pipelines {
		if res.Head.Get(model.KindImagePipeline, p) == nil {
			return refuse(fmt.Sprintf("no pipeline %q; the pipelines are %s.", p, pipelineNames(res.Head)))
		}
	}
	err = h.applyAndBake(ctx, bakeRequest{repo: repo, gh: gh, res: res, env: env, commit: pr.HeadSHA, pr: number, pipelines: pipelines, bake: true})
	if err != nil {
		return err
	}
	what := "the pipelines whose inputs changed"
	if len(pipelines) > 0 {
		what = "`" + strings.Join(slices.Sorted(slices.Values(pipelines)), "`, `") + "`"
	}
	return answer(fmt.Sprintf("@%s baking %s of `%s` in **%s**; follow it on the **%s** check run.", user, what, short7(pr.HeadSHA), envName, CheckBake(envName)))
}

func short7(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
