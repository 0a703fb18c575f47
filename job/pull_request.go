package job

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/go-github/v62/github"

	"github.com/kiln-gitops/kiln/queue"
)

// PullRequestHandler checks pull request heads.
type PullRequestHandler struct{ *Deps }

// Handles implements webhook.EventHandler.
func (h *PullRequestHandler) Handles() []string { return []string{"pull_request"} }

// Handle implements webhook.EventHandler.
func (h *PullRequestHandler) Handle(ctx context.Context, _, delivery string, payload []byte) error {
	var ev github.PullRequestEvent
	if err := decode(payload, &ev); err != nil {
		return err
	}
	repo := repoOf(ev.GetRepo(), ev.GetInstallation())
	pr := pullRequestOf(ev.GetPullRequest(), ev.GetRepo())
	switch ev.GetAction() {
	case "opened", "synchronize", "reopened", "ready_for_review":
		return h.checkPullRequest(ctx, repo, pr, prChecksID(pr.Number), true)
	case "closed":
		// The push of the merge commit applies and bakes; remember which
		// pull request it came from, for the results.
		if pr.Merged {
			return recordMerge(ctx, h.State, repo.FullName(), pr.MergeSHA, pr.Number)
		}
	}
	return nil
}

func repoOf(r *github.Repository, inst *github.Installation) Repo {
	return Repo{Owner: r.GetOwner().GetLogin(), Name: r.GetName(), CloneURL: r.GetCloneURL(), Installation: inst.GetID()}
}

func pullRequestOf(pr *github.PullRequest, base *github.Repository) PullRequest {
	return PullRequest{
		Number:   pr.GetNumber(),
		HeadSHA:  pr.GetHead().GetSHA(),
		HeadRef:  pr.GetHead().GetRef(),
		BaseSHA:  pr.GetBase().GetSHA(),
		BaseRef:  pr.GetBase().GetRef(),
		Fork:     pr.GetHead().GetRepo().GetFullName() != base.GetFullName(),
		Merged:   pr.GetMerged(),
		MergeSHA: pr.GetMergeCommitSHA(),
		State:    pr.GetState(),
	}
}

// decode reads a webhook payload; a payload that does not decode is not
// retried, since it will never decode.
func decode(payload []byte, v any) error {
	if err := json.Unmarshal(payload, v); err != nil {
		return queue.Permanent(fmt.Errorf("decode payload: %w", err))
	}
	return nil
}
