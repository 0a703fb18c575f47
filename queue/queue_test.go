package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func testConfig(dir string) Config {
	return Config{
		DataDir:       dir,
		AckWait:       time.Second,
		Backoff:       []time.Duration{10 * time.Millisecond, 20 * time.Millisecond},
		MaxDeliver:    3,
		ShutdownGrace: 2 * time.Second,
		LockTTL:       3 * time.Second,
	}
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func openTest(t *testing.T, cfg Config) *Queue {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q, err := Open(ctx, cfg, testLogger(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = q.Close() })
	return q
}

// runQueue runs q in the background and returns a stop function that waits
// for Run to return.
func runQueue(t *testing.T, q *Queue, workers int, h Handler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx, workers, h) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Error("Run did not return after its context was cancelled")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func publish(t *testing.T, q *Queue, j Job) {
	t.Helper()
	dup, err := q.Publish(context.Background(), j)
	if err != nil {
		t.Fatalf("Publish %s: %v", j.ID, err)
	}
	if dup {
		t.Fatalf("Publish %s: reported duplicate", j.ID)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitEmpty(t *testing.T, q *Queue) {
	t.Helper()
	waitFor(t, "empty queue", func() bool {
		n, _, err := q.Depth(context.Background())
		return err == nil && n == 0
	})
}

type recorder struct {
	mu   sync.Mutex
	jobs []Job
}

func (r *recorder) Handle(_ context.Context, j Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs = append(r.jobs, j)
	return nil
}

func (r *recorder) snapshot() []Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Job(nil), r.jobs...)
}

func TestPublishConsume(t *testing.T) {
	q := openTest(t, testConfig(t.TempDir()))
	received := time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC)
	want := []Job{
		{ID: "d-1", Event: "pull_request", Key: "o/r#1", Supersedes: true, Payload: []byte(`{"a":1}`), Received: received},
		{ID: "d-2", Event: "push", Key: "o/r@main", Payload: []byte(`{"b":2}`), Received: received},
		{ID: "d-3", Event: "issue_comment", Key: "o/r#2", Payload: nil, Received: received},
	}
	for _, j := range want {
		publish(t, q, j)
	}
	n, oldest, err := q.Depth(context.Background())
	if err != nil || n != 3 || oldest <= 0 {
		t.Fatalf("Depth = %d, %v, %v; want 3 jobs with a positive age", n, oldest, err)
	}
	if err := q.Ready(context.Background()); err != nil {
		t.Fatalf("Ready: %v", err)
	}

	rec := &recorder{}
	runQueue(t, q, 2, rec)
	waitFor(t, "three jobs", func() bool { return len(rec.snapshot()) == 3 })
	waitEmpty(t, q)

	got := map[string]Job{}
	for _, j := range rec.snapshot() {
		got[j.ID] = j
	}
	for _, w := range want {
		g, ok := got[w.ID]
		if !ok {
			t.Errorf("job %s not handled", w.ID)
			continue
		}
		if g.Event != w.Event || g.Key != w.Key || g.Supersedes != w.Supersedes ||
			string(g.Payload) != string(w.Payload) || !g.Received.Equal(w.Received) {
			t.Errorf("job %s = %+v, want %+v", w.ID, g, w)
		}
		if g.Attempt != 1 || g.Seq == 0 {
			t.Errorf("job %s: attempt %d seq %d, want attempt 1 and a sequence", w.ID, g.Attempt, g.Seq)
		}
	}
}

func TestPublishRejectsInvalidJobs(t *testing.T) {
	q := openTest(t, testConfig(t.TempDir()))
	for name, j := range map[string]Job{
		"no id":      {Event: "push"},
		"no event":   {ID: "x"},
		"line break": {ID: "x\r\nNats-Msg-Id: y", Event: "push"},
	} {
		if _, err := q.Publish(context.Background(), j); err == nil {
			t.Errorf("%s: Publish accepted %+v", name, j)
		}
	}
}

