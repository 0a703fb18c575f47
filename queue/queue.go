// Package queue is kiln's durable work queue: webhook deliveries persisted to
// NATS JetStream, handed to workers, acknowledged only after the work is done.
//
// By default the NATS server runs embedded in the process with its file store
// in the data directory (one replica). With an external NATS URL several
// replicas share the same stream, consumer and buckets through the same code.
//
// Layout: one work-queue stream (acked jobs are removed), one durable pull
// consumer shared by all replicas, and three key-value buckets: delivery ids
// seen (dedupe beyond JetStream's Nats-Msg-Id window), the newest
// superseding job per key, and per-key locks.
//
// Serialisation: inside a process the runner keeps, per key, the running job
// and a FIFO of waiting ones (heartbeating them so they are not redelivered),
// so one replica never runs two jobs of a key. Across replicas the consumer
// may hand jobs of one key to different replicas; each job therefore also
// holds a lock in the locks bucket (create-if-absent, refreshed while
// running, freed by the bucket TTL if its replica dies). The embedded server
// belongs to one process, so its stale locks are cleared at Open.
//
// Superseding: when a Supersedes job arrives, older waiting Supersedes jobs
// of its key are skipped (acked unrun) and a running one is cancelled with
// cause ErrSuperseded; the newest sequence per key is recorded with
// compare-and-set so a late redelivery of an older job is skipped too, and
// every replica watches that bucket to cancel its own running older job.
//
// Order: jobs of one key run in publication order, also across restarts and
// replicas: a job waits while an earlier job of its key is still in the
// stream (see order.go).
//
// Retries: a failed job is nak'ed with Config.Backoff; after MaxDeliver
// attempts (or a Permanent error) the handler's GiveUp hook runs and the
// message is terminated. Attempts are counted by the queue (attempts.go), not
// by the server's delivery count, so only calls of the handler count, and
// GiveUp also runs for jobs whose process died every time. An error with a
// RetryAt method parks the job until then without counting an attempt.
//
// Leases: a live process sends InProgress for every job it holds, running or
// waiting, every AckWait/3, so AckWait can be short: the jobs of a process
// that died are redelivered within AckWait.
//
// Jobs are at-least-once: a process killed after the work but before the ack
// redoes the job on restart, so handlers must be idempotent (kiln's are:
// check runs and comments are found and edited, applies use client tokens).
package queue

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Queue is an open connection to the job stream.
type Queue struct {
	cfg    Config
	log    *slog.Logger
	ns     *server.Server // nil with an external server
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	cons   jetstream.Consumer
	prefix string

	seen   jetstream.KeyValue // delivery ids, for dedupe beyond the JetStream window
	latest jetstream.KeyValue // per key: stream sequence of the newest Supersedes job
	locks  jetstream.KeyValue // per key: which replica runs it
	tries  jetstream.KeyValue // per job (stream sequence): attempts made
	leases jetstream.KeyValue // per duty: which process does it

	mu      sync.Mutex
	buckets map[string]jetstream.KeyValue
}

// Open connects to (or starts) the NATS server and makes sure the stream,
// consumer and buckets exist.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Queue, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := &Queue{cfg: cfg, log: log, prefix: "kiln.jobs." + cfg.Stream, buckets: map[string]jetstream.KeyValue{}}
	var err error
	if cfg.URL == "" {
		if q.ns, err = startEmbedded(cfg); err != nil {
			return nil, err
		}
		q.nc, err = nats.Connect("", nats.InProcessServer(q.ns), nats.Name("kiln"))
		if err != nil {
			q.Close()
			return nil, fmt.Errorf("connect to nats: %w", err)
		}
	} else {
		connect := func(context.Context) error {
			nc, err := nats.Connect(cfg.URL, nats.Name("kiln"), nats.MaxReconnects(-1))
			if err != nil {
				return fmt.Errorf("connect to nats: %w", err)
			}
			q.nc = nc
			return nil
		}
		if err := q.untilReady(ctx, connect); err != nil {
			return nil, err
		}
	}
	if err := q.untilReady(ctx, q.setup); err != nil {
		q.Close()
		return nil, err
	}
	return q, nil
}

func (q *Queue) setup(ctx context.Context) error {
	var err error
	if q.js, err = jetstream.New(q.nc, jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, m *nats.Msg, err error) {
		q.log.Warn("remember delivery id", "subject", m.Subject, "error", err)
	})); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	q.stream, err = q.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        q.cfg.Stream,
		Description: "kiln webhook deliveries waiting for a worker",
		Subjects:    []string{q.prefix + ".>"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  q.cfg.DedupeWindow,
		Replicas:    q.cfg.Replicas,
		Discard:     jetstream.DiscardOld,
	})
	if err != nil {
		return fmt.Errorf("create stream %s: %w", q.cfg.Stream, err)
	}
	q.cons, err = q.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       "workers",
		Description:   "kiln workers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       q.cfg.AckWait,
		MaxDeliver:    -1, // bounded by the queue itself so GiveUp always runs
		MaxAckPending: q.cfg.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("create consumer on %s: %w", q.cfg.Stream, err)
	}
	if q.seen, err = q.bucket(ctx, q.cfg.Stream+"_deliveries", q.cfg.DedupeTTL); err != nil {
		return err
	}
	// A month bounds the bucket to the keys of recent pull requests; a job
	// redelivered after that long is not worth guarding against.
	if q.latest, err = q.bucket(ctx, q.cfg.Stream+"_latest", 30*24*time.Hour); err != nil {
		return err
	}
	if q.tries, err = q.bucket(ctx, q.cfg.Stream+"_attempts", 30*24*time.Hour); err != nil {
		return err
	}
	if q.ns != nil {
		// The embedded server is this process's alone: any lock or lease
		// in it was held by a previous run of this process, now dead.
		for _, b := range []string{q.cfg.Stream + "_locks", q.cfg.Stream + "_leases"} {
			if err := q.js.DeleteKeyValue(ctx, b); err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
				return fmt.Errorf("clear stale locks: %w", err)
			}
		}
	}
	if q.locks, err = q.bucket(ctx, q.cfg.Stream+"_locks", q.cfg.LockTTL); err != nil {
		return err
	}
	if q.leases, err = q.bucket(ctx, q.cfg.Stream+"_leases", q.cfg.LeaseTTL); err != nil {
		return err
	}
	return nil
}

