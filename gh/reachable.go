package gh

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Reachability windows: an answer from GitHub within reachableFor counts as
// GitHub reachable; with none, Reachable probes at most once per probeEvery.
const (
	reachableFor = time.Minute
	probeEvery   = 30 * time.Second
)

// reachability remembers when GitHub last answered, from every request
// kiln makes, so readiness needs no request of its own while kiln is busy.
type reachability struct {
	mu        sync.Mutex
	lastOK    time.Time
	lastProbe time.Time
	probeErr  error
}

// saw records an answer. A rate limit is an answer too: GitHub is there.
func (r *reachability) saw(status int) {
	if status == 0 || status >= 500 || status == http.StatusUnauthorized {
		return
	}
	r.mu.Lock()
	r.lastOK = time.Now()
	r.mu.Unlock()
}

// Reachable reports whether GitHub answered kiln in the last minute. When
// it has not, it asks GitHub (GET /app, as the App) at most once every 30
// seconds, however often it is called: readiness probes are free.
func (c *Clients) Reachable(ctx context.Context) error {
	r := c.reach
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if now.Sub(r.lastOK) < reachableFor {
		return nil
	}
	if !r.lastProbe.IsZero() && now.Sub(r.lastProbe) < probeEvery {
		return r.probeErr
	}
	r.lastProbe = now
	// Callers while the probe is out get the previous answer.
	r.mu.Unlock()
	_, _, err := c.app.Apps.Get(ctx, "")
	r.mu.Lock()
	switch {
	case time.Since(r.lastOK) < reachableFor:
		r.probeErr = nil
	case err != nil:
		r.probeErr = fmt.Errorf("no answer from GitHub in the last %s: %w", reachableFor, err)
	default:
		r.probeErr = nil
	}
	return r.probeErr
}
