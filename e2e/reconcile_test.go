package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/gh/ghtest"
	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
)

const (
	bakeCheck   = "kiln/bake (staging)"
	bakeTimeout = 60 * time.Second
)

// imagesStarted waits until n images exist in the emulator.
func (w *world) imagesStarted(n int) {
	w.t.Helper()
	w.waitFor(bakeTimeout, fmt.Sprintf("%d images started", n), func() bool { return len(w.ib.Images()) >= n },
		func() string { return fmt.Sprintf("images: %+v\n%s", w.ib.Images(), w.describeChecks()) })
}

// bakeToEnd moves the emulator's clock on, a few virtual minutes per look,
// until the bake check run on sha is completed, and returns it.
func (w *world) bakeToEnd(sha string) ghtest.CheckRun {
	w.t.Helper()
	var run ghtest.CheckRun
	w.waitFor(bakeTimeout, "the bake check run to complete on "+sha[:7], func() bool {
		if cr, ok := w.completed(sha, bakeCheck); ok {
			run = cr
			return true
		}
		w.ib.Advance(3 * time.Minute)
		return false
	}, func() string { return fmt.Sprintf("images: %+v\n%s", w.ib.Images(), w.describeChecks()) })
	return run
}

// mergeMessage is the message GitHub gives a merge commit.
func mergeMessage(pr int, branch string) string {
	return fmt.Sprintf("Merge pull request #%d from %s/%s\n\nthe change", pr, owner, branch)
}

// closedMerged is the pull_request closed delivery of a merged PR.
func (w *world) closedMerged(number int, branch, head, mergeSHA string) delivery {
	return w.prEvent("closed", number, branch, head, func(pr map[string]any) {
		pr["state"], pr["merged"], pr["merge_commit_sha"] = "closed", true, mergeSHA
	})
}

// The whole lifecycle: the PR's plan shows the bump and the pipeline that
// bakes; the merge is applied with kiln's tags, baked once although the
// push arrives twice, and the AMI ids land on the merge commit's check run
// and on the merged PR.
func TestMergeAppliesBakesAndReportsAMIs(t *testing.T) {
	w := newWorld(t)
	base := w.seedExamples()
	w.start()

	// What main already holds is applied and baked first, as after any
	// earlier merge.
	w.mustPost(w.pushEvent("main", strings.Repeat("0", 40), base, "Initial import of the golden images"))
	w.imagesStarted(1)
	w.idle() // the push job has started every bake it will
	seeded := w.ib.Images()
	if run := w.bakeToEnd(base); run.Conclusion != "success" {
		t.Fatalf("baking main: %s %q\n%s", run.Conclusion, run.Title, run.Text)
	}
	w.idle()
	seededImages := len(w.ib.Images())
	if seededImages != len(seeded) {
		t.Fatalf("images %d after the first bake finished, %d when it started", seededImages, len(seeded))
	}

	head := w.openPR(12, "java-bump", javaBump(t), false)
	w.mustPost(w.prEvent("opened", 12, "java-bump", head, nil))
	plan := w.waitChecks(checkTimeout, head, "kiln/plan")["kiln/plan"]
	planText := plan.Summary + "\n" + plan.Text
	for _, want := range []string{"Component/java-runtime@1.5.0", "ImageRecipe/al2023-java@1.3.0", "Pipelines that bake on merge", "`al2023-java`"} {
		if !strings.Contains(planText, want) {
			t.Errorf("kiln/plan lacks %q:\n%s", want, planText)
		}
	}
	if line := lineWith(planText, "Component/java-runtime@1.5.0"); !strings.Contains(line, "create") {
		t.Errorf("plan line for the new component does not say create: %q", line)
	}
	if strings.Contains(planText, "- `al2023-base`") {
		t.Errorf("the plan bakes al2023-base, whose inputs did not change:\n%s", planText)
	}
	w.idle()
	// The plan asked for dryRun verdicts; from here on creates are real.
	creates := w.ib.Calls()["CreateComponent"]

	merge := w.gh.Merge(owner, repoName, 12)
	w.mustPost(w.closedMerged(12, "java-bump", head, merge))
	// GitHub may send the push twice, as two deliveries.
	w.mustPost(w.pushEvent("main", base, merge, mergeMessage(12, "java-bump")))
	w.mustPost(w.pushEvent("main", base, merge, mergeMessage(12, "java-bump")))
	w.imagesStarted(seededImages + 1)
	w.idle()
	images := w.ib.Images()
	if len(images) != seededImages+1 {
		t.Fatalf("%d images after the merge, want %d (one bake of al2023-java): %+v", len(images), seededImages+1, images)
	}
	newImage := images[slices.IndexFunc(images, func(im ibtest.ImageInfo) bool { return strings.Contains(im.Arn, "/1.3.0/") })]
	if !strings.Contains(newImage.PipelineArn, "al2023-java") {
		t.Errorf("the new image %s comes from %s, want the al2023-java pipeline", newImage.Arn, newImage.PipelineArn)
	}

	// Applied: the new component version, once, tagged by kiln.
	builds := w.componentBuilds(t)
	var javaBuilds []string
	for arn, tags := range builds {
		if strings.Contains(arn, "component/java-runtime/1.5.0/") {
			javaBuilds = append(javaBuilds, arn)
			for _, k := range []string{"kiln:managed", "kiln:digest", "kiln:repo", "kiln:commit"} {
				if tags[k] == "" {
					t.Errorf("%s lacks tag %s: %v", arn, k, tags)
				}
			}
			if tags["kiln:commit"] != merge || tags["kiln:repo"] != fullName {
				t.Errorf("%s tagged repo %q commit %q, want %s at %s", arn, tags["kiln:repo"], tags["kiln:commit"], fullName, merge)
			}
		}
	}
	if len(javaBuilds) != 1 {
		t.Errorf("java-runtime 1.5.0 builds: %v, want exactly one", javaBuilds)
	}
	if got := w.ib.Calls()["CreateComponent"] - creates; got != 1 {
		t.Errorf("CreateComponent called %d times for the merge, want 1", got)
	}
	if pl, ok := w.pipelines(t)["al2023-java"]; !ok || !strings.Contains(*pl.ImageRecipeArn, "al2023-java/1.3.0") {
		t.Errorf("pipeline al2023-java does not use recipe 1.3.0: %+v", pl.ImageRecipeArn)
	}

	run := w.bakeToEnd(merge)
	w.idle()
	if run.Conclusion != "success" {
		t.Fatalf("bake: %s %q\n%s", run.Conclusion, run.Title, run.Text)
	}
	amis := w.amis(t, newImage.Arn)
	if len(amis) == 0 {
		t.Fatalf("image %s has no AMIs; bake check run:\n%s", newImage.Arn, run.Text)
	}
	for _, ami := range amis {
		if !strings.Contains(run.Text, ami) {
			t.Errorf("bake check run does not show AMI %s:\n%s", ami, run.Text)
		}
	}
	if n := len(w.runs(merge, bakeCheck)); n != 1 {
		t.Errorf("%d bake check runs on the merge commit, want 1", n)
	}
	marker := "<!-- kiln:bake staging " + merge + " -->"
	comments := w.commentsWith(12, marker)
	if len(comments) != 1 {
		t.Fatalf("%d bake comments on the merged PR, want 1:\n%s", len(comments), commentBodies(w.gh.Comments(fullName, 12)))
	}
	for _, ami := range amis {
		if !strings.Contains(comments[0].Body, ami) {
			t.Errorf("bake comment does not show AMI %s:\n%s", ami, comments[0].Body)
		}
	}
}

