package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startNATS runs a standalone JetStream server on a random loopback port, as
// an external NATS that several kiln replicas share.
func startNATS(t *testing.T) string {
	t.Helper()
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns.ClientURL()
}

func TestReplicasSerialiseKeys(t *testing.T) {
	url := startNATS(t)
	cfg := testConfig("")
	cfg.URL = url
	replicas := []*Queue{openTest(t, cfg), openTest(t, cfg)}

	var mu sync.Mutex
	inFlight := map[string]int{}
	overlap := false
	handled := map[string]int{}
	byReplica := map[int]int{}
	for i, q := range replicas {
		runQueue(t, q, 4, HandlerFunc(func(ctx context.Context, j Job) error {
			mu.Lock()
			inFlight[j.Key]++
			if inFlight[j.Key] > 1 {
				overlap = true
			}
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			inFlight[j.Key]--
			handled[j.ID]++
			byReplica[i]++
			mu.Unlock()
			return nil
		}))
	}
	// One key: the consumer spreads its jobs over both replicas, so only
	// the cross-replica lock keeps them from overlapping.
	const jobs = 12
	for i := range jobs {
		publish(t, replicas[i%2], Job{ID: fmt.Sprintf("job-%d", i), Event: "pull_request", Key: "o/r#1"})
	}
	waitFor(t, "all jobs", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(handled) == jobs
	})
	waitEmpty(t, replicas[0])
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if overlap {
		t.Error("two replicas ran jobs of one key at the same time")
	}
	for id, n := range handled {
		if n != 1 {
			t.Errorf("job %s handled %d times", id, n)
		}
	}
	t.Logf("jobs per replica: %v", byReplica)
}

// A job of a key that another replica is running waits for it: replica A
// stops pulling (shutting down, its job still running) so that the next job
// of the key can only go to replica B.
func TestReplicaWaitsForAnothersKey(t *testing.T) {
	url := startNATS(t)
	cfg := testConfig("")
	cfg.URL = url
	cfg.ShutdownGrace = 10 * time.Second
	a, b := openTest(t, cfg), openTest(t, cfg)

	var mu sync.Mutex
	var events []string
	record := func(e string) { mu.Lock(); events = append(events, e); mu.Unlock() }
	started, release := make(chan struct{}), make(chan struct{})
	stopA := runQueue(t, a, 1, HandlerFunc(func(ctx context.Context, j Job) error {
		record("a:start:" + j.ID)
		close(started)
		<-release
		record("a:end:" + j.ID)
		return nil
	}))
	publish(t, a, Job{ID: "first", Event: "pull_request", Key: "o/r#9"})
	<-started
	aStopped := make(chan struct{})
	go func() { stopA(); close(aStopped) }()
	time.Sleep(200 * time.Millisecond) // a's iterator is closed

	runQueue(t, b, 1, HandlerFunc(func(ctx context.Context, j Job) error {
		record("b:start:" + j.ID)
		return nil
	}))
	publish(t, b, Job{ID: "second", Event: "pull_request", Key: "o/r#9"})
	time.Sleep(500 * time.Millisecond)
	close(release)
	<-aStopped
	waitEmpty(t, b)
	mu.Lock()
	defer mu.Unlock()
	if got := fmt.Sprint(events); got != "[a:start:first a:end:first b:start:second]" {
		t.Fatalf("events %s: replica b ran the key while replica a held it", got)
	}
}

func TestReplicasSupersede(t *testing.T) {
	url := startNATS(t)
	cfg := testConfig("")
	cfg.URL = url
	replicas := []*Queue{openTest(t, cfg), openTest(t, cfg)}
	running := make(chan struct{})
	cause := make(chan error, 1)
	var mu sync.Mutex
	var handled []string
	for _, q := range replicas {
		runQueue(t, q, 2, HandlerFunc(func(ctx context.Context, j Job) error {
			mu.Lock()
			handled = append(handled, j.ID)
			mu.Unlock()
			if j.ID == "old" {
				close(running)
				<-ctx.Done()
				cause <- context.Cause(ctx)
				return ctx.Err()
			}
			return nil
		}))
	}
	publish(t, replicas[0], Job{ID: "old", Event: "pull_request", Key: "o/r#3", Supersedes: true})
	<-running
	publish(t, replicas[1], Job{ID: "new", Event: "pull_request", Key: "o/r#3", Supersedes: true})
	select {
	case c := <-cause:
		if !errors.Is(c, ErrSuperseded) {
			t.Fatalf("old job cancelled with %v", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("old job not cancelled")
	}
	waitEmpty(t, replicas[0])
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(handled) != "[old new]" {
		t.Fatalf("handled %v, want [old new]", handled)
	}
}
