package reconciler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// EnvironmentOpener gives the ImageBuilder of an environment by name, and
// the SSM parameter prefix AMI ids are written under (empty: none).
type EnvironmentOpener func(ctx context.Context, repo, env string) (ib ImageBuilder, ssmPrefix string, err error)

// Tracker follows every active bake until it ends. State lives in Store, so
// any replica (or a restarted one) carries on where another stopped.
type Tracker struct {
	Store    BakeStore
	Reporter BakeReporter
	Open     EnvironmentOpener
	Backoff  Backoff
	Now      func() time.Time
	Log      *slog.Logger
}

// Tick polls every bake that is due and reports how many are still active.
func (t *Tracker) Tick(ctx context.Context) (active int, err error) {
	recs, err := t.Store.Active(ctx)
	if err != nil {
		return 0, fmt.Errorf("list bakes: %w", err)
	}
	now := t.Now()
	var errs []error
	for _, b := range recs {
		if b.NextPoll.After(now) {
			active++
			continue
		}
		ib, prefix, err := t.Open(ctx, b.Repo, b.Environment)
		if err != nil {
			errs = append(errs, fmt.Errorf("bake %s: %w", b.ID, err))
			active++
			continue
		}
		b, err = PollBake(ctx, ib, t.Store, t.Reporter, b, now, t.Backoff, prefix)
		if err != nil {
			errs = append(errs, err)
		}
		if !b.Done {
			active++
		}
	}
	return active, errors.Join(errs...)
}

// Run ticks every interval until ctx ends.
func (t *Tracker) Run(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if _, err := t.Tick(ctx); err != nil && ctx.Err() == nil {
			log := t.Log
			if log == nil {
				log = slog.Default()
			}
			log.WarnContext(ctx, "bake tracking", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
