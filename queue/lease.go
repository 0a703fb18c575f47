package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// Leases are for duties that one process at a time must do however many
// replicas run (the bake tracker, the drift loop). A lease is a key in a
// key-value bucket whose TTL is the lease's: the holder refreshes it every
// LeaseTTL/4, the others try to create it as often, so when the holder
// dies its lease lapses and another process takes the duty within about
// LeaseTTL plus one try.

// ErrLeaseLost is the context cause of a duty whose lease could not be
// refreshed in time (or was taken by another process).
var ErrLeaseLost = errors.New("lease lost")

// RunLeased runs duty whenever this process holds the lease called name,
// until ctx is done. duty's context ends when the lease is lost; duty is then
// run again once the lease is taken again. A duty that returns by itself
// gives the lease up and waits for the next turn.
func (q *Queue) RunLeased(ctx context.Context, name string, duty func(ctx context.Context)) error {
	if err := validLeaseName(name); err != nil {
		return err
	}
	owner := []byte(nuid.Next())
	every := q.cfg.LeaseTTL / 4
	log := q.log.With("lease", name)
	for {
		rev, err := q.leases.Create(ctx, name, owner)
		switch {
		case err == nil:
			log.InfoContext(ctx, "lease taken")
			q.hold(ctx, name, owner, rev, duty)
		case errors.Is(err, jetstream.ErrKeyExists):
		case ctx.Err() == nil:
			log.WarnContext(ctx, "take lease", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

// hold runs duty while refreshing the lease, and frees the lease when duty
// ends so that another process need not wait for it to lapse.
func (q *Queue) hold(ctx context.Context, name string, owner []byte, rev uint64, duty func(ctx context.Context)) {
	log := q.log.With("lease", name)
	dctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	done := make(chan struct{})
	go func() { defer close(done); duty(dctx) }()

	tick := time.NewTicker(q.cfg.LeaseTTL / 4)
	defer tick.Stop()
	refreshed := time.Now()
	for {
		select {
		case <-done:
			q.release(ctx, name, rev)
			return
		case <-ctx.Done():
			<-done
			q.release(ctx, name, rev)
			return
		case <-tick.C:
		}
		next, err := q.leases.Update(ctx, name, owner, rev)
		if err == nil {
			rev, refreshed = next, time.Now()
			continue
		}
		if ctx.Err() != nil {
			continue
		}
		// A refresh may fail while the cluster elects a leader; the lease
		// is still ours until its TTL, less a margin for clock and
		// delivery, has passed since the last refresh — unless someone
		// else holds it now.
		if isWrongLastSeq(err) || errors.Is(err, jetstream.ErrKeyExists) || time.Since(refreshed) > q.cfg.LeaseTTL*3/4 {
			log.WarnContext(ctx, "lease lost", "error", err)
			stop(fmt.Errorf("%w: %w", ErrLeaseLost, err))
			<-done
			return
		}
		log.WarnContext(ctx, "refresh lease", "error", err)
	}
}

func (q *Queue) release(ctx context.Context, name string, rev uint64) {
	if err := q.leases.Delete(context.WithoutCancel(ctx), name, jetstream.LastRevision(rev)); err != nil {
		q.log.WarnContext(ctx, "free lease", "lease", name, "error", err)
		return
	}
	q.log.InfoContext(ctx, "lease freed", "lease", name)
}

func validLeaseName(name string) error {
	if name == "" {
		return errors.New("lease without a name")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("lease name %q: only letters, digits, '_' and '-'", name)
		}
	}
	return nil
}
