package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/gh"
	"github.com/kiln-gitops/kiln/gh/ghtest"
	"github.com/kiln-gitops/kiln/report"
)

// prChecks are the check runs a pull request's head gets.
var prChecks = []string{"kiln/validate", "kiln/policy", "kiln/plan"}

// With 25% of the answers to check-run and comment writes lost after GitHub
// made them (502s and dropped connections), four pull requests and a
// command on each still leave exactly one of each check run, one sticky
// comment per pull request and one answer per command.
func TestLostAnswersLeaveOneOfEach(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	heads := map[int]string{}
	for n := 4; n < 8; n++ {
		change := imdsOptional(t)
		change[fmt.Sprintf("notes/%d.md", n)] = "a commit of its own\n"
		heads[n] = w.openPR(n, fmt.Sprintf("change-%d", n), change, false)
	}
	for op, f := range map[string]ghtest.Fault{
		"checks/create":         {Status: http.StatusBadGateway},
		"checks/update":         {Drop: true},
		"issues/create-comment": {Drop: true},
		"issues/update-comment": {Status: http.StatusBadGateway},
	} {
		f.Operation, f.AfterWrite, f.Every = op, true, 4
		w.gh.Inject(f)
	}
	w.start()
	commands := map[int64]int{}
	for n, head := range heads {
		w.mustPost(w.prEvent("opened", n, fmt.Sprintf("change-%d", n), head, nil))
		body := []string{"/kiln plan", "/kiln help"}[n%2]
		id := w.gh.AddComment(fullName, n, "alice", body)
		commands[id] = n
		w.mustPost(w.commentEvent(n, id, "alice", body))
	}
	w.waitFor(2*checkTimeout, "checks, sticky comments and answers on every pull request", func() bool {
		for n, head := range heads {
			for _, name := range prChecks {
				if _, ok := w.completed(head, name); !ok {
					return false
				}
			}
			if len(w.commentsWith(n, report.CommentMarker)) == 0 {
				return false
			}
		}
		for id, n := range commands {
			if len(w.commentsWith(n, gh.AnswerMarker(id))) == 0 {
				return false
			}
		}
		return true
	}, w.describeChecks)
	w.idle()

	for n, head := range heads {
		for _, name := range prChecks {
			if k := len(w.runs(head, name)); k != 1 {
				t.Errorf("#%d: %d %s check runs, want 1:\n%s", n, k, name, w.describeChecks())
			}
		}
		if k := len(w.commentsWith(n, report.CommentMarker)); k != 1 {
			t.Errorf("#%d: %d sticky comments, want 1", n, k)
		}
	}
	for id, n := range commands {
		if k := len(w.commentsWith(n, gh.AnswerMarker(id))); k != 1 {
			t.Errorf("#%d: %d answers to command %d, want 1", n, k, id)
		}
	}
	writes := 0
	for _, r := range w.gh.Requests() {
		switch r.Operation {
		case "checks/create", "checks/update", "issues/create-comment", "issues/update-comment":
			writes++
		}
	}
	lost := w.gh.LostAnswers()
	t.Logf("%d of %d check-run and comment writes lost their answer after taking effect", lost, writes)
	if lost < writes/5 {
		t.Fatalf("only %d of %d answers lost: the faults were not hit", lost, writes)
	}
}

// `/kiln plan` on a commit that has its checks updates those check runs
// instead of adding a second set.
func TestPlanCommandUpdatesTheCommitsChecks(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	head := w.openPR(6, "imds-optional", imdsOptional(t), false)
	w.start()
	w.mustPost(w.prEvent("opened", 6, "imds-optional", head, nil))
	first := w.waitChecks(checkTimeout, head, prChecks...)
	w.idle()

	id := w.gh.AddComment(fullName, 6, "alice", "/kiln plan")
	w.mustPost(w.commentEvent(6, id, "alice", "/kiln plan"))
	w.waitFor(checkTimeout, "the answer to /kiln plan", func() bool { return len(w.commentsWith(6, gh.AnswerMarker(id))) == 1 }, nil)
	w.idle()
	for _, name := range prChecks {
		runs := w.runs(head, name)
		if len(runs) != 1 {
			t.Errorf("%d %s check runs after /kiln plan, want 1 updated:\n%s", len(runs), name, w.describeChecks())
			continue
		}
		if runs[0].ID != first[name].ID || runs[0].Updates <= first[name].Updates {
			t.Errorf("%s: run %d with %d updates, want run %d updated again (had %d)", name, runs[0].ID, runs[0].Updates, first[name].ID, first[name].Updates)
		}
	}
}

// Revoked installation tokens are replaced: after a revocation the next
// pull request still gets its checks, with one new token minted.
func TestRevokedTokenIsRemintedOnce(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	first := w.openPR(2, "first", imdsOptional(t), false)
	second := w.openPR(3, "second", imdsRequired(t), false)
	w.start()
	w.mustPost(w.prEvent("opened", 2, "first", first, nil))
	w.waitChecks(checkTimeout, first, prChecks...)
	w.idle()
	minted := w.gh.Operations()["apps/create-installation-access-token"]

	w.gh.RevokeTokens()
	w.mustPost(w.prEvent("opened", 3, "second", second, nil))
	checks := w.waitChecks(checkTimeout, second, prChecks...)
	w.idle()
	if c := checks["kiln/validate"].Conclusion; c != "success" {
		t.Errorf("kiln/validate after the revocation: %s", c)
	}
	if n := w.gh.Operations()["apps/create-installation-access-token"] - minted; n != 1 {
		t.Errorf("%d tokens minted after the revocation, want 1", n)
	}
	unauthorized := 0
	for _, r := range w.gh.Requests() {
		if r.Status == http.StatusUnauthorized {
			unauthorized++
		}
	}
	if unauthorized > 2 {
		t.Errorf("%d requests refused with 401, want the revoked token refused once or twice, not every job", unauthorized)
	}
}

