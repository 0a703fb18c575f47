package check

import (
	"context"
	"io/fs"
	"runtime/debug"
	"sync"
	"time"
)

// Budget bounds the memory that repository loads take at once, across all
// the jobs of a process sharing one Checker: a load reserves an estimate of
// what it will hold before it starts and waits while the reservations of
// others leave no room. One load larger than the whole budget runs alone.
// kiln serve's workers share the Checker, so a few large pull requests (from
// forks too) queue behind each other instead of taking gigabytes together.
type Budget struct {
	total int64

	mu   sync.Mutex
	used int64
	free chan struct{} // closed and replaced when a reservation ends
}

// DefaultBudget is the Checker's budget of estimated load memory.
const DefaultBudget = 192 << 20

// loadFactor estimates the memory a run holds per byte of the files it
// reads: a load keeps about 6.5 (the model's values and specs and the
// text; BenchmarkLoadRetained in package loader), and validation and
// policy evaluation hold a few more while they run (bench/memory).
const loadFactor = 10

// bigLoad is the reservation past which the memory a load used is handed
// back to the operating system when it ends rather than kept for reuse.
const bigLoad = 32 << 20

// NewBudget returns a budget of total bytes (total <= 0: unbounded).
func NewBudget(total int64) *Budget {
	return &Budget{total: total, free: make(chan struct{})}
}

// Reserve waits until n bytes are free (n is capped at the budget) and
// reserves them; release gives them back and must be called once.
func (b *Budget) Reserve(ctx context.Context, n int64) (release func(), err error) {
	if b == nil || b.total <= 0 {
		return func() {}, nil
	}
	n = min(max(n, 0), b.total)
	for {
		b.mu.Lock()
		if b.used+n <= b.total {
			b.used += n
			b.mu.Unlock()
			break
		}
		free := b.free
		b.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-free:
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			b.used -= n
			close(b.free)
			b.free = make(chan struct{})
			b.mu.Unlock()
			if n >= bigLoad {
				// The load's YAML nodes and parse buffers become garbage
				// once the caller has returned (its frame still holds them
				// now), and an idle process runs no collection to notice:
				// without this the pages stay with the process.
				time.AfterFunc(returnDelay, b.returnMemory)
			}
		})
	}, nil
}

// returnDelay is how long after a large load ends its memory is handed
// back, if no other load has started by then.
const returnDelay = 2 * time.Second

func (b *Budget) returnMemory() {
	if b.InUse() == 0 {
		debug.FreeOSMemory()
	}
}

// Reserve takes n bytes of the Checker's budget for memory a caller holds
// outside Run and LoadBase (a fetch of the trees they will load); release
// gives them back and must be called once.
func (c *Checker) Reserve(ctx context.Context, n int64) (release func(), err error) {
	return c.budget.Reserve(ctx, n)
}

// InUse reports the bytes reserved now.
func (b *Budget) InUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// estimate is the memory loading the trees is expected to hold: their file
// bytes (as the loader caps them) times loadFactor.
func estimate(trees ...fs.FS) int64 {
	var n int64
	for _, t := range trees {
		if t == nil {
			continue
		}
		_ = fs.WalkDir(t, ".", func(_ string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
				n += min(info.Size(), 1<<20)
			}
			return nil
		})
	}
	return n * loadFactor
}
