package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
)

// The Image Builder emulator's documented latitude, switched on: lists
// that lag behind creates by the two minutes the service allows, and
// answers lost after the write. kiln must still create every resource and
// start every bake exactly once (client tokens), and finish the bake.
func TestListLagAndLostAnswersCreateNothingTwice(t *testing.T) {
	w := newWorldWith(t, []ibtest.Option{ibtest.WithListLag(2 * time.Minute)})
	// The first answer of each kind of write is lost after it took
	// effect; the SDK retries with the same client token.
	for _, op := range []string{"CreateComponent", "CreateImageRecipe", "CreateImagePipeline"} {
		w.ib.Inject(ibtest.Fault{Operation: op, Kind: ibtest.DropConnectionAfterWrite})
	}
	w.ib.Inject(ibtest.Fault{Operation: "StartImagePipelineExecution", Kind: ibtest.ServerErrorAfterWrite})
	base := w.seedExamples()
	w.start()

	// GitHub may deliver the push twice; the second apply runs while the
	// lists still lag (the clock has not moved), so kiln does not see what
	// the first created and creates again: the service's client-token
	// idempotency, not the lists, is what keeps it from creating twice.
	w.mustPost(w.pushEvent("main", strings.Repeat("0", 40), base, "Initial import of the golden images"))
	w.imagesStarted(1)
	w.idle()
	w.mustPost(w.pushEvent("main", strings.Repeat("0", 40), base, "Initial import of the golden images"))
	w.idle()
	started := w.ib.Images()

	if run := w.bakeToEnd(base); run.Conclusion != "success" {
		t.Fatalf("baking main: %s %q\n%s", run.Conclusion, run.Title, run.Text)
	}
	w.idle()

	pipelines := map[string]int{}
	for _, im := range w.ib.Images() {
		pipelines[im.PipelineArn]++
	}
	for p, n := range pipelines {
		if n != 1 {
			t.Errorf("pipeline %s baked %d times, want once", p, n)
		}
	}
	if len(w.ib.Images()) != len(started) {
		t.Errorf("%d images at the end, %d when the bakes started", len(w.ib.Images()), len(started))
	}
	versions := map[string]int{}
	for arn := range w.componentBuilds(t) {
		versions[arn[:strings.LastIndex(arn, "/")]]++
	}
	if len(versions) == 0 {
		t.Fatal("no components applied")
	}
	for v, n := range versions {
		if n != 1 {
			t.Errorf("component %s has %d builds, want 1", v, n)
		}
	}
	calls := w.ib.Calls()
	for _, op := range []string{"CreateComponent", "CreateImageRecipe", "CreateImagePipeline", "StartImagePipelineExecution"} {
		if calls[op] < 2 {
			t.Errorf("%s called %d times: the lost answer was not retried", op, calls[op])
		}
	}
}