// A primary rate limit longer than kiln waits in a request parks the job
// until the reset instead of spending its retries: with the installation's
// quota spent for 12 s (the job's retries would be over in 3 s), the checks
// still arrive after the reset, from the job's first attempt.
func TestRateLimitParksTheJob(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	head := w.openPR(9, "imds-optional", imdsOptional(t), false)
	w.start()
	reset := time.Now().Add(12 * time.Second)
	w.gh.ExhaustRateLimit(reset)
	d := w.prEvent("opened", 9, "imds-optional", head, nil)
	w.mustPost(d)
	checks := w.waitChecks(checkTimeout, head, prChecks...)
	w.idle()
	if time.Now().Before(reset) {
		t.Fatal("the checks arrived before the reset: the quota was not spent")
	}
	if c := checks["kiln/policy"].Conclusion; c != "failure" {
		t.Errorf("kiln/policy: %s, want failure (the real result, not a give-up)", c)
	}
	w.doneOnFirstAttempt(d)
}

// doneOnFirstAttempt requires that d's job finished on its first attempt
// (a parked job keeps its attempt) and was never given up.
func (w *world) doneOnFirstAttempt(d delivery) {
	w.t.Helper()
	w.mu.Lock()
	var logs string
	for _, l := range w.logs {
		logs += l.String()
	}
	w.mu.Unlock()
	done := false
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, `"delivery":"`+d.id()+`"`) {
			continue
		}
		if strings.Contains(line, `"msg":"job done"`) {
			done = true
			if !strings.Contains(line, `"attempt":1,`) {
				w.t.Errorf("the job finished on another attempt than its first: %s", line)
			}
		}
		if strings.Contains(line, "gave up") {
			w.t.Errorf("the job was given up: %s", line)
		}
	}
	if !done {
		w.t.Fatalf("no job done line for %s", d.id())
	}
}

// A burst of commands across two SIGKILLs of kiln is answered exactly
// once each: a job cut off after its answer was posted finds the answer
// when it runs again.
func TestCommandsAcrossKillsAnsweredOnce(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	head := w.openPR(12, "imds-optional", imdsOptional(t), false)
	w.start()
	commands := map[int64]string{}
	post := func(n int) {
		for range n {
			body := []string{"/kiln help", "/kiln plan"}[len(commands)%2]
			id := w.gh.AddComment(fullName, 12, "alice", body)
			commands[id] = body
			w.mustPost(w.commentEvent(12, id, "alice", body))
		}
	}
	post(8)
	time.Sleep(300 * time.Millisecond)
	w.kill()
	w.start()
	post(8)
	time.Sleep(300 * time.Millisecond)
	w.kill()
	w.start()
	w.waitFor(3*checkTimeout, "an answer to every command", func() bool {
		for id := range commands {
			if len(w.commentsWith(12, gh.AnswerMarker(id))) == 0 {
				return false
			}
		}
		return true
	}, func() string { return commentBodies(w.gh.Comments(fullName, 12)) })
	w.idle()
	for id, body := range commands {
		if n := len(w.commentsWith(12, gh.AnswerMarker(id))); n != 1 {
			t.Errorf("%q (comment %d) answered %d times, want once", body, id, n)
		}
	}
	for _, name := range prChecks {
		if n := len(w.runs(head, name)); n != 1 {
			t.Errorf("%d %s check runs after 8 plans across two kills, want 1", n, name)
		}
	}
}

// A token revoked while kiln holds it is replaced when Git refuses it,
// too: a merge whose job starts with the fetch (no API call to notice the
// 401 first) is still applied, with one new token.
func TestRevokedTokenRefusedByGitIsReplaced(t *testing.T) {
	w := newWorld(t)
	first := w.seedExamples()
	w.start()
	// A first job mints and caches a token.
	w.mustPost(w.pushEvent("main", strings.Repeat("0", 40), first, "Initial import"))
	w.waitFor(checkTimeout, "the first merge's bake check run", func() bool { return len(w.runs(first, bakeCheck)) == 1 }, w.describeChecks)
	w.idle()
	minted := w.gh.Operations()["apps/create-installation-access-token"]

	w.gh.RevokeTokens()
	next := w.gh.Commit(owner, repoName, "main", map[string]string{"README.md": "revoked\n"})
	d := w.pushEvent("main", first, next, "Docs")
	w.mustPost(d)
	w.waitFor(checkTimeout, "the second merge's bake check run", func() bool { return len(w.runs(next, bakeCheck)) == 1 }, w.describeChecks)
	w.idle()
	w.doneOnFirstAttempt(d)
	if n := w.gh.Operations()["apps/create-installation-access-token"] - minted; n != 1 {
		t.Errorf("%d tokens minted after the revocation, want 1", n)
	}
}
