package job

import (
	"context"
	"errors"
	"fmt"

	"github.com/kiln-gitops/kiln/queue"
	"github.com/kiln-gitops/kiln/reconciler"
)

// canBake reports whether a user may start or stop bakes.
func canBake(perm string) bool {
	switch perm {
	case "admin", "maintain", "write":
		return true
	}
	return false
}

// bakeAction carries out a button on a bake check run: retry the failed
// bakes of the group, or cancel the running ones.
func (d *Deps) bakeAction(ctx context.Context, repo Repo, user, env, commit, action string) error {
	gh, err := d.GitHub(ctx, repo)
	if err != nil {
		return fmt.Errorf("github for %s: %w", repo.FullName(), err)
	}
	perm, err := gh.Permission(ctx, user)
	if err != nil {
		return fmt.Errorf("permission of %s: %w", user, err)
	}
	log := d.logger(ctx).With("repo", repo.FullName(), "env", env, "sha", commit, "user", user, "action", action)
	if !canBake(perm) {
		log.Info("bake action refused: no write permission", "permission", perm)
		return nil
	}
	if d.Environments == nil {
		return queue.Permanent(errors.New("bake action: no AWS credentials"))
	}
	ib, _, err := d.OpenEnvironment(ctx, repo.FullName(), env)
	if err != nil {
		return fmt.Errorf("open %s: %w", env, err)
	}
	store := BakeStore{d.State}
	group, err := store.Group(ctx, repo.FullName(), env, commit)
	if err != nil {
		return err
	}
	var errs []error
	switch action {
	case "cancel":
		for _, b := range group {
			if !b.Terminal() {
				errs = append(errs, ib.CancelImage(ctx, b.ImageArn))
			}
		}
	case "retry":
		attempt := 0
		for _, b := range group {
			attempt = max(attempt, b.Attempt+1)
		}
		// The finished run keeps its result; the retry reports on a new one.
		var id int64
		var restarted []reconciler.BakeRecord
		for _, b := range group {
			if b.State != "FAILED" && b.State != "CANCELLED" {
				restarted = append(restarted, b)
				continue
			}
			if id == 0 {
				if id, err = gh.StartCheckRun(ctx, CheckBake(env), commit, bakeExternalID(env, commit, attempt)); err != nil {
					return fmt.Errorf("start %s: %w", CheckBake(env), err)
				}
			}
			b.Attempt, b.CheckRunID = attempt, id
			nb, err := reconciler.StartBake(ctx, ib, store, b, d.now())
			errs = append(errs, err)
			restarted = append(restarted, nb)
		}
		if id != 0 {
			errs = append(errs, gh.UpdateCheckRun(ctx, id, CheckBake(env), bakeCheckRun(env, restarted)))
		}
	default:
		log.Info("unknown bake action")
	}
	return errors.Join(errs...)
}
