package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// crash ends q's Run the way a dead process would: the connection goes
// away with nothing settled.
func crash(t *testing.T, q *Queue, done <-chan error) {
	t.Helper()
	q.nc.Close()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its connection closed")
	}
}

// runUntilCrash runs q with h in the background; the returned channel gets
// Run's result.
func runUntilCrash(q *Queue, workers int, h Handler) <-chan error {
	done := make(chan error, 1)
	go func() { done <- q.Run(context.Background(), workers, h) }()
	return done
}

// Jobs held by a process that dies, running or waiting behind another of
// their key, are delivered again; only the one that ran has an attempt to
// its name. On the server's delivery count the waiting ones were given up
// after two crashes without ever running.
func TestWaitingJobsKeepTheirAttempts(t *testing.T) {
	url := startNATS(t)
	cfg := testConfig("")
	cfg.URL = url
	cfg.MaxDeliver = 2
	cfg.LockTTL = time.Second
	cfg.ShutdownGrace = 50 * time.Millisecond

	const waiting = 5
	first := openTest(t, cfg)
	publish(t, first, Job{ID: "hangs", Event: "push", Key: "o/r@main"})
	for i := range waiting {
		publish(t, first, Job{ID: fmt.Sprintf("waits-%d", i), Event: "push", Key: "o/r@main"})
	}
	for range 2 {
		q := openTest(t, cfg)
		started := make(chan struct{}, 1)
		done := runUntilCrash(q, 2, HandlerFunc(func(ctx context.Context, j Job) error {
			if j.ID != "hangs" {
				t.Errorf("job %s ran while %q held its key", j.ID, "hangs")
			}
			started <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		}))
		select {
		case <-started:
		case <-time.After(15 * time.Second):
			t.Fatal("the first job did not start")
		}
		crash(t, q, done)
	}

	q := openTest(t, cfg)
	var mu sync.Mutex
	ran := map[string]int{}
	var gaveUp []string
	runQueue(t, q, 2, struct {
		HandlerFunc
		GiveUpper
	}{
		HandlerFunc(func(_ context.Context, j Job) error {
			mu.Lock()
			defer mu.Unlock()
			ran[j.ID] = j.Attempt
			return nil
		}),
		giveUpFunc(func(_ context.Context, j Job, err error) {
			mu.Lock()
			defer mu.Unlock()
			gaveUp = append(gaveUp, j.ID+": "+err.Error())
		}),
	})
	waitEmpty(t, q)
	mu.Lock()
	defer mu.Unlock()
	// "hangs" was attempted twice (MaxDeliver) and never settled.
	if len(gaveUp) != 1 || gaveUp[0] != "hangs: "+ErrTooManyDeliveries.Error() {
		t.Errorf("given up %v, want only the job that hung twice", gaveUp)
	}
	for i := range waiting {
		id := fmt.Sprintf("waits-%d", i)
		if ran[id] != 1 {
			t.Errorf("job %s: ran as attempt %d, want attempt 1", id, ran[id])
		}
	}
}

type giveUpFunc func(ctx context.Context, j Job, err error)

func (f giveUpFunc) GiveUp(ctx context.Context, j Job, err error) { f(ctx, j, err) }

// rateLimited is an error of another package (gh's rate limit, say) that
// parks its job: queue finds it by its method alone.
type rateLimited struct{ until time.Time }

func (e rateLimited) Error() string      { return "rate limited until " + e.until.Format(time.RFC3339Nano) }
func (e rateLimited) RetryAt() time.Time { return e.until }

func TestRetryAtParksWithoutCountingAttempts(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.MaxDeliver = 2
	q := openTest(t, cfg)
	var mu sync.Mutex
	var attempts []int
	var parkedUntil, ranAt []time.Time
	var gaveUp []error
	const parks = 4 // more than MaxDeliver
	runQueue(t, q, 1, struct {
		HandlerFunc
		GiveUpper
	}{
		HandlerFunc(func(_ context.Context, j Job) error {
			mu.Lock()
			defer mu.Unlock()
			attempts = append(attempts, j.Attempt)
			ranAt = append(ranAt, time.Now())
			if len(parkedUntil) < parks {
				until := time.Now().Add(150 * time.Millisecond)
				parkedUntil = append(parkedUntil, until)
				return fmt.Errorf("create check run: %w", rateLimited{until})
			}
			return nil
		}),
		giveUpFunc(func(_ context.Context, _ Job, err error) {
			mu.Lock()
			defer mu.Unlock()
			gaveUp = append(gaveUp, err)
		}),
	})
	publish(t, q, Job{ID: "limited", Event: "pull_request", Key: "o/r#1"})
	waitFor(t, "the job to succeed", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(attempts) == parks+1
	})
	waitEmpty(t, q)
	mu.Lock()
	defer mu.Unlock()
	if len(gaveUp) != 0 {
		t.Fatalf("given up: %v", gaveUp)
	}
	for i, a := range attempts {
		if a != 1 {
			t.Errorf("call %d: attempt %d, want 1 (parking is no attempt)", i+1, a)
		}
		if i > 0 && ranAt[i].Before(parkedUntil[i-1]) {
			t.Errorf("call %d came %v before the time it was parked until", i+1, parkedUntil[i-1].Sub(ranAt[i]))
		}
	}
}

