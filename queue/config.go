package queue

import (
	"errors"
	"fmt"
	"time"
)

// Config says where the queue lives and how it retries. The zero value plus a
// DataDir is a working embedded single-replica queue.
type Config struct {
	// DataDir holds the embedded server's JetStream file store. Required when
	// URL is empty.
	DataDir string
	// URL of an external NATS server or cluster. Empty starts an embedded,
	// in-process server that listens on no port.
	URL string
	// Stream is the JetStream stream holding jobs (default KILN_JOBS).
	Stream string
	// MaxDeliver bounds how many times a job is attempted before the handler's
	// GiveUp hook runs and the message is terminated (default 5).
	MaxDeliver int
	// AckWait is how long the server waits for an ack before redelivering.
	// Workers send progress heartbeats, so it bounds how fast work held by a
	// dead process is redelivered, not how long a job may take (default 15s).
	AckWait time.Duration
	// JobTimeout bounds one attempt of a handler; past it the attempt is
	// cancelled (cause ErrJobTimeout) and counts as failed. 0: no bound.
	JobTimeout time.Duration
	// Backoff is the delay before attempt n+1 after attempt n failed; the last
	// value repeats (default 5s, 30s, 2m, 10m).
	Backoff []time.Duration
	// DedupeTTL is how long a delivery id is remembered (default 72h, the span
	// GitHub keeps deliveries for redelivery). JetStream's own duplicate
	// window covers the first DedupeWindow of it.
	DedupeTTL time.Duration
	// DedupeWindow is JetStream's Nats-Msg-Id duplicate window (default 2m).
	DedupeWindow time.Duration
	// LockTTL is how long a per-key lock outlives a replica that died while
	// holding it (default 15s). Only matters with several replicas.
	LockTTL time.Duration
	// LeaseTTL is how long a duty's lease (see RunLeased) outlives a
	// process that died holding it (default 15s).
	LeaseTTL time.Duration
	// ShutdownGrace is how long Run lets in-flight jobs finish once its
	// context is done before cancelling them (default 25s).
	ShutdownGrace time.Duration
	// MaxAckPending bounds the messages one consumer holds unacknowledged,
	// which bounds this process's memory (default 1000).
	MaxAckPending int
	// Replicas of the stream and buckets on an external cluster (default 1).
	Replicas int
	// MaxPayload of the embedded server; GitHub caps payloads at 25 MB
	// (default 32 MiB).
	MaxPayload int32
	// StartTimeout bounds how long Open waits for an external NATS that
	// cannot be reached yet, or answers but cannot yet place the stream and
	// buckets (no meta leader, a peer offline), before it fails (default 2m).
	StartTimeout time.Duration
	// SyncAlways makes the embedded server fsync every write. Without it a
	// killed process loses nothing (the OS holds the page cache); a power cut
	// may lose the last seconds.
	SyncAlways bool
}

func (c Config) withDefaults() Config {
	if c.Stream == "" {
		c.Stream = "KILN_JOBS"
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 5
	}
	if c.AckWait <= 0 {
		c.AckWait = 15 * time.Second
	}
	if len(c.Backoff) == 0 {
		c.Backoff = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute}
	}
	if c.DedupeTTL <= 0 {
		c.DedupeTTL = 72 * time.Hour
	}
	if c.DedupeWindow <= 0 {
		c.DedupeWindow = 2 * time.Minute
	}
	if c.LockTTL <= 0 {
		c.LockTTL = 15 * time.Second
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 15 * time.Second
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = 25 * time.Second
	}
	if c.MaxAckPending <= 0 {
		c.MaxAckPending = 1000
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 2 * time.Minute
	}
	if c.MaxPayload <= 0 {
		c.MaxPayload = 32 << 20
	}
	return c
}

func (c Config) validate() error {
	if c.URL == "" && c.DataDir == "" {
		return errors.New("queue: a data dir is required for the embedded server")
	}
	for _, r := range c.Stream {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("queue: stream name %q: only letters, digits, '_' and '-'", c.Stream)
		}
	}
	return nil
}

// backoff is the delay before the attempt after attempt n (1-based).
func (c Config) backoff(attempt int) time.Duration {
	i := attempt - 1
	if i < 0 {
		i = 0
	}
	if i >= len(c.Backoff) {
		i = len(c.Backoff) - 1
	}
	return c.Backoff[i]
}
