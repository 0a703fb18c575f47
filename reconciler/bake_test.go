package reconciler_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
	"github.com/kiln-gitops/kiln/reconciler"
)

// lifecycle is every state of a bake that succeeds, each reported once.
var lifecycle = []string{"PENDING", "CREATING", "BUILDING", "TESTING", "DISTRIBUTING", "INTEGRATING", "AVAILABLE"}

// baked is an environment holding the small generated repository, ready
// to bake, with the ARNs of its pipelines by name.
func baked(t *testing.T) (*harness, map[string]string) {
	t.Helper()
	h, _ := generated(t, staging)
	arns := map[string]string{}
	for _, l := range h.list(t) {
		if l.Kind == "ImagePipeline" {
			arns[l.Name] = l.Arn
		}
	}
	h.srv.ResetCalls()
	return h, arns
}

// bakeOf is the bake of pipeline at the test commit, as the merge handler
// would start it.
func bakeOf(h *harness, arns map[string]string, pipeline string) reconciler.BakeRecord {
	return reconciler.BakeRecord{
		Repo: meta.Repo, Environment: h.env.Name, Account: h.env.Account,
		Pipeline: pipeline, PipelineArn: arns[pipeline], Commit: meta.Commit, PR: 42,
	}
}

const ssmPrefix = "/golden-ami"

// tracker follows bakes in h on the emulator's virtual clock through ib
// (a process's own client), publishing AMI ids under ssmPrefix.
func tracker(h *harness, ib reconciler.ImageBuilder, store reconciler.BakeStore, rep reconciler.BakeReporter) *reconciler.Tracker {
	return &reconciler.Tracker{
		Store: store, Reporter: rep,
		Open: func(_ context.Context, repo, env string) (reconciler.ImageBuilder, string, error) {
			if repo != meta.Repo || env != h.env.Name {
				return nil, "", fmt.Errorf("no environment %s in %s", env, repo)
			}
			return ib, ssmPrefix, nil
		},
		Backoff: reconciler.Backoff{First: time.Minute, Max: 2 * time.Minute},
		Now:     h.srv.Now,
		Log:     quiet,
	}
}

// tick runs one tick, then moves the virtual clock a minute on; it fails
// the test on an error unless tolerate says the error is expected.
func tick(t *testing.T, h *harness, tr *reconciler.Tracker, tolerate error) int {
	t.Helper()
	active, err := tr.Tick(context.Background())
	if err != nil && (tolerate == nil || !errors.Is(err, tolerate)) {
		t.Fatalf("tick at %s: %v", h.srv.Now().Format(time.TimeOnly), err)
	}
	h.srv.Advance(time.Minute)
	return active
}

// until ticks until stop holds or no bake is active, at most an hour of
// virtual time.
func until(t *testing.T, h *harness, tr *reconciler.Tracker, stop func() bool) {
	t.Helper()
	for range 60 {
		if stop() || tick(t, h, tr, nil) == 0 {
			return
		}
	}
	t.Fatal("bake did not end within an hour")
}

func stored(t *testing.T, store *memStore, id string) reconciler.BakeRecord {
	t.Helper()
	b, ok, err := store.Get(context.Background(), id)
	if err != nil || !ok {
		t.Fatalf("bake %s not stored: %v", id, err)
	}
	return b
}

