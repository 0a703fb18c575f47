package e2e

import (
	"fmt"
)

// openPR commits changes on a new branch off main, opens pull request
// number from it and returns the head commit.
func (w *world) openPR(number int, branch string, changes map[string]string, fork bool) string {
	w.t.Helper()
	w.gh.Branch(owner, repoName, "main", branch)
	head := w.gh.Commit(owner, repoName, branch, changes)
	w.gh.PullRequest(owner, repoName, number, branch, "main", fork)
	return head
}

// prEvent is a pull_request delivery (opened, synchronize, closed …) for
// pull request number from branch at head.
func (w *world) prEvent(action string, number int, branch, head string, mutate func(pr map[string]any)) delivery {
	w.t.Helper()
	return w.newDelivery("pull_request", action, number, head, func(p map[string]any) {
		pr := p["pull_request"].(map[string]any)
		pr["head"].(map[string]any)["ref"] = branch
		base := pr["base"].(map[string]any)
		base["ref"] = "main"
		pr["state"], pr["merged"], pr["merge_commit_sha"] = "open", false, nil
		if mutate != nil {
			mutate(pr)
		}
	})
}

// pushEvent is a push delivery of commit after to branch, with the head
// commit's message (GitHub's merge commits name their pull request).
func (w *world) pushEvent(branch, before, after, message string) delivery {
	w.t.Helper()
	return w.newDelivery("push", "", 0, after, func(p map[string]any) {
		p["ref"] = "refs/heads/" + branch
		p["before"] = before
		p["created"], p["deleted"], p["forced"] = false, false, false
		p["commits"] = []any{}
		hc := p["head_commit"].(map[string]any)
		hc["id"], hc["message"] = after, message
		hc["added"], hc["removed"], hc["modified"] = []any{}, []any{}, []any{}
	})
}

// commentEvent is an issue_comment created delivery of comment id by user
// on pull request number.
func (w *world) commentEvent(number int, id int64, user, body string) delivery {
	w.t.Helper()
	return w.newDelivery("issue_comment", "created", number, "", func(p map[string]any) {
		c := p["comment"].(map[string]any)
		c["id"], c["body"] = id, body
		u := c["user"].(map[string]any)
		u["login"], u["type"] = user, "User"
		c["html_url"] = fmt.Sprintf("%s/%s/pull/%d#issuecomment-%d", w.gh.URL, fullName, number, id)
		p["sender"].(map[string]any)["login"] = user
	})
}
