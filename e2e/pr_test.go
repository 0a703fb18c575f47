package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/gh/ghtest"
	"github.com/kiln-gitops/kiln/report"
)

const checkTimeout = 60 * time.Second

// A pull request with a policy violation fails kiln/policy at the right
// line with the sticky comment; a fix turns the checks green and edits the
// same comment; a repeated delivery is processed once; a bad signature is
// refused with nothing posted.
func TestPullRequestChecksAndStickyComment(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	head := w.openPR(7, "imds-optional", imdsOptional(t), false)
	w.start()

	// A delivery signed with another secret: 401, nothing queued or posted.
	forged := w.prEvent("opened", 7, "imds-optional", head, nil)
	forged.header.Set("X-Hub-Signature-256", ghtest.Sign([]byte("not-the-secret"), forged.body))
	if got := w.post(forged); got != http.StatusUnauthorized {
		t.Fatalf("bad signature: status %d, want 401", got)
	}
	unsigned := w.prEvent("opened", 7, "imds-optional", head, nil)
	unsigned.header.Del("X-Hub-Signature-256")
	if got := w.post(unsigned); got != http.StatusUnauthorized {
		t.Fatalf("missing signature: status %d, want 401", got)
	}

	opened := w.prEvent("opened", 7, "imds-optional", head, nil)
	w.mustPost(opened)
	// The same delivery again (GitHub redelivers on a slow answer): kiln
	// acknowledges it and does nothing more.
	if got := w.post(opened); got != http.StatusOK && got != http.StatusAccepted {
		t.Fatalf("repeated delivery: status %d", got)
	}
	checks := w.waitChecks(checkTimeout, head, "kiln/validate", "kiln/policy", "kiln/plan")
	w.waitFor(checkTimeout, "the sticky comment", func() bool { return len(w.commentsWith(7, report.CommentMarker)) == 1 }, nil)
	w.idle()

	if c := checks["kiln/validate"].Conclusion; c != "success" {
		t.Errorf("kiln/validate: %s, want success (%s)", c, checks["kiln/validate"].Summary)
	}
	pol := checks["kiln/policy"]
	if pol.Conclusion != "failure" {
		t.Errorf("kiln/policy: %s, want failure", pol.Conclusion)
	}
	wantLine := lineOf(t, imdsOptional(t)[infraPath], "httpTokens: optional")
	found := false
	for _, a := range pol.Annotations {
		if a.Path == infraPath && a.StartLine == wantLine && strings.Contains(a.Title+a.Message, "KILN-INF-001") {
			found = true
		}
	}
	if !found {
		t.Errorf("kiln/policy has no KILN-INF-001 annotation at %s:%d; annotations: %+v", infraPath, wantLine, pol.Annotations)
	}

	sticky := w.commentsWith(7, report.CommentMarker)[0]
	for _, want := range []string{"KILN-INF-001", "```mermaid", "build-ami"} {
		if !strings.Contains(sticky.Body, want) {
			t.Errorf("sticky comment lacks %q:\n%s", want, sticky.Body)
		}
	}
	if got := w.metric("kiln_webhook_deliveries_total", `outcome="bad_signature"`); got != 2 {
		t.Errorf("deliveries with a bad signature counted %v, want 2", got)
	}
	if got := w.metric("kiln_webhook_deliveries_total", `outcome="duplicate"`); got != 1 {
		t.Errorf("deliveries counted as duplicates: %v, want 1", got)
	}
	if got := w.metric("kiln_job_duration_seconds_count", `event="pull_request"`); got != 1 {
		t.Errorf("pull_request jobs run: %v, want 1 (the repeated delivery must not run again)", got)
	}
	for _, name := range []string{"kiln/validate", "kiln/policy", "kiln/plan"} {
		if n := len(w.runs(head, name)); n != 1 {
			t.Errorf("%d %s check runs on the head, want 1:\n%s", n, name, w.describeChecks())
		}
	}

	// The author fixes it: a new head, green checks, the same comment.
	fixed := w.gh.Commit(owner, repoName, "imds-optional", imdsRequired(t))
	w.mustPost(w.prEvent("synchronize", 7, "imds-optional", fixed, nil))
	checks = w.waitChecks(checkTimeout, fixed, "kiln/validate", "kiln/policy")
	for _, name := range []string{"kiln/validate", "kiln/policy"} {
		if c := checks[name].Conclusion; c != "success" {
			t.Errorf("after the fix %s: %s, want success (%s)", name, c, checks[name].Summary)
		}
	}
	w.waitFor(checkTimeout, "the sticky comment to show the fixed head", func() bool {
		cs := w.commentsWith(7, report.CommentMarker)
		return len(cs) > 0 && strings.Contains(cs[0].Body, fixed[:7]) && !strings.Contains(cs[0].Body, "KILN-INF-001")
	}, func() string { return "comments: " + commentBodies(w.gh.Comments(fullName, 7)) })
	w.idle()
	cs := w.commentsWith(7, report.CommentMarker)
	if len(cs) != 1 {
		t.Fatalf("%d sticky comments, want 1 edited in place", len(cs))
	}
	if cs[0].ID != sticky.ID || cs[0].Edits == 0 {
		t.Errorf("sticky comment %d (edits %d), want comment %d edited", cs[0].ID, cs[0].Edits, sticky.ID)
	}
}

