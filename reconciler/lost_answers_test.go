package reconciler_test

import (
	"context"
	"testing"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
	"github.com/kiln-gitops/kiln/internal/testgen"
	"github.com/kiln-gitops/kiln/reconciler"
)

// Answers lost after the write, more often than the client retries: the
// apply (or bake) fails although its writes took effect, and the job is
// run again, as the queue does. The second run creates nothing twice
// because it sends the same client tokens.
func TestApplyRetriedAfterLostAnswers(t *testing.T) {
	repo := load(t, testgen.Repository(20, 4, 2))
	h := newHarness(t, staging)
	// The client makes 8 attempts; all 8 answers of the first component,
	// and then of the first recipe, are lost.
	h.srv.Inject(ibtest.Fault{Operation: "CreateComponent", Kind: ibtest.ServerErrorAfterWrite, Times: 8})
	h.srv.Inject(ibtest.Fault{Operation: "CreateImageRecipe", Kind: ibtest.DropConnectionAfterWrite, Times: 8})
	failed := 0
	for range 5 {
		if _, err := reconciler.Apply(context.Background(), h.ib, repo, h.plan(t, repo), meta); err == nil {
			break
		}
		failed++
	}
	if failed != 2 {
		t.Fatalf("%d applies failed, want 2 (one per lost write)", failed)
	}
	// Every component is build version 1, nothing exists twice.
	checkApplied(t, h, repo)
	checkSettled(t, h, repo)
}

func TestBakeRetriedAfterLostAnswers(t *testing.T) {
	h, arns := baked(t)
	ctx := context.Background()
	store := newMemStore()
	rec := bakeOf(h, arns, "pipeline-000")
	h.srv.Inject(ibtest.Fault{Operation: "StartImagePipelineExecution", Kind: ibtest.DropConnectionAfterWrite, Times: 8})
	if _, err := reconciler.StartBake(ctx, h.ib, store, rec, h.srv.Now()); err == nil {
		t.Fatal("the bake whose answers were all lost started")
	}
	b, err := reconciler.StartBake(ctx, h.ib, store, rec, h.srv.Now())
	if err != nil {
		t.Fatalf("the retried bake: %v", err)
	}
	if n := len(h.srv.Images()); n != 1 {
		t.Fatalf("%d images after a retried start, want 1", n)
	}
	if h.srv.Images()[0].Arn != b.ImageArn {
		t.Errorf("the retry tracks %s, the emulator built %s", b.ImageArn, h.srv.Images()[0].Arn)
	}
}