// kiln killed with SIGKILL while an image is BUILDING resumes tracking on
// restart and completes the bake check run exactly once, with the AMIs.
func TestKilledDuringBuildingCompletesOnce(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	head := w.openPR(4, "java-bump", javaBump(t), false)
	merge := w.gh.Merge(owner, repoName, 4)
	w.start()
	w.mustPost(w.closedMerged(4, "java-bump", head, merge))
	w.mustPost(w.pushEvent("main", strings.Repeat("0", 40), merge, mergeMessage(4, "java-bump")))

	w.imagesStarted(1)
	w.idle() // the push job has started every bake it will
	images := w.ib.Images()
	w.ib.Advance(4 * time.Minute) // PENDING (1 min), CREATING (2 min) → BUILDING
	w.waitFor(bakeTimeout, "the bake check run to show BUILDING", func() bool {
		runs := w.runs(merge, bakeCheck)
		return len(runs) == 1 && strings.Contains(runs[0].Text, "BUILDING")
	}, w.describeChecks)
	w.kill()

	w.ib.Advance(time.Hour) // the builds end while kiln is down
	w.start()
	run := w.bakeToEnd(merge)
	w.idle()
	if run.Conclusion != "success" {
		t.Fatalf("bake: %s %q\n%s", run.Conclusion, run.Title, run.Text)
	}
	for _, im := range images {
		for _, ami := range w.amis(t, im.Arn) {
			if !strings.Contains(run.Text, ami) {
				t.Errorf("bake check run does not show AMI %s of %s:\n%s", ami, im.Arn, run.Text)
			}
		}
	}
	if got := len(w.ib.Images()); got != len(images) {
		t.Errorf("%d images after the restart, want %d: nothing may be started again", got, len(images))
	}
	if n := len(w.runs(merge, bakeCheck)); n != 1 {
		t.Errorf("%d bake check runs, want 1", n)
	}
	if n := completions(w.gh.Requests(), run.ID); n != 1 {
		t.Errorf("the bake check run was completed %d times, want exactly once", n)
	}
	if n := len(w.commentsWith(4, "<!-- kiln:bake staging "+merge+" -->")); n != 1 {
		t.Errorf("%d bake comments on the merged PR, want 1", n)
	}
}