// kiln killed with SIGKILL right after answering 202 still posts the
// checks, once, when it comes back on the same data directory.
func TestKilledAfterAcceptIsDoneOnceAfterRestart(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	head := w.openPR(3, "imds-optional", imdsOptional(t), false)
	// The job's first look at the check runs hits a secondary rate limit
	// that asks for a pause, so the kill lands before any check is posted.
	w.gh.Inject(ghtest.Fault{Operation: "checks/list-for-ref", Status: http.StatusForbidden, RetryAfter: 3 * time.Second})
	w.start()
	d := w.prEvent("opened", 3, "imds-optional", head, nil)
	w.mustPost(d)
	w.kill()
	if runs := w.gh.CheckRuns(fullName); len(runs) != 0 {
		t.Fatalf("kiln posted check runs before it was killed; the kill came too late:\n%s", w.describeChecks())
	}

	w.start()
	checks := w.waitChecks(checkTimeout, head, "kiln/validate", "kiln/policy")
	w.idle()
	if checks["kiln/validate"].Conclusion != "success" || checks["kiln/policy"].Conclusion != "failure" {
		t.Errorf("validate %s, policy %s; want success, failure", checks["kiln/validate"].Conclusion, checks["kiln/policy"].Conclusion)
	}
	for _, name := range []string{"kiln/validate", "kiln/policy"} {
		if n := len(w.runs(head, name)); n != 1 {
			t.Errorf("%d %s check runs for delivery %s, want 1:\n%s", n, name, d.id(), w.describeChecks())
		}
	}
	if n := len(w.commentsWith(3, report.CommentMarker)); n != 1 {
		t.Errorf("%d sticky comments, want 1", n)
	}
}