func TestStartBakeOnce(t *testing.T) {
	h, arns := baked(t)
	ctx := context.Background()
	store := newMemStore()
	rec := bakeOf(h, arns, "pipeline-000")

	first, err := reconciler.StartBake(ctx, h.ib, store, rec, h.srv.Now())
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != reconciler.BakeID("staging", "pipeline-000", meta.Commit) || first.State != "PENDING" || first.ImageArn == "" {
		t.Fatalf("started %+v", first)
	}
	// The same push delivered again: the record answers.
	again, err := reconciler.StartBake(ctx, h.ib, store, rec, h.srv.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if again.ImageArn != first.ImageArn || !again.Started.Equal(first.Started) {
		t.Errorf("second start %s at %s, first %s at %s", again.ImageArn, again.Started, first.ImageArn, first.Started)
	}
	if n := h.srv.Calls()["StartImagePipelineExecution"]; n != 1 {
		t.Errorf("StartImagePipelineExecution called %d times", n)
	}
	// Another replica that never saw the record (or lost it before
	// storing): the client token answers.
	other, err := reconciler.StartBake(ctx, h.ib, newMemStore(), rec, h.srv.Now())
	if err != nil {
		t.Fatal(err)
	}
	if other.ImageArn != first.ImageArn {
		t.Errorf("a replica started %s, first was %s", other.ImageArn, first.ImageArn)
	}
	if n := len(h.srv.Images()); n != 1 {
		t.Errorf("%d images for one pipeline and commit: %v", n, h.srv.Images())
	}
	// The next commit is another bake.
	next := rec
	next.Commit = strings.Repeat("e", 40)
	if b, err := reconciler.StartBake(ctx, h.ib, store, next, h.srv.Now()); err != nil || b.ImageArn == first.ImageArn {
		t.Errorf("next commit: %v, image %s", err, b.ImageArn)
	}
	if n := len(h.srv.Images()); n != 2 {
		t.Errorf("%d images after two commits", n)
	}
}

func TestBakeLifecycle(t *testing.T) {
	h, arns := baked(t)
	ctx := context.Background()
	store, rep := newMemStore(), &recorder{}
	tr := tracker(h, h.ib, store, rep)
	start := h.srv.Now()
	b, err := reconciler.StartBake(ctx, h.ib, store, bakeOf(h, arns, "pipeline-000"), start)
	if err != nil {
		t.Fatal(err)
	}
	until(t, h, tr, func() bool { return false })

	if got := rep.states(); !slices.Equal(got, lifecycle) {
		t.Fatalf("reported %v, want %v", got, lifecycle)
	}
	end := stored(t, store, b.ID)
	if !end.Done || end.State != "AVAILABLE" || end.Reported != "AVAILABLE" {
		t.Fatalf("stored %+v", end)
	}
	var states []string
	for i, s := range end.History {
		states = append(states, s.State)
		if i > 0 && !end.History[i-1].At.Before(s.At) {
			t.Errorf("history out of order: %v", end.History)
		}
	}
	if !slices.Equal(states, lifecycle) {
		t.Errorf("history %v", states)
	}
	d := ibtest.DefaultStateDurations
	if total := d.Pending + d.Creating + d.Building + d.Testing + d.Distributing + d.Integrating; end.Elapsed() != total {
		t.Errorf("elapsed %s, want %s", end.Elapsed(), total)
	}
	if !strings.HasPrefix(end.LogURI, "s3://golden-ami-build-logs/infra-00/") {
		t.Errorf("log URI %q", end.LogURI)
	}
	// dist-00 sends the AMI to us-east-1 and us-west-2 and shares it
	// with the prod account.
	amis := map[string]string{}
	for _, a := range end.AMIs {
		amis[a.Region+"/"+a.Account] = a.ID
	}
	for _, region := range []string{"us-east-1", "us-west-2"} {
		own, shared := amis[region+"/"+staging.Account], amis[region+"/222222222222"]
		if own == "" || shared == "" || own == shared {
			t.Errorf("%s: AMIs %v", region, end.AMIs)
		}
		name := ssmPrefix + "/pipeline-000/" + region
		if v, ok := h.srv.Parameter(name); !ok || v != own {
			t.Errorf("SSM %s = %q (%v), want the environment's own AMI %s", name, v, ok, own)
		}
	}
	if n := h.srv.Calls()["SSM.PutParameter"]; n != 2 {
		t.Errorf("SSM.PutParameter called %d times, want once per region", n)
	}
	if got := rep.last(); !slices.Equal(got.AMIs, end.AMIs) || !got.Done && got.State != "AVAILABLE" {
		t.Errorf("final report %+v", got)
	}

	// Done: nothing more is read or reported.
	h.srv.ResetCalls()
	again, err := reconciler.PollBake(ctx, h.ib, store, rep, end, h.srv.Now(), tr.Backoff, ssmPrefix)
	if err != nil || !again.Done {
		t.Fatalf("poll after done: %+v %v", again, err)
	}
	if active := tick(t, h, tr, nil); active != 0 {
		t.Errorf("%d bakes still active", active)
	}
	if n := h.srv.TotalCalls(); n != 0 || len(rep.states()) != len(lifecycle) {
		t.Errorf("after done: %d calls, reports %v", n, rep.states())
	}
}

func TestBakeResumes(t *testing.T) {
	cases := []struct {
		name string
		// upTo is the state at which the first process stops.
		upTo string
		// failOn makes that state's report fail once: the state is
		// stored but not shown, as when kiln dies between the two.
		failOn string
	}{
		{name: "restart while building", upTo: "BUILDING"},
		{name: "restart while distributing", upTo: "DISTRIBUTING"},
		{name: "report of building failed, then restart", upTo: "TESTING", failOn: "BUILDING"},
		{name: "report of the end failed, then restart", upTo: "AVAILABLE", failOn: "AVAILABLE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, arns := baked(t)
			store := newMemStore()
			first := &recorder{failOn: tc.failOn}
			if _, err := reconciler.StartBake(context.Background(), h.ib, store, bakeOf(h, arns, "pipeline-001"), h.srv.Now()); err != nil {
				t.Fatal(err)
			}
			tr := tracker(h, h.ib, store, first)
			for range 60 {
				recs, _ := store.Active(context.Background())
				if len(recs) == 0 || recs[0].State == tc.upTo {
					break
				}
				tick(t, h, tr, errReportFailed)
			}
			// A new process: its own client (a cold cache and new
			// connections), tracker and reporter, the same store.
			second := &recorder{}
			until(t, h, tracker(h, h.client(nil), store, second), func() bool { return false })
			all := append(first.states(), second.states()...)
			if !slices.Equal(all, lifecycle) {
				t.Errorf("reported %v then %v, want each of %v once", first.states(), second.states(), lifecycle)
			}
			if n := len(h.srv.Images()); n != 1 {
				t.Errorf("%d images", n)
			}
		})
	}
}

