package job

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kiln-gitops/kiln/webhook"
)

// stageError names what kiln was doing when an error happened, in words a
// check run can show. The error itself, which can carry URLs, ARNs and
// service messages, goes to kiln's log only.
type stageError struct {
	stage string
	err   error
}

func (e *stageError) Error() string { return e.stage + ": " + e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// failedTo wraps err with the stage it interrupted ("fetch the head of #3").
func failedTo(stage string, err error) error { return &stageError{stage: stage, err: err} }

// publicReason is what users are told about a failure: a short reason and
// a reference that finds the full error in kiln's log.
func publicReason(ctx context.Context, err error) string {
	what := "kiln hit an internal error"
	var st *stageError
	if errors.As(err, &st) {
		what = "kiln could not " + st.stage
	}
	var parked interface{ RetryAt() time.Time }
	switch {
	case errors.As(err, &parked):
		what += fmt.Sprintf(" (GitHub's rate limit; it resets at %s)", parked.RetryAt().UTC().Format("15:04 UTC"))
	case errors.Is(err, context.DeadlineExceeded):
		what += " (timed out)"
	case errors.Is(err, ErrTooLarge):
		what += " (the repository is larger than one fetch may hold in kiln's memory; raise KILN_MEMORY_LIMIT)"
	}
	return what + ".\n\n" + logReference(ctx)
}

// logReference names what to search kiln's log for.
func logReference(ctx context.Context) string {
	if j, ok := webhook.JobFrom(ctx); ok && j.ID != "" {
		return "Log reference: delivery `" + j.ID + "`."
	}
	return "Details are in kiln's log."
}