// A job of a key published after jobs held by a dead process runs after
// them, although the consumer hands it out first (theirs come back only
// after AckWait).
func TestKeyOrderAcrossRestart(t *testing.T) {
	url := startNATS(t)
	cfg := testConfig("")
	cfg.URL = url
	cfg.LockTTL = time.Second
	cfg.ShutdownGrace = 50 * time.Millisecond

	q1 := openTest(t, cfg)
	publish(t, q1, Job{ID: "a", Event: "push", Key: "o/r@main"})
	publish(t, q1, Job{ID: "b", Event: "push", Key: "o/r@main"})
	started := make(chan struct{}, 1)
	done := runUntilCrash(q1, 1, HandlerFunc(func(ctx context.Context, j Job) error {
		started <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}))
	<-started
	crash(t, q1, done)

	q2 := openTest(t, cfg)
	publish(t, q2, Job{ID: "c", Event: "push", Key: "o/r@main"})
	publish(t, q2, Job{ID: "other", Event: "push", Key: "o/r@dev"})
	rec := &recorder{}
	runQueue(t, q2, 2, rec)
	waitFor(t, "four jobs", func() bool { return len(rec.snapshot()) == 4 })
	waitEmpty(t, q2)
	var order []string
	for _, j := range rec.snapshot() {
		if j.Key == "o/r@main" {
			order = append(order, j.ID)
		}
	}
	if fmt.Sprint(order) != "[a b c]" {
		t.Fatalf("jobs of o/r@main ran in order %v, want [a b c]", order)
	}
	// Another key is not held back by them.
	if got := rec.snapshot()[0].ID; got != "other" {
		t.Errorf("first job run %q, want the other key's job", got)
	}
}

// A failed attempt of a job holds back the later jobs of its key until it
// succeeds.
func TestRetryKeepsKeyOrder(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Backoff = []time.Duration{200 * time.Millisecond}
	q := openTest(t, cfg)
	var mu sync.Mutex
	var order []string
	failed := false
	runQueue(t, q, 2, HandlerFunc(func(_ context.Context, j Job) error {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, j.ID)
		if j.ID == "a" && !failed {
			failed = true
			return errors.New("transient")
		}
		return nil
	}))
	publish(t, q, Job{ID: "a", Event: "push", Key: "k"})
	publish(t, q, Job{ID: "b", Event: "push", Key: "k"})
	waitFor(t, "both jobs", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(order) == 3
	})
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(order) != "[a a b]" {
		t.Fatalf("ran %v, want [a a b]", order)
	}
}

func TestJobTimeoutCountsAsFailedAttempt(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.JobTimeout = 50 * time.Millisecond
	q := openTest(t, cfg)
	h := &flaky{failures: -1}
	runQueue(t, q, 1, struct {
		HandlerFunc
		GiveUpper
	}{
		HandlerFunc(func(ctx context.Context, j Job) error {
			_ = h.Handle(ctx, j)
			<-ctx.Done()
			return context.Cause(ctx)
		}),
		h,
	})
	publish(t, q, Job{ID: "slow", Event: "push", Key: "k"})
	waitEmpty(t, q)
	attempts, gaveUp := h.state()
	if fmt.Sprint(attempts) != "[1 2 3]" || len(gaveUp) != 1 || !errors.Is(gaveUp[0], ErrJobTimeout) {
		t.Fatalf("attempts %v, given up %v; want [1 2 3] and one ErrJobTimeout", attempts, gaveUp)
	}
}

// A job whose attempts never settle because they kill the process is given
// up once MaxDeliver attempts were made, without running it again.
func TestGiveUpAfterAttemptsThatKilledTheProcess(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	for range cfg.MaxDeliver {
		runChildUntil(t, dir, "handle", "handling")
	}
	h := &flaky{failures: -1, err: errors.New("unused")}
	q := openTest(t, cfg)
	runQueue(t, q, 1, h)
	waitEmpty(t, q)
	attempts, gaveUp := h.state()
	if len(attempts) != 0 {
		t.Fatalf("job ran again (attempts %v) after MaxDeliver attempts", attempts)
	}
	if len(gaveUp) != 1 || !errors.Is(gaveUp[0], ErrTooManyDeliveries) {
		t.Fatalf("GiveUp calls %v, want one with ErrTooManyDeliveries", gaveUp)
	}
}
