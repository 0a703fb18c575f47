package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A NATS cluster that is starting, rolling or healing answers for a while
// with errors that go away by themselves: no meta leader yet, or too few
// peers online to place a replicated stream. A replica started at that
// moment (a Kubernetes rollout restarts kiln and NATS together) waits for the
// cluster instead of exiting, which would only put it in a crash loop.

// The first and the longest pause between attempts to start, and how long
// one attempt may wait for answers: a request sent while the cluster has no
// meta leader is never answered, so an attempt bounded only by the caller's
// context would hang past the moment the cluster is ready.
const (
	firstStartPause = 250 * time.Millisecond
	maxStartPause   = 5 * time.Second
	startAttempt    = 5 * time.Second
)

// untilReady runs start until it succeeds, fails for a reason that does not
// heal, or Config.StartTimeout passes.
func (q *Queue) untilReady(ctx context.Context, start func(context.Context) error) error {
	deadline := time.Now().Add(q.cfg.StartTimeout)
	pause := firstStartPause
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithDeadline(ctx, earliest(time.Now().Add(startAttempt), deadline))
		err := start(actx)
		cancel()
		if err == nil || !transient(err) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (waiting for nats: %w)", ctx.Err(), err)
		}
		if !time.Now().Add(pause).Before(deadline) {
			return fmt.Errorf("nats not ready within %s (%d attempts): %w", q.cfg.StartTimeout, attempt, err)
		}
		q.log.Warn("nats not ready; retrying", "attempt", attempt, "retry_in", pause, "error", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (waiting for nats: %w)", ctx.Err(), err)
		case <-time.After(pause):
		}
		pause = min(2*pause, maxStartPause)
	}
}

// transient reports whether an error is one a cluster gives while it forms,
// elects or misses a peer, or one that a race between replicas creating the
// same stream gives, as opposed to a request the server refuses (a bad
// config, replicas on a single server, JetStream off, bad credentials),
// which retrying cannot fix. NATS answers both kinds with 500s, so the codes
// are listed.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, nats.ErrNoServers) {
		return true // NATS restarting with kiln
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) {
		return true // no meta leader answers yet
	}
	var api *jetstream.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode {
	case 10004, // incomplete results: a peer did not answer in time
		10005, // no suitable peers for placement: a peer is offline
		10007, // cluster not assigned to this server: placement in progress
		10008, // JetStream system temporarily unavailable
		10009, // cluster can not handle request: no leader, or a new one
		// Another replica created the stream between this one's update (not
		// found) and create, with the config of another kiln version: the
		// next attempt takes the update path.
		10058:
		return true
	}
	return false
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
