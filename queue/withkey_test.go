package queue

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// WithKey and the jobs of its key exclude each other both ways; other keys
// run meanwhile.
func TestWithKeyExcludesJobsOfItsKey(t *testing.T) {
	q := openTest(t, testConfig(t.TempDir()))
	ctx := context.Background()
	const key = "o/r@main"

	var inside, overlaps atomic.Int32
	ran := make(chan string, 10)
	release := make(chan struct{})
	runQueue(t, q, 4, HandlerFunc(func(ctx context.Context, j Job) error {
		if j.Key == key && inside.Load() > 0 {
			overlaps.Add(1)
		}
		ran <- j.ID
		if j.ID == "hold" {
			<-release
		}
		return nil
	}))

	// A job of the key holds it: WithKey waits for it.
	publish(t, q, Job{ID: "hold", Event: "push", Key: key})
	if id := <-ran; id != "hold" {
		t.Fatalf("ran %s", id)
	}
	entered := make(chan struct{})
	leave := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- q.WithKey(ctx, key, func(context.Context) error {
			inside.Add(1)
			close(entered)
			<-leave
			inside.Add(-1)
			return nil
		})
	}()
	select {
	case <-entered:
		t.Fatal("WithKey ran while a job of its key was running")
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("WithKey did not run after the job of its key finished")
	}

	// WithKey holds it: a job of the key waits, one of another key runs.
	publish(t, q, Job{ID: "same", Event: "push", Key: key})
	publish(t, q, Job{ID: "other", Event: "push", Key: "o/r@dev"})
	select {
	case id := <-ran:
		if id != "other" {
			t.Fatalf("job %s ran while WithKey held its key", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a job of another key did not run")
	}
	select {
	case id := <-ran:
		t.Fatalf("job %s ran while WithKey held its key", id)
	case <-time.After(300 * time.Millisecond):
	}
	close(leave)
	if err := <-done; err != nil {
		t.Fatalf("WithKey: %v", err)
	}
	select {
	case id := <-ran:
		if id != "same" {
			t.Fatalf("ran %s, want same", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the job of the key did not run after WithKey returned")
	}
	if n := overlaps.Load(); n != 0 {
		t.Errorf("%d jobs of the key ran inside WithKey", n)
	}
}

// A lock that cannot be refreshed (here: deleted under it) ends fn's
// context, and WithKey returns what fn returns.
func TestWithKeyEndsWhenTheLockIsLost(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.LockTTL = 600 * time.Millisecond
	q := openTest(t, cfg)
	ctx := context.Background()
	err := q.WithKey(ctx, "o/r@main", func(ctx context.Context) error {
		if err := q.locks.Delete(ctx, kvKey("o/r@main")); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(10 * time.Second):
			return errors.New("the context did not end")
		}
	})
	if !errors.Is(err, ErrLockLost) {
		t.Fatalf("WithKey: %v, want ErrLockLost", err)
	}
	// And the key is free again for the next holder.
	if err := q.WithKey(ctx, "o/r@main", func(context.Context) error { return nil }); err != nil {
		t.Fatalf("WithKey after a lost lock: %v", err)
	}
}