func TestBakeFailsThenRetries(t *testing.T) {
	h, arns := baked(t)
	ctx := context.Background()
	store, rep := newMemStore(), &recorder{}
	tr := tracker(h, h.ib, store, rep)
	h.srv.Inject(ibtest.Fault{Kind: ibtest.FailBuildInTesting})
	rec := bakeOf(h, arns, "pipeline-000")
	failed, err := reconciler.StartBake(ctx, h.ib, store, rec, h.srv.Now())
	if err != nil {
		t.Fatal(err)
	}
	until(t, h, tr, func() bool { return false })
	want := []string{"PENDING", "CREATING", "BUILDING", "TESTING", "FAILED"}
	if got := rep.states(); !slices.Equal(got, want) {
		t.Fatalf("reported %v, want %v", got, want)
	}
	end := stored(t, store, failed.ID)
	if !end.Done || !strings.Contains(end.Reason, "testing failed") || end.LogURI == "" || len(end.AMIs) != 0 {
		t.Errorf("failed bake %+v", end)
	}
	if _, ok := h.srv.Parameter(ssmPrefix + "/pipeline-000/us-east-1"); ok {
		t.Error("a failed bake wrote an SSM parameter")
	}

	// The retry button: the same bake, next attempt.
	rec.Attempt = end.Attempt + 1
	retry, err := reconciler.StartBake(ctx, h.ib, store, rec, h.srv.Now())
	if err != nil {
		t.Fatal(err)
	}
	if retry.ImageArn == failed.ImageArn || retry.State != "PENDING" || retry.Done || retry.Reason != "" || len(retry.History) != 1 {
		t.Fatalf("retry %+v", retry)
	}
	rep.reports = nil
	until(t, h, tr, func() bool { return false })
	if got := rep.states(); !slices.Equal(got, lifecycle) {
		t.Errorf("retry reported %v", got)
	}
	images := h.srv.Images()
	if len(images) != 2 || images[0].Status != "FAILED" || images[1].Status != "AVAILABLE" {
		t.Errorf("images %+v", images)
	}
	if v, _ := h.srv.Parameter(ssmPrefix + "/pipeline-000/us-east-1"); v == "" {
		t.Error("the retried bake wrote no SSM parameter")
	}
	// The retried attempt delivered again starts nothing.
	if b, err := reconciler.StartBake(ctx, h.ib, store, rec, h.srv.Now()); err != nil || b.ImageArn != retry.ImageArn || len(h.srv.Images()) != 2 {
		t.Errorf("replayed retry: %v %s", err, b.ImageArn)
	}
}