func (q *Queue) bucket(ctx context.Context, name string, ttl time.Duration) (jetstream.KeyValue, error) {
	kv, err := q.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   name,
		TTL:      ttl,
		Storage:  jetstream.FileStorage,
		Replicas: q.cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("key-value bucket %s: %w", name, err)
	}
	return kv, nil
}

// KV returns a durable key-value bucket for other state (e.g. bake
// tracking), created on first use.
func (q *Queue) KV(ctx context.Context, bucket string) (jetstream.KeyValue, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if kv, ok := q.buckets[bucket]; ok {
		return kv, nil
	}
	kv, err := q.bucket(ctx, bucket, 0)
	if err != nil {
		return nil, err
	}
	q.buckets[bucket] = kv
	return kv, nil
}

// Close drains the connection and stops the embedded server.
func (q *Queue) Close() error {
	var err error
	if q.js != nil {
		select { // let delivery ids being remembered reach the bucket
		case <-q.js.PublishAsyncComplete():
		case <-time.After(5 * time.Second):
		}
	}
	if q.nc != nil {
		err = q.nc.Drain()
		// Drain is asynchronous; wait for it so the embedded server is not
		// shut down under pending acks.
		for i := 0; i < 200 && !q.nc.IsClosed(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		q.nc.Close()
	}
	if q.ns != nil {
		q.ns.Shutdown()
		q.ns.WaitForShutdown()
	}
	return err
}

// Publish persists j. It reports duplicate (and queues nothing) when a job
// with the same ID was published within Config.DedupeTTL.
func (q *Queue) Publish(ctx context.Context, j Job) (duplicate bool, err error) {
	if err := j.validate(); err != nil {
		return false, fmt.Errorf("publish: %w", err)
	}
	if j.Received.IsZero() {
		j.Received = time.Now()
	}
	id := kvKey(j.ID)
	if _, err := q.seen.Get(ctx, id); err == nil {
		return true, nil
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, fmt.Errorf("publish %s: look up delivery: %w", j.ID, err)
	}
	// Two copies racing past the lookup are caught by the stream's own
	// Nats-Msg-Id window.
	ack, err := q.js.PublishMsg(ctx, q.encode(j))
	if err != nil {
		return false, fmt.Errorf("publish %s: %w", j.ID, err)
	}
	if ack.Duplicate {
		return true, nil
	}
	// The job is safely queued: remembering its id for the long window is
	// not worth a round trip before answering. This is a key-value Put
	// (a publish to the bucket's subject) whose ack is not awaited; a
	// failure is logged by the async error handler.
	if _, err := q.js.PublishAsync("$KV."+q.seen.Bucket()+"."+id, seqString(ack.Sequence)); err != nil {
		q.log.WarnContext(ctx, "remember delivery id", "delivery", j.ID, "error", err)
	}
	return false, nil
}

// forget drops a delivery id from the dedupe bucket so that a manual
// redelivery from GitHub after a give-up is processed again.
func (q *Queue) forget(ctx context.Context, id string) {
	if err := q.seen.Delete(ctx, kvKey(id)); err != nil {
		q.log.WarnContext(ctx, "forget delivery id", "delivery", id, "error", err)
	}
}

// Ready reports whether the queue can take and hand out jobs.
func (q *Queue) Ready(ctx context.Context) error {
	if s := q.nc.Status(); s != nats.CONNECTED {
		return fmt.Errorf("nats connection %s", s)
	}
	if _, err := q.stream.Info(ctx); err != nil {
		return fmt.Errorf("stream %s: %w", q.cfg.Stream, err)
	}
	return nil
}

// Depth reports how many jobs are queued or running and the age of the
// oldest one.
func (q *Queue) Depth(ctx context.Context) (pending int, oldest time.Duration, err error) {
	info, err := q.stream.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("stream %s: %w", q.cfg.Stream, err)
	}
	if info.State.Msgs == 0 {
		return 0, 0, nil
	}
	// Work-queue retention removes acked messages, so the first message in
	// the stream is the oldest one not done.
	m, err := q.stream.GetMsg(ctx, info.State.FirstSeq)
	if err != nil {
		if errors.Is(err, jetstream.ErrMsgNotFound) { // acked meanwhile
			return int(info.State.Msgs), 0, nil
		}
		return 0, 0, fmt.Errorf("oldest job: %w", err)
	}
	return int(info.State.Msgs), time.Since(m.Time), nil
}

// kvKey maps any string to a valid key-value key.
func kvKey(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func fromKVKey(k string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(k)
	return string(b), err == nil
}
