package job

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/kiln-gitops/kiln/check"
)

// PushHandler reconciles a push to an environment's branch (a merge):
// apply, then bake the pipelines whose inputs changed.
type PushHandler struct{ *Deps }

// Handles implements webhook.EventHandler.
func (h *PushHandler) Handles() []string { return []string{"push"} }

// Handle implements webhook.EventHandler.
func (h *PushHandler) Handle(ctx context.Context, _, _ string, payload []byte) error {
	var ev github.PushEvent
	if err := decode(payload, &ev); err != nil {
		return err
	}
	branch, ok := strings.CutPrefix(ev.GetRef(), "refs/heads/")
	if !ok || ev.GetDeleted() || ev.GetAfter() == "" || strings.Trim(ev.GetAfter(), "0") == "" {
		return nil
	}
	repo := pushRepo(&ev)
	gh, err := h.GitHub(ctx, repo)
	if err != nil {
		return fmt.Errorf("github for %s: %w", repo.FullName(), err)
	}
	tree, err := h.fetch(ctx, gh, repo.CloneURL, ev.GetRef(), ev.GetAfter())
	if err != nil {
		return fmt.Errorf("fetch %s: %w", ev.GetRef(), err)
	}
	// The merged commit is now the base: its own policies and settings
	// apply. Immutability against Image Builder is the plan's business.
	res, err := h.Checker.Run(ctx, check.Input{Head: tree, Now: h.now()})
	if err != nil {
		return fmt.Errorf("check %s: %w", ev.GetAfter(), err)
	}
	envs := res.Config.Environments.ForBranch(branch)
	if len(envs) == 0 {
		return nil
	}
	// The pull request a merge came from gets the bake results; the
	// closed event records it too, whichever arrives first.
	if pr := pullRequestFromMessage(ev.GetHeadCommit().GetMessage()); pr != 0 {
		if err := recordMerge(ctx, h.State, repo.FullName(), ev.GetAfter(), pr); err != nil {
			return err
		}
	}
	for _, env := range envs {
		err := h.applyAndBake(ctx, bakeRequest{
			repo: repo, gh: gh, res: res, env: env, commit: ev.GetAfter(),
			bake: res.Config.Bake.BakeOnMerge(),
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// pushRepo is the repository of a push; push payloads name the owner by
// name where other events use the login.
func pushRepo(ev *github.PushEvent) Repo {
	repo := Repo{
		Owner: ev.GetRepo().GetOwner().GetLogin(), Name: ev.GetRepo().GetName(),
		CloneURL: ev.GetRepo().GetCloneURL(), Installation: ev.GetInstallation().GetID(),
	}
	if repo.Owner == "" {
		repo.Owner = ev.GetRepo().GetOwner().GetName()
	}
	return repo
}
