package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/queue"
	"github.com/kiln-gitops/kiln/webhook"
)

type slowHandler struct {
	mu      sync.Mutex
	started chan struct{}
	done    []string
	delay   time.Duration
}

func (*slowHandler) Handles() []string { return []string{"pull_request"} }

func (h *slowHandler) Handle(ctx context.Context, event, id string, payload []byte) error {
	select {
	case h.started <- struct{}{}:
	default:
	}
	select {
	case <-time.After(h.delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.done = append(h.done, id)
	return nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func post(t *testing.T, url, event, id string, body []byte, secret string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", webhook.Sign([]byte(secret), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServe(t *testing.T) {
	cfg := validConfig(t)
	body, err := os.ReadFile("../testdata/github/webhooks/pull_request.opened.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := New(ctx, cfg, nil, Options{Queue: queue.Config{AckWait: time.Second, ShutdownGrace: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Metrics().APICall("checks/create", 201)
	s.Metrics().RateLimit(4999)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	adminLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	adminBase := "http://" + adminLn.Addr().String()
	h := &slowHandler{started: make(chan struct{}, 1), delay: 300 * time.Millisecond}
	var githubDown sync.Mutex
	githubErr := error(nil)
	served := make(chan error, 1)
	go func() {
		served <- s.Serve(ctx, ServeOptions{Handlers: []webhook.EventHandler{h}, Listener: ln, AdminListener: adminLn, GitHubReady: func(context.Context) error {
			githubDown.Lock()
			defer githubDown.Unlock()
			return githubErr
		}})
	}()

	if code, _ := get(t, adminBase+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d", code)
	}
	if code, text := get(t, adminBase+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz %d %s", code, text)
	}
	// The webhook port, which faces the internet, offers nothing else.
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if code, _ := get(t, base+p); code != http.StatusNotFound {
			t.Errorf("GET %s on the webhook listener: %d, want 404", p, code)
		}
	}
	githubDown.Lock()
	githubErr = errors.New("401 from GET /app")
	githubDown.Unlock()
	if code, text := get(t, adminBase+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(text, "github: 401") {
		t.Errorf("/readyz with GitHub down: %d %s", code, text)
	}
	if code := post(t, base+"/webhook", "pull_request", "bad", body, "wrong secret"); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d", code)
	}
	if code := post(t, base+"/webhook", "pull_request", "d-1", body, cfg.WebhookSecret); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	if code, _ := get(t, base+"/webhook"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /webhook: %d", code)
	}
	select {
	case <-h.started:
	case <-time.After(10 * time.Second):
		t.Fatal("handler not called")
	}
	_, metrics := get(t, adminBase+"/metrics")
	for _, want := range []string{
		`kiln_webhook_deliveries_total{event="pull_request",outcome="queued"} 1`,
		`kiln_webhook_deliveries_total{event="unknown",outcome="bad_signature"} 1`,
		`kiln_queue_depth 1`,
		`kiln_queue_oldest_age_seconds`,
		`kiln_github_api_calls_total{operation="checks/create",status="201"} 1`,
		`kiln_github_rate_limit_remaining 4999`,
		`go_goroutines`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// Shutdown while the job runs: the job finishes, then Serve returns.
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.done) != 1 {
		t.Fatalf("jobs finished %v, want d-1 finished before shutdown", h.done)
	}
	if n, _, err := s.Queue().Depth(context.Background()); err != nil || n != 0 {
		t.Fatalf("depth after shutdown %d, %v; want 0", n, err)
	}
	rec := httptest.NewRecorder()
	s.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if want := `kiln_job_duration_seconds_count{event="pull_request",outcome="success"} 1`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

func TestRunRefusesInvalidConfig(t *testing.T) {
	cfg := validConfig(t)
	cfg.WebhookSecret = ""
	err := Run(context.Background(), cfg, nil, Options{}, ServeOptions{})
	if err == nil || !strings.Contains(err.Error(), "no webhook secret") {
		t.Fatalf("Run = %v, want a refusal naming the webhook secret", err)
	}
}