func TestDedupe(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.DedupeWindow = 200 * time.Millisecond
	q := openTest(t, cfg)
	ctx := context.Background()
	j := Job{ID: "same", Event: "push", Key: "o/r@main", Payload: []byte("{}")}
	publish(t, q, j)
	if dup, err := q.Publish(ctx, j); err != nil || !dup {
		t.Fatalf("second Publish = %v, %v; want duplicate", dup, err)
	}

	rec := &recorder{}
	stop := runQueue(t, q, 1, rec)
	waitFor(t, "the job", func() bool { return len(rec.snapshot()) == 1 })
	waitEmpty(t, q)
	// Past JetStream's own window and after the job was done, the delivery
	// id is still remembered.
	time.Sleep(300 * time.Millisecond)
	if dup, err := q.Publish(ctx, j); err != nil || !dup {
		t.Fatalf("Publish after the window = %v, %v; want duplicate", dup, err)
	}
	time.Sleep(200 * time.Millisecond)
	stop()
	if n := len(rec.snapshot()); n != 1 {
		t.Fatalf("handled %d times, want 1", n)
	}
}

func TestConcurrentDuplicatesQueueOnce(t *testing.T) {
	q := openTest(t, testConfig(t.TempDir()))
	var wg sync.WaitGroup
	var fresh atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dup, err := q.Publish(context.Background(), Job{ID: "race", Event: "push", Key: "k"})
			if err != nil {
				t.Error(err)
			}
			if !dup {
				fresh.Add(1)
			}
		}()
	}
	wg.Wait()
	if fresh.Load() != 1 {
		t.Fatalf("%d publications accepted, want 1", fresh.Load())
	}
	if n, _, _ := q.Depth(context.Background()); n != 1 {
		t.Fatalf("depth %d, want 1", n)
	}
}

type flaky struct {
	mu       sync.Mutex
	failures int // fail this many attempts, then succeed; -1 fails always
	err      error
	attempts []int
	times    []time.Time
	gaveUp   []error
}

func (f *flaky) Handle(_ context.Context, j Job) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, j.Attempt)
	f.times = append(f.times, time.Now())
	if f.failures < 0 || len(f.attempts) <= f.failures {
		return f.err
	}
	return nil
}

func (f *flaky) GiveUp(_ context.Context, j Job, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gaveUp = append(f.gaveUp, err)
}

func (f *flaky) state() ([]int, []error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.attempts...), append([]error(nil), f.gaveUp...)
}

func TestRetry(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name         string
		failures     int
		err          error
		wantAttempts []int
		wantGiveUp   bool
	}{
		{"succeeds on the third attempt", 2, boom, []int{1, 2, 3}, false},
		{"gives up after MaxDeliver attempts", -1, boom, []int{1, 2, 3}, true},
		{"permanent error gives up at once", -1, Permanent(boom), []int{1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t.TempDir())
			cfg.Backoff = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}
			// JetStream's own window still catches a redelivery within it.
			cfg.DedupeWindow = 100 * time.Millisecond
			q := openTest(t, cfg)
			h := &flaky{failures: tt.failures, err: tt.err}
			j := Job{ID: "retry-1", Event: "push", Key: "o/r@main"}
			publish(t, q, j)
			runQueue(t, q, 2, h)
			waitEmpty(t, q)
			time.Sleep(150 * time.Millisecond) // nothing more may arrive
			attempts, gaveUp := h.state()
			if fmt.Sprint(attempts) != fmt.Sprint(tt.wantAttempts) {
				t.Fatalf("attempts %v, want %v", attempts, tt.wantAttempts)
			}
			if tt.wantGiveUp {
				if len(gaveUp) != 1 || !errors.Is(gaveUp[0], boom) {
					t.Fatalf("GiveUp calls %v, want one with %v", gaveUp, boom)
				}
				// A manual redelivery from GitHub after a give-up is new work.
				if dup, err := q.Publish(context.Background(), j); err != nil || dup {
					t.Fatalf("Publish after give-up = %v, %v; want accepted", dup, err)
				}
			} else if len(gaveUp) != 0 {
				t.Fatalf("GiveUp called: %v", gaveUp)
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			for i := 1; i < len(h.times) && i <= len(cfg.Backoff); i++ {
				if gap := h.times[i].Sub(h.times[i-1]); gap < cfg.Backoff[i-1] {
					t.Errorf("attempt %d came %v after the previous one, want at least %v", i+1, gap, cfg.Backoff[i-1])
				}
			}
		})
	}
}

