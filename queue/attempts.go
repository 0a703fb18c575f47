package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"
)

// Attempts are counted by kiln, in a key-value bucket keyed by stream
// sequence, rather than read from the server's delivery count: that count
// also rises for every delivery that never reached a handler (jobs
// prefetched by a process that died, jobs waiting behind another of their
// key, jobs parked by a rate limit), so after a few restarts it would give up
// jobs that never ran. An attempt is recorded before the handler is called,
// so a job that kills its process every time is still given up.

func (q *Queue) attempts(ctx context.Context, seq uint64) (int, error) {
	e, err := q.tries.Get(ctx, string(seqString(seq)))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("attempts of job %d: %w", seq, err)
	}
	n, err := strconv.Atoi(string(e.Value()))
	if err != nil {
		return 0, fmt.Errorf("attempts of job %d: %w", seq, err)
	}
	return n, nil
}

// setAttempts records n attempts of job seq; 0 forgets the job.
func (q *Queue) setAttempts(ctx context.Context, seq uint64, n int) error {
	var err error
	if n <= 0 {
		err = q.tries.Delete(ctx, string(seqString(seq)))
	} else {
		_, err = q.tries.Put(ctx, string(seqString(seq)), []byte(strconv.Itoa(n)))
	}
	if err != nil {
		return fmt.Errorf("record attempts of job %d: %w", seq, err)
	}
	return nil
}
