package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/gh/ghtest"
	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
)

// checkRunEvent is a check_run delivery about run, as GitHub sends it when
// user presses one of its buttons (requested_action) or re-runs it.
func (w *world) checkRunEvent(action string, run ghtest.CheckRun, user, identifier string) delivery {
	w.t.Helper()
	return w.newDelivery("check_run", action, 0, run.HeadSHA, func(p map[string]any) {
		cr := p["check_run"].(map[string]any)
		cr["id"], cr["name"], cr["external_id"], cr["head_sha"] = run.ID, run.Name, run.ExternalID, run.HeadSHA
		cr["status"], cr["conclusion"] = run.Status, nullIfEmpty(run.Conclusion)
		cr["pull_requests"] = []any{}
		if identifier != "" {
			p["requested_action"] = map[string]any{"identifier": identifier}
		}
		p["sender"].(map[string]any)["login"] = user
	})
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// The Retry button on a failed bake check run starts the failed builds
// again, reported on a new check run, when the user may write.
func TestRetryButtonRebakesFailedBuilds(t *testing.T) {
	w := newWorld(t)
	base := w.seedExamples()
	w.ib.Inject(ibtest.Fault{Kind: ibtest.FailBuildInTesting, Times: 3})
	w.gh.SetPermission(fullName, "maintainer", "write")
	w.gh.SetPermission(fullName, "visitor", "read")
	w.start()
	w.mustPost(w.pushEvent("main", strings.Repeat("0", 40), base, "Initial import"))
	w.imagesStarted(1)
	w.idle() // the push job has started every bake it will
	failedImages := w.ib.Images()
	failed := w.bakeToEnd(base)
	if failed.Conclusion != "failure" {
		t.Fatalf("first bake: %s, want failure (3 builds injected to fail)", failed.Conclusion)
	}

	// Someone who may only read presses Retry: nothing happens.
	w.mustPost(w.checkRunEvent("requested_action", failed, "visitor", "retry"))
	w.idle()
	if n := len(w.ib.Images()); n != len(failedImages) {
		t.Fatalf("a reader's retry started builds: %d images, want %d", n, len(failedImages))
	}

	w.mustPost(w.checkRunEvent("requested_action", failed, "maintainer", "retry"))
	w.imagesStarted(2 * len(failedImages))
	w.idle()
	var retried ghtest.CheckRun
	w.waitFor(bakeTimeout, "the retry's check run to complete", func() bool {
		for _, cr := range w.runs(base, bakeCheck) {
			if cr.ID != failed.ID && cr.Status == "completed" {
				retried = cr
				return true
			}
		}
		w.ib.Advance(3 * time.Minute)
		return false
	}, w.describeChecks)
	w.idle()
	if retried.Conclusion != "success" {
		t.Errorf("retried bake: %s %q\n%s", retried.Conclusion, retried.Title, retried.Text)
	}
	if !strings.Contains(retried.Text, "ami-") {
		t.Errorf("retried bake shows no AMI:\n%s", retried.Text)
	}
	if n := len(w.runs(base, bakeCheck)); n != 2 {
		t.Errorf("%d bake check runs, want 2 (the failed one and the retry)", n)
	}
	if got := len(w.ib.Images()); got != 2*len(failedImages) {
		t.Errorf("%d images, want %d", got, 2*len(failedImages))
	}
	for _, cr := range w.runs(base, bakeCheck) {
		if cr.ID == failed.ID && cr.Conclusion != "failure" {
			t.Errorf("the failed run changed to %s; it must keep its result", cr.Conclusion)
		}
	}
}

// `/kiln bake` on a pull request by a user who may write bakes the PR's
// head into the pull-request environment and reports on its head commit.
func TestBakeCommandBakesPullRequestHead(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	head := w.openPR(21, "java-bump", javaBump(t), false)
	w.gh.SetPermission(fullName, "maintainer", "write")
	w.start()

	id := w.gh.AddComment(fullName, 21, "maintainer", "/kiln bake al2023-java")
	w.mustPost(w.commentEvent(21, id, "maintainer", "/kiln bake al2023-java"))
	w.imagesStarted(1)
	w.idle()
	images := w.ib.Images()
	if len(images) != 1 || !strings.Contains(images[0].PipelineArn, "al2023-java") {
		t.Fatalf("images %+v, want one of al2023-java", images)
	}
	run := w.bakeToEnd(head)
	w.idle()
	if run.Conclusion != "success" {
		t.Fatalf("PR bake: %s %q\n%s", run.Conclusion, run.Title, run.Text)
	}
	for _, ami := range w.amis(t, images[0].Arn) {
		if !strings.Contains(run.Text, ami) {
			t.Errorf("PR bake check run does not show %s:\n%s", ami, run.Text)
		}
	}
	var replies []string
	for _, c := range w.gh.Comments(fullName, 21) {
		if c.User == ghtest.BotLogin {
			replies = append(replies, c.Body)
		}
	}
	joined := strings.Join(replies, "\n---\n")
	if !strings.Contains(joined, "@maintainer baking `al2023-java`") {
		t.Errorf("no answer to the command:\n%s", joined)
	}
	if n := len(w.commentsWith(21, fmt.Sprintf("<!-- kiln:bake staging %s -->", head))); n != 1 {
		t.Errorf("%d bake result comments on the PR, want 1:\n%s", n, joined)
	}
	if len(w.gh.Reactions(fullName, id)) == 0 {
		t.Errorf("no reaction on the command")
	}
}

// The Cancel button on a running bake cancels its builds, and the check
// run ends as cancelled builds.
func TestCancelButtonStopsBuilds(t *testing.T) {
	w := newWorld(t)
	base := w.seedExamples()
	w.gh.SetPermission(fullName, "maintainer", "write")
	w.start()
	w.mustPost(w.pushEvent("main", strings.Repeat("0", 40), base, "Initial import"))
	w.imagesStarted(1)
	w.idle()
	w.ib.Advance(4 * time.Minute) // PENDING (1 min), CREATING (2 min) → BUILDING
	var running ghtest.CheckRun
	w.waitFor(bakeTimeout, "the bake check run to show BUILDING", func() bool {
		runs := w.runs(base, bakeCheck)
		if len(runs) == 1 && strings.Contains(runs[0].Text, "BUILDING") {
			running = runs[0]
			return true
		}
		return false
	}, w.describeChecks)

	w.mustPost(w.checkRunEvent("requested_action", running, "maintainer", "cancel"))
	w.idle()
	var done ghtest.CheckRun
	w.waitFor(bakeTimeout, "the bake check run to end", func() bool {
		cr, ok := w.completed(base, bakeCheck)
		done = cr
		return ok
	}, w.describeChecks)
	if done.Conclusion != "cancelled" || !strings.Contains(done.Title, "3 of 3 cancelled") {
		t.Errorf("cancelled bake: %s %q, want cancelled with the cancelled count", done.Conclusion, done.Title)
	}
	for _, im := range w.ib.Images() {
		if im.Status != "CANCELLED" {
			t.Errorf("image %s is %s, want CANCELLED", im.Arn, im.Status)
		}
	}
}