func TestBakeCancel(t *testing.T) {
	h, arns := baked(t)
	ctx := context.Background()
	store, rep := newMemStore(), &recorder{}
	tr := tracker(h, h.ib, store, rep)
	b, err := reconciler.StartBake(ctx, h.ib, store, bakeOf(h, arns, "pipeline-000"), h.srv.Now())
	if err != nil {
		t.Fatal(err)
	}
	until(t, h, tr, func() bool { return stored(t, store, b.ID).State == "BUILDING" })
	// The cancel button.
	if err := h.ib.CancelImage(ctx, b.ImageArn); err != nil {
		t.Fatal(err)
	}
	until(t, h, tr, func() bool { return false })
	want := []string{"PENDING", "CREATING", "BUILDING", "CANCELLED"}
	if got := rep.states(); !slices.Equal(got, want) {
		t.Fatalf("reported %v, want %v", got, want)
	}
	if end := stored(t, store, b.ID); !end.Done || end.Reason == "" {
		t.Errorf("cancelled bake %+v", end)
	}
	if _, ok := h.srv.Parameter(ssmPrefix + "/pipeline-000/us-east-1"); ok {
		t.Error("a cancelled bake wrote an SSM parameter")
	}
}

// TestTrackerBackoff runs the tracker on a clock of its own, ticking every
// 30 seconds: a bake is polled when due, at intervals that double while
// nothing changes, and soon again after a change.
func TestTrackerBackoff(t *testing.T) {
	h, arns := baked(t)
	ctx := context.Background()
	store, rep := newMemStore(), &recorder{}
	t0 := h.srv.Now()
	now := t0
	tr := tracker(h, h.ib, store, rep)
	tr.Backoff = reconciler.Backoff{First: time.Minute, Max: 4 * time.Minute}
	tr.Now = func() time.Time { return now }
	if _, err := reconciler.StartBake(ctx, h.ib, store, bakeOf(h, arns, "pipeline-000"), now); err != nil {
		t.Fatal(err)
	}
	var polled []time.Duration
	for now.Sub(t0) <= 20*time.Minute {
		// The image leaves PENDING after a minute of the emulator's
		// clock, which only moves here, at 12 minutes.
		if now.Sub(t0) == 12*time.Minute {
			h.srv.Advance(ibtest.DefaultStateDurations.Pending)
		}
		before := h.srv.Calls()["GetImage"]
		active, err := tr.Tick(ctx)
		if err != nil || active != 1 {
			t.Fatalf("tick at %s: %d active, %v", now.Sub(t0), active, err)
		}
		if h.srv.Calls()["GetImage"] > before {
			polled = append(polled, now.Sub(t0))
		}
		now = now.Add(30 * time.Second)
	}
	// PENDING seen at 0 (reported, unchanged since the start), then
	// doubling to the 4 minute cap; CREATING seen at 14, polled a minute
	// later, then doubling again.
	want := []time.Duration{0, 2 * time.Minute, 6 * time.Minute, 10 * time.Minute, 14 * time.Minute, 15 * time.Minute, 17 * time.Minute}
	if !slices.Equal(polled, want) {
		t.Errorf("polled at %v, want %v", polled, want)
	}
	if got := rep.states(); !slices.Equal(got, []string{"PENDING", "CREATING"}) {
		t.Errorf("reported %v", got)
	}
}

func TestTrackerReportsUnknownEnvironment(t *testing.T) {
	h, arns := baked(t)
	ctx := context.Background()
	store := newMemStore()
	rec := bakeOf(h, arns, "pipeline-000")
	rec.Environment = "gone"
	if _, err := reconciler.StartBake(ctx, h.ib, store, rec, h.srv.Now()); err != nil {
		t.Fatal(err)
	}
	active, err := tracker(h, h.ib, store, &recorder{}).Tick(ctx)
	if active != 1 || err == nil || !strings.Contains(err.Error(), "no environment gone") {
		t.Errorf("tick: %d active, %v", active, err)
	}
}

