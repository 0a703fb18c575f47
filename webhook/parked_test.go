package webhook

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/queue"
)

type rateLimited struct{ until time.Time }

func (e rateLimited) Error() string      { return "rate limited" }
func (e rateLimited) RetryAt() time.Time { return e.until }
func (parkingHandler) Handles() []string { return []string{"push"} }

type parkingHandler struct{}

func (parkingHandler) Handle(context.Context, string, string, []byte) error {
	return errors.Join(errors.New("list check runs"), rateLimited{time.Now().Add(time.Hour)})
}

// A job that meets a rate limit is reported as parked, not failed, and
// its error still carries RetryAt for the queue.
func TestRouterReportsParkedJobs(t *testing.T) {
	var outcome string
	r, err := NewRouter(nil, func(_, o string, _ time.Duration) { outcome = o }, parkingHandler{})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Handle(context.Background(), queue.Job{ID: "d", Event: "push", Payload: []byte(`{}`)})
	var parked queue.RetryAter
	if !errors.As(err, &parked) {
		t.Fatalf("err %v lost its RetryAt", err)
	}
	if outcome != JobParked {
		t.Fatalf("outcome %q, want %q", outcome, JobParked)
	}
}
