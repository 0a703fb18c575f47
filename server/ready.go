package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// cachedCheck answers readiness from a recent result, so a flood of probes
// costs one check per ttl.
type cachedCheck struct {
	ttl   time.Duration
	check func(ctx context.Context) error

	mu   sync.Mutex
	at   time.Time
	last error
}

func (c *cachedCheck) run(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < c.ttl {
		return c.last
	}
	c.last, c.at = c.check(ctx), time.Now()
	return c.last
}

// writableDir creates dir and proves it can be written, so that a volume
// mounted read-only or owned by another user is named as such instead of
// surfacing as a JetStream timeout.
func writableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data dir %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".kiln-write-check-*")
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("data dir %s is not writable by uid %d: %w (give the volume to that user, e.g. fsGroup)", dir, os.Getuid(), err)
		}
		return fmt.Errorf("data dir %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
