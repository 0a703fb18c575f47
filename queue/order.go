package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Order across restarts and replicas: the consumer hands out new jobs at
// once but redelivers the jobs of a dead process only after AckWait (and a
// job nak'ed for a retry only after its backoff), so a later job of a key can
// arrive before an earlier one. Work-queue retention keeps exactly the jobs
// not yet settled, so before a job runs, the stream is asked whether an
// earlier job of the same key is still in it; if so the job waits (held, and
// heartbeated, by this process).

// earlier reports whether a job of j's key published before j is still
// waiting to be settled. Older Supersedes jobs do not hold back a Supersedes
// job: they will be skipped.
func (q *Queue) earlier(ctx context.Context, j Job) (bool, error) {
	if j.Key == "" {
		return false, nil
	}
	filter := q.keySubjects(j.Key) + ".>"
	info, err := q.stream.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return false, fmt.Errorf("jobs of key %s: %w", j.Key, err)
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	if n <= 1 { // only j itself
		return false, nil
	}
	for seq := uint64(1); ; {
		m, err := q.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(filter))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("jobs of key %s: %w", j.Key, err)
		}
		if m.Sequence >= j.Seq {
			return false, nil
		}
		if !j.Supersedes || m.Header.Get(hdrSupersedes) != "1" {
			return true, nil
		}
		seq = m.Sequence + 1
	}
}
