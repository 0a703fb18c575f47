package webhook

import "sync"

// byteBudget counts the bytes of bodies being read before their signature
// is checked; take fails instead of waiting, so a flood is refused at once
// rather than queued in memory.
type byteBudget struct {
	mu    sync.Mutex
	max   int64
	inUse int64
}

func (b *byteBudget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inUse+n > b.max {
		return false
	}
	b.inUse += n
	return true
}

func (b *byteBudget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inUse -= n
}
