package webhook

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/queue"
)

type prHandler struct {
	mu      sync.Mutex
	calls   []string
	fail    error
	gaveUp  []error
	logLine func(ctx context.Context)
}

func (h *prHandler) Handles() []string { return []string{"pull_request", "check_suite"} }

func (h *prHandler) Handle(ctx context.Context, event, id string, payload []byte) error {
	h.mu.Lock()
	h.calls = append(h.calls, event+"/"+id)
	fail := h.fail
	h.mu.Unlock()
	if h.logLine != nil {
		h.logLine(ctx)
	}
	return fail
}

func (h *prHandler) GiveUp(ctx context.Context, event, id string, payload []byte, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gaveUp = append(h.gaveUp, err)
}

type pushHandler struct{ prHandler }

func (*pushHandler) Handles() []string { return []string{"push", "pull_request"} }

func TestNewRouterRejectsTwoHandlersForOneEvent(t *testing.T) {
	if _, err := NewRouter(nil, nil, &prHandler{}, &pushHandler{}); err == nil || !strings.Contains(err.Error(), "pull_request") {
		t.Fatalf("err = %v, want a clash on pull_request", err)
	}
}

func TestRouterDispatchesWithLogAttrs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	h := &prHandler{logLine: func(ctx context.Context) { Logger(ctx, nil).InfoContext(ctx, "from handler") }}
	var observed []string
	r, err := NewRouter(log, func(event, outcome string, d time.Duration) { observed = append(observed, event+":"+outcome) }, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	payload := pinnedPR(t, "pull_request.synchronize.json")
	if err := r.Handle(ctx, queue.Job{ID: "d1", Event: "pull_request", Payload: payload, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	if err := r.Handle(ctx, queue.Job{ID: "d2", Event: "push", Payload: []byte(`{}`)}); err != nil {
		t.Fatalf("unrouted event: %v", err)
	}
	h.fail = errors.New("github down")
	if err := r.Handle(ctx, queue.Job{ID: "d3", Event: "check_suite", Payload: []byte(`{}`)}); !errors.Is(err, h.fail) {
		t.Fatalf("err = %v, want the handler's", err)
	}
	r.GiveUp(ctx, queue.Job{ID: "d3", Event: "check_suite"}, h.fail)

	if got := strings.Join(h.calls, ","); got != "pull_request/d1,check_suite/d3" {
		t.Errorf("calls %s", got)
	}
	if len(h.gaveUp) != 1 {
		t.Errorf("GiveUp calls %d, want 1", len(h.gaveUp))
	}
	if got := strings.Join(observed, ","); got != "pull_request:success,push:unrouted,check_suite:error" {
		t.Errorf("observed %s", got)
	}
	var handlerLine string
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, `"from handler"`) && handlerLine == "" {
			handlerLine = l
		}
	}
	for _, want := range []string{`"delivery":"d1"`, `"event":"pull_request"`, `"action":"synchronize"`, `"repository":"octo/images"`, `"pr":12`, `"commit":"0123456789abcdef0123456789abcdef01234567"`, `"attempt":1`} {
		if !strings.Contains(handlerLine, want) {
			t.Errorf("handler's log line lacks %s: %s", want, handlerLine)
		}
	}
}

// A delivery travels from the HTTP intake through the durable queue to its
// event handler, and a failing one ends in the handler's GiveUp.
func TestIntakeToHandler(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q, err := queue.Open(ctx, queue.Config{DataDir: t.TempDir(), MaxDeliver: 2, Backoff: []time.Duration{10 * time.Millisecond}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	h := &prHandler{}
	r, err := NewRouter(nil, nil, h)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = q.Run(ctx, 2, r) }()
	in := newIntake(t, q, IntakeOptions{})
	send(in, delivery{event: "pull_request", id: "e2e-1", body: example(t, "pull_request.opened.json")}.request())
	waitUntil(t, func() bool { h.mu.Lock(); defer h.mu.Unlock(); return len(h.calls) == 1 })

	h.mu.Lock()
	h.fail = errors.New("always")
	h.mu.Unlock()
	send(in, delivery{event: "check_suite", id: "e2e-2", body: edit(t, example(t, "check_suite.rerequested.json"), func(m map[string]any) {
		m["check_suite"].(map[string]any)["pull_requests"] = []any{map[string]any{"number": 12}}
	})}.request())
	waitUntil(t, func() bool { h.mu.Lock(); defer h.mu.Unlock(); return len(h.gaveUp) == 1 })
	cancel()
	<-done
	if got := strings.Join(h.calls, ","); got != "pull_request/e2e-1,check_suite/e2e-2,check_suite/e2e-2" {
		t.Fatalf("calls %s", got)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHasCommand(t *testing.T) {
	tests := map[string]bool{
		"/kiln plan":              true,
		"/kiln":                   true,
		"  /kiln help  ":          true,
		"thanks!\n/kiln bake a b": true,
		"/kiln\tplan":             true,
		"please run /kiln plan":   false,
		"/kilnplan":               false,
		"":                        false,
		"> /kiln plan quoted":     false,
		"```\n/kiln plan\n```":    true, // a fenced command still counts: GitHub users paste them so
	}
	for body, want := range tests {
		if got := hasCommand(body); got != want {
			t.Errorf("hasCommand(%q) = %v, want %v", body, got, want)
		}
	}
}