func TestHandlerPanicIsRetried(t *testing.T) {
	q := openTest(t, testConfig(t.TempDir()))
	var calls atomic.Int32
	publish(t, q, Job{ID: "p", Event: "push", Key: "k"})
	runQueue(t, q, 1, HandlerFunc(func(context.Context, Job) error {
		if calls.Add(1) == 1 {
			panic("handler bug")
		}
		return nil
	}))
	waitEmpty(t, q)
	if calls.Load() != 2 {
		t.Fatalf("calls %d, want 2", calls.Load())
	}
}

func TestSerialisedPerKey(t *testing.T) {
	q := openTest(t, testConfig(t.TempDir()))
	const perKey = 6
	keys := []string{"o/r#1", "o/r#2"}
	for i := range perKey {
		for _, k := range keys {
			publish(t, q, Job{ID: fmt.Sprintf("%s-%d", k, i), Event: "pull_request", Key: k, Payload: []byte(fmt.Sprint(i))})
		}
	}

	var mu sync.Mutex
	inFlight := map[string]int{}
	maxInFlight := map[string]int{}
	order := map[string][]string{}
	// The first job of each key waits until the other key's first job has
	// started: this only finishes if different keys run in parallel.
	started := map[string]chan struct{}{keys[0]: make(chan struct{}), keys[1]: make(chan struct{})}
	var firstOnce sync.Map
	var handled atomic.Int32
	var parallelFailed atomic.Bool

	runQueue(t, q, 4, HandlerFunc(func(ctx context.Context, j Job) error {
		mu.Lock()
		inFlight[j.Key]++
		maxInFlight[j.Key] = max(maxInFlight[j.Key], inFlight[j.Key])
		order[j.Key] = append(order[j.Key], string(j.Payload))
		mu.Unlock()
		if _, loaded := firstOnce.LoadOrStore(j.Key, true); !loaded {
			close(started[j.Key])
			other := keys[0]
			if j.Key == keys[0] {
				other = keys[1]
			}
			select {
			case <-started[other]:
			case <-time.After(5 * time.Second):
				parallelFailed.Store(true)
			}
		}
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		inFlight[j.Key]--
		mu.Unlock()
		handled.Add(1)
		return nil
	}))
	waitFor(t, "all jobs", func() bool { return handled.Load() == 2*perKey })
	if parallelFailed.Load() {
		t.Error("jobs of different keys did not run in parallel")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, k := range keys {
		if maxInFlight[k] != 1 {
			t.Errorf("key %s: %d jobs in flight at once, want 1", k, maxInFlight[k])
		}
		if got := fmt.Sprint(order[k]); got != "[0 1 2 3 4 5]" {
			t.Errorf("key %s ran in order %s, want stream order", k, got)
		}
	}
}

func TestSupersedeCancelsRunningJob(t *testing.T) {
	q := openTest(t, testConfig(t.TempDir()))
	running := make(chan struct{})
	causes := make(chan error, 4)
	var mu sync.Mutex
	var handled []string
	runQueue(t, q, 2, HandlerFunc(func(ctx context.Context, j Job) error {
		mu.Lock()
		handled = append(handled, j.ID)
		mu.Unlock()
		if j.ID == "old" {
			close(running)
			<-ctx.Done()
			causes <- context.Cause(ctx)
			return ctx.Err()
		}
		return nil
	}))
	publish(t, q, Job{ID: "old", Event: "pull_request", Key: "o/r#7", Supersedes: true})
	<-running
	publish(t, q, Job{ID: "new", Event: "pull_request", Key: "o/r#7", Supersedes: true})
	select {
	case c := <-causes:
		if !errors.Is(c, ErrSuperseded) {
			t.Fatalf("old job cancelled with %v, want ErrSuperseded", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("old job was not cancelled")
	}
	waitEmpty(t, q)
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(handled) != "[old new]" {
		t.Fatalf("handled %v, want [old new] (the superseded job is not retried)", handled)
	}
	if seq, err := q.Latest(context.Background(), "o/r#7"); err != nil || seq == 0 {
		t.Fatalf("Latest = %d, %v", seq, err)
	}
}

func TestSupersedeSkipsWaitingJobs(t *testing.T) {
	q := openTest(t, testConfig(t.TempDir()))
	release := make(chan struct{})
	running := make(chan struct{})
	var mu sync.Mutex
	var handled []string
	runQueue(t, q, 2, HandlerFunc(func(ctx context.Context, j Job) error {
		mu.Lock()
		handled = append(handled, j.ID)
		mu.Unlock()
		if j.ID == "comment" {
			close(running)
			<-release
		}
		return nil
	}))
	// A comment command (not superseding) holds the key; two heads queue
	// behind it, plus another comment that must survive.
	publish(t, q, Job{ID: "comment", Event: "issue_comment", Key: "o/r#8"})
	<-running
	publish(t, q, Job{ID: "head-1", Event: "pull_request", Key: "o/r#8", Supersedes: true})
	publish(t, q, Job{ID: "comment-2", Event: "issue_comment", Key: "o/r#8"})
	publish(t, q, Job{ID: "head-2", Event: "pull_request", Key: "o/r#8", Supersedes: true})
	// All four (stream sequences 1-4) reached the runner and head-1 was
	// skipped (acked) when head-2 arrived.
	waitFor(t, "head-2 to reach the runner", func() bool {
		info, err := q.cons.Info(context.Background())
		return err == nil && info.Delivered.Stream == 4 && info.NumAckPending == 3
	})
	close(release)
	waitEmpty(t, q)
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(handled) != "[comment comment-2 head-2]" {
		t.Fatalf("handled %v, want [comment comment-2 head-2]", handled)
	}
}

func TestShutdownLetsRunningJobsFinish(t *testing.T) {
	q := openTest(t, testConfig(t.TempDir()))
	running := make(chan struct{})
	var finished atomic.Bool
	stop := runQueue(t, q, 1, HandlerFunc(func(ctx context.Context, j Job) error {
		close(running)
		select {
		case <-time.After(300 * time.Millisecond):
			finished.Store(true)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}))
	publish(t, q, Job{ID: "slow", Event: "push", Key: "k"})
	<-running
	stop()
	if !finished.Load() {
		t.Fatal("running job was cancelled instead of finishing within the grace period")
	}
	if n, _, _ := q.Depth(context.Background()); n != 0 {
		t.Fatalf("depth %d after a finished job, want 0", n)
	}
}

func TestKV(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	q := openTest(t, testConfig(dir))
	kv, err := q.KV(ctx, "bakes")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "env.prod.pipeline", []byte("BUILDING")); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q2 := openTest(t, testConfig(dir))
	kv2, err := q2.KV(ctx, "bakes")
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv2.Get(ctx, "env.prod.pipeline")
	if err != nil || string(e.Value()) != "BUILDING" {
		t.Fatalf("after reopen: %v, %v", e, err)
	}
}

func TestRunReturnsWhenQueueCloses(t *testing.T) {
	q := openTest(t, testConfig(t.TempDir()))
	done := make(chan error, 1)
	go func() { done <- q.Run(context.Background(), 1, &recorder{}) }()
	time.Sleep(100 * time.Millisecond)
	_ = q.Close()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("Run kept going after Close")
	}
}
