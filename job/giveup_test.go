package job_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/gh"
	"github.com/kiln-gitops/kiln/gh/ghtest"
	"github.com/kiln-gitops/kiln/job"
	"github.com/kiln-gitops/kiln/webhook"
)

// internalErr is the kind of error that must never reach a check run or a
// comment: it names hosts, paths and credentials' whereabouts.
var internalErr = errors.New(`Get "https://10.1.2.3/internal/path?token=x": dial tcp 10.1.2.3:443: connection refused`)

// Every event type that gives up says so where users look — failed check
// runs on the commit, or an answer to the command — with a short reason
// and a log reference, never the raw error.
func TestEveryEventSaysItGaveUp(t *testing.T) {
	s := ghtest.New(t)
	clients, err := gh.New(gh.Config{AppID: s.AppID, PrivateKey: s.PrivateKeyPEM(), BaseURL: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	s.Commit("acme", "images", "main", map[string]string{"README.md": "x"})
	s.Branch("acme", "images", "main", "feature")
	head := s.Commit("acme", "images", "feature", map[string]string{"README.md": "y"})
	s.PullRequest("acme", "images", 7, "feature", "main", false)
	deps := &job.Deps{GitHub: clients.Factory()}
	handlers := map[string]webhook.GiveUpHandler{}
	for _, h := range job.Handlers(deps) {
		for _, ev := range h.Handles() {
			if g, ok := h.(webhook.GiveUpHandler); ok {
				handlers[ev] = g
			} else if ev != "installation" {
				t.Errorf("the %s handler never reports giving up", ev)
			}
		}
	}
	address := s.Address("acme", "images", 7, head)
	failed := func(sha, name string) ghtest.CheckRun {
		t.Helper()
		for _, cr := range s.CheckRuns("acme/images") {
			if cr.HeadSHA == sha && cr.Name == name && cr.Status == "completed" {
				return cr
			}
		}
		t.Fatalf("no completed %s on %.7s", name, sha)
		return ghtest.CheckRun{}
	}
	public := func(where, text string) {
		t.Helper()
		if strings.Contains(text, "10.1.2.3") || strings.Contains(text, "token=") {
			t.Errorf("%s shows the internal error: %s", where, text)
		}
		if !strings.Contains(text, "gave up") && !strings.Contains(text, "failed") {
			t.Errorf("%s does not say kiln gave up: %s", where, text)
		}
	}
	giveUp := func(event, action string, mutate func(map[string]any)) {
		t.Helper()
		body, h := ghtest.Delivery(t, event, action, func(p map[string]any) {
			address(p)
			if mutate != nil {
				mutate(p)
			}
		})
		handlers[event].GiveUp(context.Background(), event, h.Get("X-GitHub-Delivery"), body, internalErr)
	}

	giveUp("pull_request", "opened", nil)
	for _, name := range []string{job.CheckValidate, job.CheckPolicy, job.CheckPlan} {
		cr := failed(head, name)
		if cr.Conclusion != "failure" {
			t.Errorf("pull_request give-up: %s %s", name, cr.Conclusion)
		}
		public("pull_request give-up on "+name, cr.Summary)
	}

	cmd := s.AddComment("acme/images", 7, "alice", "/kiln plan")
	giveUp("issue_comment", "created", func(p map[string]any) {
		c := p["comment"].(map[string]any)
		c["id"], c["body"] = cmd, "/kiln plan"
		c["user"].(map[string]any)["type"] = "User"
	})
	var answer string
	for _, c := range s.Comments("acme/images", 7) {
		if strings.Contains(c.Body, gh.AnswerMarker(cmd)) {
			answer = c.Body
		}
	}
	if answer == "" {
		t.Error("issue_comment give-up: the command got no answer")
	}
	public("issue_comment give-up", answer)

	merge := s.Commit("acme", "images", "main", map[string]string{"README.md": "z"})
	giveUp("push", "", func(p map[string]any) { p["ref"], p["after"] = "refs/heads/main", merge })
	cr := failed(merge, job.CheckApply)
	public("push give-up", cr.Summary)

	rerun := s.Commit("acme", "images", "feature", map[string]string{"README.md": "w"})
	address = s.Address("acme", "images", 7, rerun)
	giveUp("check_suite", "rerequested", nil)
	public("check_suite give-up", failed(rerun, job.CheckPolicy).Summary)

}