// GitHub answering 5xx, a secondary rate limit (403) and 429 with
// Retry-After on check-run calls delays the results but does not change
// them.
func TestGitHubFaultsStillGiveCorrectResults(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	head := w.openPR(5, "imds-optional", imdsOptional(t), false)
	w.gh.Inject(ghtest.Fault{Operation: "checks/create", Status: http.StatusBadGateway, Times: 2})
	w.gh.Inject(ghtest.Fault{Operation: "checks/create", Status: http.StatusForbidden, RetryAfter: time.Second})
	w.gh.Inject(ghtest.Fault{Operation: "checks/create", Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	w.gh.Inject(ghtest.Fault{Operation: "checks/update", Status: http.StatusInternalServerError})
	w.gh.Inject(ghtest.Fault{Operation: "issues/create-comment", Status: http.StatusServiceUnavailable})
	w.start()
	w.mustPost(w.prEvent("opened", 5, "imds-optional", head, nil))

	checks := w.waitChecks(checkTimeout, head, "kiln/validate", "kiln/policy", "kiln/plan")
	w.waitFor(checkTimeout, "the sticky comment", func() bool { return len(w.commentsWith(5, report.CommentMarker)) == 1 }, nil)
	w.idle()
	if checks["kiln/validate"].Conclusion != "success" || checks["kiln/policy"].Conclusion != "failure" {
		t.Errorf("validate %s, policy %s; want success, failure", checks["kiln/validate"].Conclusion, checks["kiln/policy"].Conclusion)
	}
	for _, name := range []string{"kiln/validate", "kiln/policy", "kiln/plan"} {
		runs := w.runs(head, name)
		if len(runs) != 1 {
			t.Errorf("%d %s check runs, want 1:\n%s", len(runs), name, w.describeChecks())
		}
	}
	if n := len(w.commentsWith(5, report.CommentMarker)); n != 1 {
		t.Errorf("%d sticky comments, want 1", n)
	}
	faulted := 0
	for _, r := range w.gh.Requests() {
		if r.Status >= 400 {
			faulted++
		}
	}
	if faulted < 6 {
		t.Errorf("only %d requests failed; the injected faults were not all hit", faulted)
	}
}

// `/kiln bake` on a pull request from a fork is refused, by the author
// too: forks never bake.
func TestForkBakeIsRefused(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	w.openPR(11, "fork-change", imdsRequired(t), true)
	w.gh.SetPermission(fullName, "contributor", "write")
	w.start()

	id := w.gh.AddComment(fullName, 11, "contributor", "/kiln bake")
	w.mustPost(w.commentEvent(11, id, "contributor", "/kiln bake"))
	w.waitFor(checkTimeout, "a refusal", func() bool {
		for _, c := range w.gh.Comments(fullName, 11) {
			if c.User == ghtest.BotLogin && strings.Contains(c.Body, "refused") {
				return true
			}
		}
		return false
	}, func() string { return commentBodies(w.gh.Comments(fullName, 11)) })
	w.idle()

	var reply string
	for _, c := range w.gh.Comments(fullName, 11) {
		if c.User == ghtest.BotLogin {
			reply = c.Body
		}
	}
	if !strings.Contains(reply, "forks never bake") || !strings.Contains(reply, "@contributor") {
		t.Errorf("reply %q does not say forks never bake to @contributor", reply)
	}
	eyes := false
	for _, r := range w.gh.Reactions(fullName, id) {
		eyes = eyes || r.Content == "eyes"
	}
	if !eyes {
		t.Errorf("no eyes reaction on the command: %+v", w.gh.Reactions(fullName, id))
	}
	if imgs := w.ib.Images(); len(imgs) != 0 {
		t.Errorf("a fork's bake started images: %+v", imgs)
	}
	if n := w.ib.Calls()["CreateComponent"]; n != 0 {
		t.Errorf("a fork's bake created %d components", n)
	}
}

// A component whose content changed without a version bump fails
// kiln/validate and gets a review comment suggesting the bump.
func TestChangeWithoutBumpGetsSuggestion(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	head := w.openPR(9, "java-retries", javaContentOnly(t), false)
	w.start()
	w.mustPost(w.prEvent("opened", 9, "java-retries", head, nil))

	checks := w.waitChecks(checkTimeout, head, "kiln/validate", "kiln/policy")
	w.waitFor(checkTimeout, "a review comment", func() bool { return len(w.gh.ReviewComments(fullName, 9)) > 0 }, func() string {
		return w.describeChecks()
	})
	w.idle()
	if c := checks["kiln/validate"].Conclusion; c != "failure" {
		t.Errorf("kiln/validate: %s, want failure", c)
	}
	rcs := w.gh.ReviewComments(fullName, 9)
	if len(rcs) != 1 {
		t.Fatalf("%d review comments, want 1: %+v", len(rcs), rcs)
	}
	rc := rcs[0]
	wantLine := lineOf(t, exampleFiles(t)[javaComponent], "version: 1.4.0")
	if rc.Path != javaComponent || rc.Line != wantLine || rc.CommitID != head {
		t.Errorf("review comment on %s:%d at %.7s, want %s:%d at %.7s", rc.Path, rc.Line, rc.CommitID, javaComponent, wantLine, head)
	}
	if !strings.Contains(rc.Body, "```suggestion\n") || !strings.Contains(rc.Body, "version: 1.4.1") {
		t.Errorf("review comment does not suggest version 1.4.1:\n%s", rc.Body)
	}
}

func commentBodies(cs []ghtest.Comment) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString("--- " + c.User + ":\n" + c.Body + "\n")
	}
	return b.String()
}

// "Re-run all checks" in GitHub's UI (check_suite rerequested) runs the
// checks of the pull request again.
func TestRerunRedoesChecks(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	head := w.openPR(8, "imds-optional", imdsOptional(t), false)
	w.start()
	w.mustPost(w.prEvent("opened", 8, "imds-optional", head, nil))
	w.waitChecks(checkTimeout, head, "kiln/validate", "kiln/policy")
	w.idle()

	w.mustPost(w.newDelivery("check_suite", "rerequested", 8, head, nil))
	w.waitFor(checkTimeout, "a second kiln/policy run completed", func() bool {
		n := 0
		for _, cr := range w.runs(head, "kiln/policy") {
			if cr.Status == "completed" {
				n++
			}
		}
		return n == 2
	}, w.describeChecks)
	w.idle()
	for _, cr := range w.runs(head, "kiln/policy") {
		if cr.Conclusion != "failure" {
			t.Errorf("kiln/policy run %d: %s, want failure", cr.ID, cr.Conclusion)
		}
	}
	if n := len(w.commentsWith(8, report.CommentMarker)); n != 1 {
		t.Errorf("%d sticky comments after the re-run, want 1", n)
	}
}
