// Command intake measures webhook intake: signed deliveries per second and
// the latency of the 202, over loopback HTTP into a real embedded JetStream
// queue on disk.
//
//	go run ./bench/intake -n 20000 -c 8
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kiln-gitops/kiln/queue"
	"github.com/kiln-gitops/kiln/webhook"
)

func main() {
	n := flag.Int("n", 20000, "deliveries to send (at most 1,000,000)")
	c := flag.Int("c", 8, "concurrent connections")
	payload := flag.String("payload", "testdata/github/webhooks/pull_request.synchronize.json", "webhook payload to send")
	event := flag.String("event", "pull_request", "X-GitHub-Event")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	dir := flag.String("data-dir", "", "queue data dir (default: a temporary directory, removed afterwards)")
	natsURL := flag.String("nats", "", "external NATS URL(s): the replicas' shared cluster (default: embedded)")
	replicas := flag.Int("replicas", 1, "kiln replicas taking deliveries (each its own NATS connection, queue and listener; needs -nats above 1)")
	streamReplicas := flag.Int("stream-replicas", 1, "copies of the stream in the NATS cluster")
	flag.Parse()
	if *replicas < 1 || *replicas > 16 || (*replicas > 1 && *natsURL == "") {
		log.Fatal("want 1 <= replicas <= 16, and -nats for more than one")
	}
	if *n <= 0 || *n > 1_000_000 || *c <= 0 || *c > 256 {
		log.Fatal("want 0 < n <= 1,000,000 and 0 < c <= 256")
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*n, *c, *payload, *event, *dir, *natsURL, *replicas, *streamReplicas); err != nil {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
}

func run(n, conns int, payloadFile, event, dataDir, natsURL string, replicas, streamReplicas int) error {
	body, err := os.ReadFile(payloadFile)
	if err != nil {
		return err
	}
	if dataDir == "" {
		if dataDir, err = os.MkdirTemp("", "kiln-bench-intake-"); err != nil {
			return err
		}
		defer os.RemoveAll(dataDir)
	}
	ctx := context.Background()
	secret := []byte("bench-secret")
	// Each replica: its own connection, queue, intake and loopback listener,
	// as separate kiln serve processes would have.
	var urls []string
	var q *queue.Queue
	stream := "KILN_BENCH_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	for i := range replicas {
		cfg := queue.Config{DataDir: filepath.Join(dataDir, "queue")}
		if natsURL != "" {
			cfg = queue.Config{URL: natsURL, Stream: stream, Replicas: streamReplicas}
		}
		rq, err := queue.Open(ctx, cfg, nil)
		if err != nil {
			return fmt.Errorf("replica %d: %w", i+1, err)
		}
		defer rq.Close()
		if q == nil {
			q = rq
		}
		in, err := webhook.NewIntake(secret, rq, webhook.IntakeOptions{})
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0") // loopback only
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: in, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		urls = append(urls, "http://"+ln.Addr().String()+"/webhook")
	}
	sig := webhook.Sign(secret, body)
	// Prefix per run so a reused data dir does not turn the deliveries into
	// duplicates.
	prefix := strconv.FormatInt(time.Now().UnixNano(), 36)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	latencies := make([]time.Duration, n)
	var next atomic.Int64
	var failures atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, urls[i%len(urls)], bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-GitHub-Event", event)
				req.Header.Set("X-GitHub-Delivery", prefix+"-"+strconv.Itoa(i))
				req.Header.Set("X-Hub-Signature-256", sig)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				latencies[i] = time.Since(t0)
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	depth, _, err := q.Depth(ctx)
	if err != nil {
		return err
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
	where := "embedded JetStream"
	if natsURL != "" {
		where = fmt.Sprintf("a NATS cluster (stream replicas %d)", streamReplicas)
	}
	fmt.Printf("intake: %d signed %s deliveries of %d bytes, %d connections, %d replica(s) on %s, GOMAXPROCS=%d\n", n, event, len(body), conns, replicas, where, runtime.GOMAXPROCS(0))
	fmt.Printf("  %.0f deliveries/s (%.2fs)\n", float64(n)/elapsed.Seconds(), elapsed.Seconds())
	fmt.Printf("  202 latency p50 %v  p90 %v  p99 %v  max %v\n",
		pct(0.50).Round(time.Microsecond), pct(0.90).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), latencies[n-1].Round(time.Microsecond))
	fmt.Printf("  persisted in the queue: %d, failures: %d\n", depth, failures.Load())
	if f := failures.Load(); f > 0 {
		return fmt.Errorf("%d deliveries failed, first: %v", f, firstErr.Load())
	}
	if depth != n {
		return fmt.Errorf("queue holds %d jobs, want %d", depth, n)
	}
	return nil
}
