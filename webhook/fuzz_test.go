package webhook

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kiln-gitops/kiln/queue"
)

// countingPublisher records what reaches the queue. The fuzz target does
// not run the embedded NATS server: its background goroutines change
// coverage between runs, which makes the fuzzer take every input for a new
// one and spend its time minimising. The real queue is behind the intake in
// the other tests.
type countingPublisher struct {
	calls atomic.Int64
	seen  sync.Map
}

func (c *countingPublisher) Publish(_ context.Context, j queue.Job) (bool, error) {
	c.calls.Add(1)
	_, dup := c.seen.LoadOrStore(j.ID, true)
	return dup, nil
}

func FuzzWebhook(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(examplesDir, "*.json"))
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		event := strings.SplitN(filepath.Base(file), ".", 2)[0]
		f.Add(body, event, "seed-"+filepath.Base(file), "", true, "application/json")
	}
	f.Add([]byte(`{"action":"opened","number":1,"repository":{"full_name":"o/r"}}`), "pull_request", "x", "sha256=00", false, "")
	f.Add([]byte(`payload=%7B%7D`), "push", "y", "", true, "application/x-www-form-urlencoded")
	f.Add([]byte(`{"issue":{"number":1,"pull_request":null},"comment":{"body":"/kiln"}}`), "issue_comment", "z", "", true, "application/json")
	f.Add([]byte{}, "", "", "", false, "")

	pub := &countingPublisher{}
	in := newIntake(f, pub, IntakeOptions{MaxBody: 1 << 20})

	f.Fuzz(func(t *testing.T, body []byte, event, id, sig string, sign bool, contentType string) {
		r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		r.Header.Set("X-GitHub-Event", event)
		r.Header.Set("X-GitHub-Delivery", id)
		r.Header.Set("Content-Type", contentType)
		if sign {
			sig = Sign(testSecret, body)
		}
		r.Header.Set("X-Hub-Signature-256", sig)
		valid := ValidSignature(testSecret, body, sig)

		before := pub.calls.Load()
		w := httptest.NewRecorder()
		in.ServeHTTP(w, r)
		queued := pub.calls.Load() - before

		if !valid {
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("unsigned delivery answered %d, want 401", w.Code)
			}
			if queued != 0 {
				t.Fatal("unsigned delivery reached the queue")
			}
			return
		}
		switch w.Code {
		case http.StatusOK, http.StatusAccepted, http.StatusBadRequest:
		default:
			t.Fatalf("signed delivery answered %d: %s", w.Code, w.Body)
		}
		if queued > 1 {
			t.Fatalf("one delivery published %d times", queued)
		}
	})
}