// completions counts the check-run updates that set a conclusion on run id.
func completions(reqs []ghtest.Request, id int64) int {
	n := 0
	suffix := fmt.Sprintf("/check-runs/%d", id)
	for _, r := range reqs {
		if r.Operation != "checks/update" || !strings.HasSuffix(r.Path, suffix) || r.Status/100 != 2 {
			continue
		}
		var body struct {
			Conclusion string `json:"conclusion"`
		}
		if json.Unmarshal(r.Body, &body) == nil && body.Conclusion != "" {
			n++
		}
	}
	return n
}

// A build that fails in TESTING fails the bake check run with the reason.
func TestBakeFailingInTesting(t *testing.T) {
	w := newWorld(t)
	base := w.seedExamples()
	w.ib.Inject(ibtest.Fault{Kind: ibtest.FailBuildInTesting, Times: 10})
	w.start()
	w.mustPost(w.pushEvent("main", strings.Repeat("0", 40), base, "Initial import"))
	w.imagesStarted(1)
	run := w.bakeToEnd(base)
	w.idle()
	if run.Conclusion != "failure" {
		t.Fatalf("bake: %s, want failure\n%s", run.Conclusion, run.Text)
	}
	if !strings.Contains(run.Text, "Image testing failed") || !strings.Contains(run.Text, "FAILED") {
		t.Errorf("bake check run does not give the reason:\n%s", run.Text)
	}
	retry := false
	for _, a := range run.Actions {
		retry = retry || a.Identifier == "retry"
	}
	if !retry {
		t.Errorf("failed bake has no retry button: %+v", run.Actions)
	}
}

// Throttling and server errors on the creates slow the apply down but it
// completes, and nothing is created twice.
func TestThrottledApplyCreatesNothingTwice(t *testing.T) {
	w := newWorld(t)
	base := w.seedExamples()
	w.ib.Inject(ibtest.Fault{Operation: "CreateComponent", Kind: ibtest.Throttle, Times: 3})
	w.ib.Inject(ibtest.Fault{Operation: "CreateImageRecipe", Kind: ibtest.TooManyRequests, Times: 2})
	w.ib.Inject(ibtest.Fault{Operation: "CreateInfrastructureConfiguration", Kind: ibtest.ServerError})
	w.ib.Inject(ibtest.Fault{Operation: "CreateImagePipeline", Kind: ibtest.Throttle, Times: 2})
	w.start()
	w.mustPost(w.pushEvent("main", strings.Repeat("0", 40), base, "Initial import"))
	w.imagesStarted(1)
	w.idle() // the push job has started every bake it will
	images := w.ib.Images()

	builds := w.componentBuilds(t)
	versions := map[string]int{}
	for arn := range builds {
		versions[arn[:strings.LastIndex(arn, "/")]]++
	}
	wantComponents := 0
	for p := range exampleFiles(t) {
		if strings.HasPrefix(p, "components/") && !strings.HasSuffix(p, ".toe.yaml") {
			wantComponents++
		}
	}
	if len(versions) != wantComponents {
		t.Errorf("%d component versions, want %d: %v", len(versions), wantComponents, versions)
	}
	for v, n := range versions {
		if n != 1 {
			t.Errorf("component %s has %d builds, want 1", v, n)
		}
	}
	if n := len(w.pipelines(t)); n != 3 {
		t.Errorf("%d pipelines, want 3", n)
	}
	if got := len(w.ib.Images()); got != len(images) {
		t.Errorf("images %d, want %d", got, len(images))
	}
	calls := w.ib.Calls()
	if calls["CreateComponent"] < wantComponents+3 || calls["CreateImagePipeline"] < 3+2 {
		t.Errorf("the injected faults were not all hit: %v", calls)
	}
	if run := w.bakeToEnd(base); run.Conclusion != "success" {
		t.Errorf("bake after a throttled apply: %s %q", run.Conclusion, run.Title)
	}
}

// `kiln check examples --env staging` with credentials prints the plan
// against the emulated account.
func TestCheckPrintsPlan(t *testing.T) {
	ib := ibtest.Start(t, ibtest.WithAccount(stagingAccount))
	cmd := exec.Command(kilnBin, "check", "--env", "staging", filepath.Join(moduleRoot(), "examples"))
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}, awsEnv(ib)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := stdout.String()
	if err != nil {
		t.Fatalf("kiln check: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	for _, want := range []string{"staging", "Component/java-runtime@1.4.0", "create", "al2023-java"} {
		if !strings.Contains(out, want) {
			t.Errorf("kiln check output lacks %q:\n%s\nstderr:\n%s", want, out, stderr.String())
		}
	}
	if len(ib.AssumedRoles()) == 0 {
		t.Errorf("kiln check did not assume the staging role")
	}
	// The plan asks Image Builder for dryRun verdicts; nothing is created.
	w := &world{t: t, ib: ib}
	if builds := w.componentBuilds(t); len(builds) != 0 {
		t.Errorf("kiln check created components: %v", builds)
	}
}

func lineWith(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
