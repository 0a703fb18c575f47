package gh

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-github/v62/github"
)

// RateLimitError says GitHub asked kiln to wait longer than
// RetryPolicy.MaxWait, for a primary (x-ratelimit-remaining: 0) or a
// secondary (Retry-After, or a minute) rate limit. Its RetryAt is the
// queue's signal to park the job until then without counting an attempt.
type RateLimitError struct {
	Op    string
	Until time.Time
	// Err is go-github's error when it came from there.
	Err error
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("github: %s: rate limited until %s", e.Op, e.Until.UTC().Format(time.RFC3339))
}

func (e *RateLimitError) Unwrap() error { return e.Err }

// RetryAt is when the request may be sent again.
func (e *RateLimitError) RetryAt() time.Time { return e.Until }

// wrap names the operation that failed and turns go-github's rate limit
// errors (it refuses requests itself once it has seen a quota spent) into
// a RateLimitError.
func wrap(op string, err error) error {
	var primary *github.RateLimitError
	var secondary *github.AbuseRateLimitError
	switch {
	case errors.As(err, &primary):
		err = &RateLimitError{Op: op, Until: primary.Rate.Reset.Time, Err: err}
	case errors.As(err, &secondary):
		wait := time.Minute
		if secondary.RetryAfter != nil {
			wait = *secondary.RetryAfter
		}
		err = &RateLimitError{Op: op, Until: time.Now().Add(wait), Err: err}
	}
	return fmt.Errorf("github: %s: %w", op, err)
}

// mayHaveWritten reports whether a failed write may still have taken
// effect: GitHub answered 5xx, or the answer never came.
func mayHaveWritten(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return false // GitHub refuses rate-limited requests without doing them
	}
	var resp *github.ErrorResponse
	if errors.As(err, &resp) {
		return resp.Response != nil && resp.Response.StatusCode >= http.StatusInternalServerError
	}
	var accepted *github.AcceptedError
	return !errors.As(err, &accepted)
}

// createOnce makes a create safe to retry after its answer was lost: it
// looks for what an earlier attempt may have made before every send,
// including the first (a retried job), and sends again only when nothing
// is found and the failure left the write in doubt.
func createOnce[T any](ctx context.Context, p RetryPolicy, find func() (T, bool, error), create func() (T, error)) (T, error) {
	var zero T
	for attempt := 1; ; attempt++ {
		got, ok, err := find()
		if err != nil {
			return zero, err
		}
		if ok {
			return got, nil
		}
		got, err = create()
		if err == nil {
			return got, nil
		}
		if !mayHaveWritten(ctx, err) || attempt >= p.Attempts {
			return zero, err
		}
		if err := sleep(ctx, backoff(p, attempt)); err != nil {
			return zero, err
		}
	}
}