// TestBakeContainer bakes the examples' container pipeline: image URIs per
// region, no AMIs and so no SSM parameter.
func TestBakeContainer(t *testing.T) {
	repo, env := loadExamples(t)
	h := newHarness(t, env)
	h.apply(t, repo)
	arn := byID(h.list(t))["ImagePipeline/app-runtime-container"].Arn
	ctx := context.Background()
	store, rep := newMemStore(), &recorder{}
	rec := reconciler.BakeRecord{Repo: meta.Repo, Environment: env.Name, Account: env.Account,
		Pipeline: "app-runtime-container", PipelineArn: arn, Commit: meta.Commit}
	b, err := reconciler.StartBake(ctx, h.ib, store, rec, h.srv.Now())
	if err != nil {
		t.Fatal(err)
	}
	until(t, h, tracker(h, h.ib, store, rep), func() bool { return false })
	if got := rep.states(); !slices.Equal(got, lifecycle) {
		t.Fatalf("reported %v", got)
	}
	end := stored(t, store, b.ID)
	if len(end.AMIs) != 0 || len(end.Images) == 0 {
		t.Fatalf("outputs: AMIs %v, containers %v", end.AMIs, end.Images)
	}
	for _, c := range end.Images {
		if c.Region == "" || len(c.ImageURIs) == 0 || !strings.Contains(c.ImageURIs[0], ".dkr.ecr."+c.Region+".amazonaws.com/") {
			t.Errorf("container output %+v", c)
		}
	}
	if n := h.srv.Calls()["SSM.PutParameter"]; n != 0 {
		t.Errorf("a container bake wrote %d SSM parameters", n)
	}
}

// TestBakeSSMOutage: when the AMI ids cannot be published, the end is not
// reported yet; the next poll publishes and reports it, once.
func TestBakeSSMOutage(t *testing.T) {
	h, arns := baked(t)
	ctx := context.Background()
	store, rep := newMemStore(), &recorder{}
	tr := tracker(h, h.ib, store, rep)
	b, err := reconciler.StartBake(ctx, h.ib, store, bakeOf(h, arns, "pipeline-000"), h.srv.Now())
	if err != nil {
		t.Fatal(err)
	}
	until(t, h, tr, func() bool { return stored(t, store, b.ID).State == "DISTRIBUTING" })
	// More failures than the client's 8 attempts.
	h.srv.Inject(ibtest.Fault{Operation: "SSM.PutParameter", Kind: ibtest.ServerError, Times: 8})
	h.srv.Advance(ibtest.DefaultStateDurations.Distributing + ibtest.DefaultStateDurations.Integrating)
	if _, err := tr.Tick(ctx); err == nil || !strings.Contains(err.Error(), ssmPrefix) {
		t.Fatalf("tick with SSM down: %v", err)
	}
	if got := stored(t, store, b.ID); got.State != "AVAILABLE" || got.Done || slices.Contains(rep.states(), "AVAILABLE") {
		t.Fatalf("after the outage: %s done=%v, reported %v", got.State, got.Done, rep.states())
	}
	until(t, h, tr, func() bool { return false })
	// The clock jumped past INTEGRATING to reach AVAILABLE above.
	skipped := slices.DeleteFunc(slices.Clone(lifecycle), func(s string) bool { return s == "INTEGRATING" })
	if got := rep.states(); !slices.Equal(got, skipped) {
		t.Errorf("reported %v", got)
	}
	if _, ok := h.srv.Parameter(ssmPrefix + "/pipeline-000/us-west-2"); !ok {
		t.Error("parameter not written after the outage")
	}
}

// TestTrackerRun drives a bake to its end with Run, ticking on the wall
// clock while the emulator's clock races ahead, and stops with its context.
func TestTrackerRun(t *testing.T) {
	h, arns := baked(t)
	store, rep := newMemStore(), &recorder{}
	b, err := reconciler.StartBake(context.Background(), h.ib, store, bakeOf(h, arns, "pipeline-000"), h.srv.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tracker(h, h.ib, store, rep).Run(ctx, time.Millisecond)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !stored(t, store, b.ID).Done && time.Now().Before(deadline) {
		h.srv.Advance(time.Minute)
		time.Sleep(2 * time.Millisecond)
	}
	cancel()
	<-done
	if got := stored(t, store, b.ID); !got.Done || got.State != "AVAILABLE" {
		t.Fatalf("after Run: %s done=%v", got.State, got.Done)
	}
	// Reports show states in order, each at most once; a state the
	// clock raced past may be skipped, the end never.
	got := rep.states()
	if got[len(got)-1] != "AVAILABLE" || slices.ContainsFunc(got, func(s string) bool { return !slices.Contains(lifecycle, s) }) {
		t.Errorf("reported %v", got)
	}
	for i := 1; i < len(got); i++ {
		if slices.Index(lifecycle, got[i-1]) >= slices.Index(lifecycle, got[i]) {
			t.Errorf("reported %v: out of order or twice", got)
		}
	}
}
