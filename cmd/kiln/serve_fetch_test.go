package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/gitfetch"
	"github.com/kiln-gitops/kiln/job"
)

// TestFetcherSharesTheBudget: fetches reserve their cap of the load
// budget while they run, so no more run at once than it holds, and each
// is capped at it.
func TestFetcherSharesTheBudget(t *testing.T) {
	const capBytes = 10 << 20
	var running, most atomic.Int32
	var caps sync.Map
	gate := make(chan struct{})
	fetch := fetcher(check.NewBudget(2*capBytes), capBytes, func(ctx context.Context, o gitfetch.FetchOptions) (fs.FS, error) {
		caps.Store(o.Ref, o.MaxUnpackedBytes)
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-gate
		return fstest.MapFS{}, nil
	})
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			if _, err := fetch(context.Background(), "https://github.com/o/r.git", "", fmt.Sprintf("refs/heads/b%d", i), ""); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	if n := running.Load(); n != 2 {
		t.Errorf("%d fetches running on a budget of two", n)
	}
	close(gate)
	wg.Wait()
	if most.Load() != 2 {
		t.Errorf("at most %d fetches ran at once, want 2", most.Load())
	}
	caps.Range(func(ref, c any) bool {
		if c.(int64) != capBytes {
			t.Errorf("%s fetched with a cap of %d bytes, want %d", ref, c, capBytes)
		}
		return true
	})
}

func TestFetcherErrors(t *testing.T) {
	cases := []struct {
		err  error
		want error
	}{
		{fmt.Errorf("fetch: %w", transport.ErrAuthenticationRequired), job.ErrTokenRefused},
		{fmt.Errorf("fetch: %w", transport.ErrAuthorizationFailed), job.ErrTokenRefused},
		{fmt.Errorf("gitfetch: %w: objects inflate past 10 bytes", gitfetch.ErrTooLarge), job.ErrTooLarge},
	}
	for _, c := range cases {
		fetch := fetcher(check.NewBudget(0), 10, func(context.Context, gitfetch.FetchOptions) (fs.FS, error) { return nil, c.err })
		if _, err := fetch(context.Background(), "u", "", "refs/heads/main", ""); !errors.Is(err, c.want) || !errors.Is(err, errors.Unwrap(c.err)) {
			t.Errorf("%v: got %v, want it marked %v", c.err, err, c.want)
		}
	}
}
