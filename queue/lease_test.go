package queue

import (
	"context"
	"sync"
	"testing"
	"time"
)

// dutyLog records which process runs a duty when, and how many at once.
type dutyLog struct {
	mu      sync.Mutex
	running map[int]bool
	most    int
	starts  []int
	started chan int
}

func (d *dutyLog) duty(i int) func(ctx context.Context) {
	return func(ctx context.Context) {
		d.mu.Lock()
		d.running[i] = true
		d.most = max(d.most, len(d.running))
		d.starts = append(d.starts, i)
		d.mu.Unlock()
		d.started <- i
		<-ctx.Done()
		d.mu.Lock()
		delete(d.running, i)
		d.mu.Unlock()
	}
}

func TestLeaseOneHolderTakenOverWhenItDies(t *testing.T) {
	url := startNATS(t)
	cfg := testConfig("")
	cfg.URL = url
	cfg.LeaseTTL = time.Second
	d := &dutyLog{running: map[int]bool{}, started: make(chan int, 10)}

	queues := make([]*Queue, 3)
	stops := make([]context.CancelFunc, 3)
	dones := make([]chan error, 3)
	for i := range queues {
		queues[i] = openTest(t, cfg)
		ctx, cancel := context.WithCancel(context.Background())
		stops[i], dones[i] = cancel, make(chan error, 1)
		go func() { dones[i] <- queues[i].RunLeased(ctx, "bakes", d.duty(i)); close(dones[i]) }()
		t.Cleanup(func() { cancel(); <-dones[i] })
	}
	wait := func(what string) (int, time.Duration) {
		t.Helper()
		start := time.Now()
		select {
		case i := <-d.started:
			return i, time.Since(start)
		case <-time.After(10 * time.Second):
			t.Fatalf("no process took the duty %s", what)
			return 0, 0
		}
	}
	first, _ := wait("at start")

	// The holder dies: its lease lapses and another takes over.
	queues[first].nc.Close()
	second, took := wait("after the holder died")
	if second == first {
		t.Fatalf("the dead process %d took the duty again", first)
	}
	if took > 2*cfg.LeaseTTL {
		t.Errorf("takeover after the holder died took %v, want at most %v", took, 2*cfg.LeaseTTL)
	}

	// The holder stops: it frees its lease and the last one takes over at
	// once rather than after the TTL.
	stops[second]()
	<-dones[second]
	third, took := wait("after the holder stopped")
	if third == first || third == second {
		t.Fatalf("duty taken by %d, want the remaining process", third)
	}
	if took > cfg.LeaseTTL/2 {
		t.Errorf("takeover after a graceful stop took %v, want well under the TTL %v", took, cfg.LeaseTTL)
	}
	time.Sleep(2 * cfg.LeaseTTL) // the holder keeps it while alive
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.most != 1 {
		t.Errorf("%d processes ran the duty at once, want 1", d.most)
	}
	if len(d.starts) != 3 {
		t.Errorf("duty started %v, want one start per holder", d.starts)
	}
}

// With the embedded server, a restart of the one process takes the lease
// its previous run held at once.
func TestLeaseEmbeddedRestartTakesItAtOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.LeaseTTL = 10 * time.Minute
	q := openTest(t, cfg)
	if _, err := q.leases.Create(context.Background(), "drift", []byte("previous run")); err != nil {
		t.Fatal(err)
	}
	q.Close()

	q = openTest(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	go func() { _ = q.RunLeased(ctx, "drift", func(ctx context.Context) { close(started); <-ctx.Done() }) }()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the restarted process did not take its previous run's lease")
	}
}
