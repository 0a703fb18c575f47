package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// Cross-replica serialisation. Inside one process the runner already runs
// one job per key at a time; with several replicas on one stream the
// consumer hands jobs of one key to different replicas, so each job also
// takes a lock in a key-value bucket whose TTL frees the locks of a replica
// that died. The holder refreshes the lock while it works.

type keyLock struct {
	kv  jetstream.KeyValue
	key string
	rev uint64
}

func (q *Queue) lock(ctx context.Context, key, owner string) (*keyLock, error) {
	k := kvKey(key)
	wait := 20 * time.Millisecond
	for {
		rev, err := q.locks.Create(ctx, k, []byte(owner))
		if err == nil {
			return &keyLock{kv: q.locks, key: k, rev: rev}, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("lock %s: %w", key, err)
		}
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-time.After(wait):
		}
		if wait < 500*time.Millisecond {
			wait *= 2
		}
	}
}

func (l *keyLock) refresh(ctx context.Context, owner string) error {
	rev, err := l.kv.Update(ctx, l.key, []byte(owner), l.rev)
	if err != nil {
		return fmt.Errorf("refresh lock: %w", err)
	}
	l.rev = rev
	return nil
}

func (l *keyLock) release(ctx context.Context) error {
	if err := l.kv.Delete(ctx, l.key, jetstream.LastRevision(l.rev)); err != nil {
		return fmt.Errorf("release lock: %w", err)
	}
	return nil
}

// claimLatest records seq as the newest Supersedes job for key unless a newer
// one is recorded already; it reports whether seq is (still) the newest.
func (q *Queue) claimLatest(ctx context.Context, key string, seq uint64) (bool, error) {
	k := kvKey(key)
	for {
		e, err := q.latest.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if _, err := q.latest.Create(ctx, k, seqString(seq)); err == nil {
				return true, nil
			} else if !errors.Is(err, jetstream.ErrKeyExists) {
				return false, fmt.Errorf("record latest for %s: %w", key, err)
			}
			continue
		}
		if err != nil {
			return false, fmt.Errorf("latest for %s: %w", key, err)
		}
		cur, _ := strconv.ParseUint(string(e.Value()), 10, 64)
		if cur > seq {
			return false, nil
		}
		if cur == seq {
			return true, nil
		}
		if _, err := q.latest.Update(ctx, k, seqString(seq), e.Revision()); err == nil {
			return true, nil
		} else if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongLastSeq(err) {
			return false, fmt.Errorf("record latest for %s: %w", key, err)
		}
	}
}

func isWrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// Latest returns the stream sequence of the newest Supersedes job published
// for key (0 if none), so a handler can check before posting results that
// nothing newer has arrived.
func (q *Queue) Latest(ctx context.Context, key string) (uint64, error) {
	e, err := q.latest.Get(ctx, kvKey(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("latest for %s: %w", key, err)
	}
	return strconv.ParseUint(string(e.Value()), 10, 64)
}

// keep refreshes the lock every ttl/3 until stop is called or ctx ends,
// and calls lost (once, then stops) with an ErrLockLost when a refresh
// fails.
func (l *keyLock) keep(ctx context.Context, owner string, ttl time.Duration, lost func(error)) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if err := l.refresh(ctx, owner); err != nil && ctx.Err() == nil {
					lost(fmt.Errorf("%w: %w", ErrLockLost, err))
					return
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// ErrLockLost ends the context of a job or a WithKey function whose lock
// could not be refreshed: another replica may be running the key's jobs by
// now.
var ErrLockLost = errors.New("key lock lost")

// WithKey runs fn while holding key's lock, as a job of key does, so that
// work done outside the queue (a drift correction) never overlaps a job of
// the same key on any replica: the jobs wait for fn, and fn waits for the
// job that is running. fn's context ends with ErrLockLost if the lock
// cannot be kept.
func (q *Queue) WithKey(ctx context.Context, key string, fn func(context.Context) error) error {
	owner := "with-key-" + nuid.Next()
	l, err := q.lock(ctx, key, owner)
	if err != nil {
		return err
	}
	defer func() {
		if rerr := l.release(context.WithoutCancel(ctx)); rerr != nil {
			q.log.WarnContext(ctx, "release key lock", "key", key, "error", rerr)
		}
	}()
	fnCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := l.keep(fnCtx, owner, q.cfg.LockTTL, func(err error) {
		q.log.WarnContext(ctx, "key lock lost", "key", key, "error", err)
		cancel(err)
	})
	defer stop()
	return fn(fnCtx)
}
