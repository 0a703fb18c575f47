package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kiln-gitops/kiln/queue"
)

// EventHandler does the work for some webhook events, in a worker.
type EventHandler interface {
	// Handles lists the events (X-GitHub-Event values) it handles.
	Handles() []string
	// Handle does the work. An error retries the delivery with backoff;
	// queue.Permanent(err) gives up at once.
	Handle(ctx context.Context, eventType, deliveryID string, payload []byte) error
}

// GiveUpHandler is an optional EventHandler extension called once when a
// delivery is abandoned, so the failure can be reported (e.g. on a check run).
type GiveUpHandler interface {
	GiveUp(ctx context.Context, eventType, deliveryID string, payload []byte, err error)
}

// Router dispatches queued deliveries to the EventHandler of their event.
// It implements queue.Handler and queue.GiveUpper.
type Router struct {
	handlers map[string]EventHandler
	log      *slog.Logger
	observe  func(event, outcome string, d time.Duration)
}

// Job outcomes reported to the Router's observe function.
const (
	JobSuccess    = "success"
	JobError      = "error"
	JobSuperseded = "superseded"
	JobCancelled  = "cancelled"
	JobParked     = "parked"
	JobUnrouted   = "unrouted"
)

// NewRouter maps each event to its one handler. observe, if not nil, is
// called after every job with its event, outcome and duration.
func NewRouter(log *slog.Logger, observe func(event, outcome string, d time.Duration), handlers ...EventHandler) (*Router, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if observe == nil {
		observe = func(string, string, time.Duration) {}
	}
	r := &Router{handlers: map[string]EventHandler{}, log: log, observe: observe}
	for _, h := range handlers {
		for _, ev := range h.Handles() {
			if prev, ok := r.handlers[ev]; ok {
				return nil, fmt.Errorf("event %q has two handlers: %T and %T", ev, prev, h)
			}
			r.handlers[ev] = h
		}
	}
	return r, nil
}

type ctxKey int

const (
	loggerKey ctxKey = iota
	jobKey
)

// Logger returns the logger of the delivery being handled, carrying its
// delivery id, event, repository, pull request and commit; fallback if none.
func Logger(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	if fallback == nil {
		return slog.New(slog.DiscardHandler)
	}
	return fallback
}

// JobFrom returns the queued job being handled (attempt, sequence, key).
func JobFrom(ctx context.Context) (queue.Job, bool) {
	j, ok := ctx.Value(jobKey).(queue.Job)
	return j, ok
}

// Handle implements queue.Handler.
func (r *Router) Handle(ctx context.Context, j queue.Job) error {
	log := r.log.With(attrsAny(LogAttrs(j.Event, j.ID, j.Payload))...).With("attempt", j.Attempt)
	h, ok := r.handlers[j.Event]
	if !ok {
		log.WarnContext(ctx, "no handler for event")
		r.observe(j.Event, JobUnrouted, 0)
		return nil
	}
	ctx = context.WithValue(context.WithValue(ctx, loggerKey, log), jobKey, j)
	start := time.Now()
	log.InfoContext(ctx, "job started", "queued_for", start.Sub(j.Received).Round(time.Millisecond).String())
	err := h.Handle(ctx, j.Event, j.ID, j.Payload)
	d := time.Since(start)
	outcome := JobSuccess
	var parked queue.RetryAter
	switch {
	case err == nil:
		log.InfoContext(ctx, "job done", "duration", d.Round(time.Millisecond).String())
	case errors.Is(context.Cause(ctx), queue.ErrSuperseded):
		outcome = JobSuperseded
		log.InfoContext(ctx, "job superseded", "duration", d.Round(time.Millisecond).String())
	case errors.As(err, &parked):
		// A rate limit: the queue parks the job until then, without
		// counting the attempt.
		outcome = JobParked
		log.InfoContext(ctx, "job parked", "until", parked.RetryAt().UTC().Format(time.RFC3339), "reason", err, "duration", d.Round(time.Millisecond).String())
	case ctx.Err() != nil:
		outcome = JobCancelled
		log.WarnContext(ctx, "job cancelled", "cause", context.Cause(ctx), "duration", d.Round(time.Millisecond).String())
	default:
		outcome = JobError
		log.ErrorContext(ctx, "job failed", "error", err, "duration", d.Round(time.Millisecond).String())
	}
	r.observe(j.Event, outcome, d)
	return err
}

// GiveUp implements queue.GiveUpper.
func (r *Router) GiveUp(ctx context.Context, j queue.Job, err error) {
	h, ok := r.handlers[j.Event].(GiveUpHandler)
	if !ok {
		return
	}
	log := r.log.With(attrsAny(LogAttrs(j.Event, j.ID, j.Payload))...).With("attempt", j.Attempt)
	ctx = context.WithValue(context.WithValue(ctx, loggerKey, log), jobKey, j)
	h.GiveUp(ctx, j.Event, j.ID, j.Payload, err)
}
