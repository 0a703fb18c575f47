package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/queue"
)

var testSecret = []byte("It's a Secret to Everybody")

const examplesDir = "../testdata/github/webhooks"

func openQueue(t testing.TB) *queue.Queue {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q, err := queue.Open(ctx, queue.Config{DataDir: t.TempDir(), AckWait: time.Second}, nil)
	if err != nil {
		t.Fatalf("open queue: %v", err)
	}
	t.Cleanup(func() { _ = q.Close() })
	return q
}

func newIntake(t testing.TB, q Publisher, opts IntakeOptions) *Intake {
	t.Helper()
	in, err := NewIntake(testSecret, q, opts)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func example(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, name))
	if err != nil {
		t.Fatalf("example payload: %v", err)
	}
	return b
}

// edit decodes a JSON object, lets f change it and encodes it again.
func edit(t testing.TB, body []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type delivery struct {
	event, id string
	body      []byte
	signature string // "" signs body with testSecret; "-" sends none
}

func (d delivery) request() *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(d.body))
	r.Header.Set("Content-Type", "application/json")
	if d.event != "" {
		r.Header.Set("X-GitHub-Event", d.event)
	}
	if d.id != "" {
		r.Header.Set("X-GitHub-Delivery", d.id)
	}
	switch d.signature {
	case "":
		r.Header.Set("X-Hub-Signature-256", Sign(testSecret, d.body))
	case "-":
	default:
		r.Header.Set("X-Hub-Signature-256", d.signature)
	}
	return r
}

func send(h http.Handler, r *http.Request) (int, response) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var resp response
	_ = json.Unmarshal(w.Body.Bytes(), &resp)
	return w.Code, resp
}

func depth(t testing.TB, q *queue.Queue) int {
	t.Helper()
	n, _, err := q.Depth(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// drain runs q until n jobs were handled and returns them by delivery id.
func drain(t *testing.T, q *queue.Queue, n int) map[string]queue.Job {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	got := map[string]queue.Job{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = q.Run(ctx, 2, queue.HandlerFunc(func(_ context.Context, j queue.Job) error {
			mu.Lock()
			defer mu.Unlock()
			got[j.ID] = j
			return nil
		}))
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		l := len(got)
		mu.Unlock()
		if l >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if len(got) != n {
		t.Fatalf("handled %d jobs, want %d", len(got), n)
	}
	return got
}

// The examples are GitHub's; each row pins the fields the route depends on,
// so that a regenerated example set does not change what a row tests.
func TestIntakeRoutesGitHubExamples(t *testing.T) {
	const repo = "octo/images"
	obj := func(m map[string]any, k string) map[string]any { return m[k].(map[string]any) }
	prComment := func(body string) func(map[string]any) {
		return func(m map[string]any) {
			obj(m, "issue")["number"] = 1
			obj(m, "issue")["pull_request"] = map[string]any{"url": "https://api.github.com/repos/octo/images/pulls/1"}
			obj(m, "comment")["body"] = body
		}
	}
	number := func(n int) func(map[string]any) {
		return func(m map[string]any) { m["number"] = n }
	}
	ref := func(r string, deleted bool) func(map[string]any) {
		return func(m map[string]any) { m["ref"] = r; m["deleted"] = deleted }
	}
	suitePRs := func(field string, prs ...int) func(map[string]any) {
		return func(m map[string]any) {
			list := []any{}
			for _, n := range prs {
				list = append(list, map[string]any{"number": n})
			}
			target := obj(m, field)
			if field == "check_run" {
				obj(target, "check_suite")["head_branch"] = "main"
			} else {
				target["head_branch"] = "main"
			}
			target["pull_requests"] = list
		}
	}
	tests := []struct {
		file           string
		edit           func(map[string]any)
		wantOutcome    string
		wantKey        string
		wantSupersedes bool
	}{
		// Distinct numbers: a newer head of the same pull request would
		// supersede the older job before it is drained.
		{file: "pull_request.opened.json", edit: number(3), wantOutcome: OutcomeQueued, wantKey: repo + "#3", wantSupersedes: true},
		{file: "pull_request.synchronize.json", edit: number(2), wantOutcome: OutcomeQueued, wantKey: repo + "#2", wantSupersedes: true},
		{file: "pull_request.reopened.json", edit: number(4), wantOutcome: OutcomeQueued, wantKey: repo + "#4", wantSupersedes: true},
		{file: "pull_request.closed.json", edit: number(5), wantOutcome: OutcomeQueued, wantKey: repo + "#5"},
		{file: "pull_request.opened.json", edit: func(m map[string]any) { m["action"] = "labeled" }, wantOutcome: OutcomeIgnored},
		{file: "push.json", edit: ref("refs/tags/v1.0.0", false), wantOutcome: OutcomeIgnored},
		{file: "push.json", edit: ref("refs/heads/main", false), wantOutcome: OutcomeQueued, wantKey: repo + "@main"},
		{file: "push.json", edit: ref("refs/heads/main", true), wantOutcome: OutcomeIgnored},
		{file: "check_suite.rerequested.json", edit: suitePRs("check_suite", 6), wantOutcome: OutcomeQueued, wantKey: repo + "#6"},
		{file: "check_suite.rerequested.json", edit: suitePRs("check_suite"), wantOutcome: OutcomeQueued, wantKey: repo + "@main"},
		{file: "check_run.rerequested.json", edit: suitePRs("check_run"), wantOutcome: OutcomeQueued, wantKey: repo + "@main"},
		{file: "check_run.requested_action.json", edit: suitePRs("check_run", 7), wantOutcome: OutcomeQueued, wantKey: repo + "#7"},
		{file: "check_run.rerequested.json", edit: func(m map[string]any) { m["action"] = "completed" }, wantOutcome: OutcomeIgnored},
		{file: "issue_comment.created.json", edit: func(m map[string]any) { delete(obj(m, "issue"), "pull_request") }, wantOutcome: OutcomeIgnored},
		{file: "issue_comment.created.json", edit: prComment("/kiln plan"), wantOutcome: OutcomeQueued, wantKey: repo + "#1"},
		{file: "issue_comment.created.json", edit: prComment("looks good\r\n/kiln bake web"), wantOutcome: OutcomeQueued, wantKey: repo + "#1"},
		{file: "issue_comment.created.json", edit: prComment("/kilnx plan"), wantOutcome: OutcomeIgnored},
		{file: "issue_comment.created.json", edit: prComment("LGTM"), wantOutcome: OutcomeIgnored},
		{file: "installation.created.json", edit: func(m map[string]any) { obj(m, "installation")["id"] = 957387 }, wantOutcome: OutcomeQueued, wantKey: "installation/957387"},
	}
	q := openQueue(t)
	var outcomes []string
	in := newIntake(t, q, IntakeOptions{Observe: func(event, outcome string) { outcomes = append(outcomes, event+":"+outcome) }})
	want := map[string]int{}
	queued := 0
	for i, tt := range tests {
		event := strings.SplitN(tt.file, ".", 2)[0]
		body := edit(t, example(t, tt.file), func(m map[string]any) {
			if r, ok := m["repository"].(map[string]any); ok {
				r["full_name"] = repo
			}
			tt.edit(m)
		})
		id := fmt.Sprintf("delivery-%d", i)
		code, resp := send(in, delivery{event: event, id: id, body: body}.request())
		wantCode := http.StatusAccepted
		if code != wantCode || resp.Status != tt.wantOutcome {
			t.Errorf("%s #%d: %d %+v, want %d %s", tt.file, i, code, resp, wantCode, tt.wantOutcome)
		}
		if tt.wantOutcome == OutcomeQueued {
			want[id] = i
			queued++
		}
	}
	if len(outcomes) != len(tests) {
		t.Errorf("observed %d outcomes, want %d", len(outcomes), len(tests))
	}
	got := drain(t, q, queued)
	for id, i := range want {
		tt := tests[i]
		j := got[id]
		if j.Key != tt.wantKey || j.Supersedes != tt.wantSupersedes || j.Event != strings.SplitN(tt.file, ".", 2)[0] {
			t.Errorf("%s #%d queued as key %q supersedes %v event %q, want %q %v", tt.file, i, j.Key, j.Supersedes, j.Event, tt.wantKey, tt.wantSupersedes)
		}
		if !json.Valid(j.Payload) || j.Received.IsZero() {
			t.Errorf("%s #%d: payload valid %v, received %v", tt.file, i, json.Valid(j.Payload), j.Received)
		}
	}
}

func TestIntakeRejectsBadSignatures(t *testing.T) {
	body := example(t, "pull_request.opened.json")
	tests := map[string]delivery{
		"missing":         {signature: "-"},
		"other secret":    {signature: Sign([]byte("not the secret"), body)},
		"sha1 scheme":     {signature: "sha1=" + strings.Repeat("a", 40)},
		"not hex":         {signature: "sha256=" + strings.Repeat("z", 64)},
		"truncated":       {signature: Sign(testSecret, body)[:40]},
		"empty value":     {signature: "sha256="},
		"tampered body":   {signature: Sign(testSecret, append([]byte(" "), body...))},
		"uppercase equal": {signature: "SHA256=" + strings.TrimPrefix(Sign(testSecret, body), "sha256=")},
	}
	q := openQueue(t)
	in := newIntake(t, q, IntakeOptions{})
	for name, d := range tests {
		d.event, d.id, d.body = "pull_request", "bad-"+name, body
		if code, resp := send(in, d.request()); code != http.StatusUnauthorized || resp.Status != OutcomeBadSignature {
			t.Errorf("%s: %d %+v, want 401", name, code, resp)
		}
	}
	if n := depth(t, q); n != 0 {
		t.Fatalf("%d jobs queued from unsigned deliveries", n)
	}
	// The same body correctly signed is accepted: the rejections were about
	// the signatures.
	if code, _ := send(in, delivery{event: "pull_request", id: "good", body: body}.request()); code != http.StatusAccepted {
		t.Fatalf("correctly signed delivery: %d", code)
	}
}

func TestIntakeTooLarge(t *testing.T) {
	q := openQueue(t)
	in := newIntake(t, q, IntakeOptions{MaxBody: 1024})
	body := []byte(`{"action":"opened","number":1,"repository":{"full_name":"o/r"},"pad":"` + strings.Repeat("x", 2048) + `"}`)
	r := delivery{event: "pull_request", id: "big", body: body}.request()
	if code, _ := send(in, r); code != http.StatusRequestEntityTooLarge {
		t.Errorf("declared length: %d, want 413", code)
	}
	r = delivery{event: "pull_request", id: "big-chunked", body: body}.request()
	r.ContentLength = -1 // chunked: the cap applies while reading
	if code, _ := send(in, r); code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked: %d, want 413", code)
	}
	if n := depth(t, q); n != 0 {
		t.Fatalf("%d jobs queued", n)
	}
}

func TestIntakeDuplicateQueuedOnce(t *testing.T) {
	q := openQueue(t)
	in := newIntake(t, q, IntakeOptions{})
	d := delivery{event: "pull_request", id: "72d3162e-cc78-11e3-81ab-4c9367dc0958", body: example(t, "pull_request.synchronize.json")}
	if code, resp := send(in, d.request()); code != http.StatusAccepted || resp.Status != OutcomeQueued {
		t.Fatalf("first: %d %+v", code, resp)
	}
	if code, resp := send(in, d.request()); code != http.StatusOK || resp.Status != OutcomeDuplicate {
		t.Fatalf("second: %d %+v, want 200 duplicate", code, resp)
	}
	if n := depth(t, q); n != 1 {
		t.Fatalf("depth %d, want 1", n)
	}
}

func TestIntakeOtherRequests(t *testing.T) {
	q := openQueue(t)
	in := newIntake(t, q, IntakeOptions{})
	pr := example(t, "pull_request.opened.json")
	form := []byte("payload=" + url.QueryEscape(string(pr)))
	formReq := delivery{event: "pull_request", id: "form-1", body: form}.request()
	formReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	get := httptest.NewRequest(http.MethodGet, "/webhook", nil)

	tests := []struct {
		name        string
		req         *http.Request
		wantCode    int
		wantOutcome string
	}{
		{"unknown event", delivery{event: "star", id: "s-1", body: []byte(`{"action":"created"}`)}.request(), http.StatusAccepted, OutcomeIgnored},
		{"unknown event, not JSON", delivery{event: "gollum", id: "g-1", body: []byte(`<xml/>`)}.request(), http.StatusAccepted, OutcomeIgnored},
		{"ping", delivery{event: "ping", id: "p-1", body: []byte(`{"zen":"Keep it logically awesome."}`)}.request(), http.StatusOK, OutcomePing},
		{"no event header", delivery{id: "n-1", body: pr}.request(), http.StatusBadRequest, OutcomeBadRequest},
		{"no delivery header", delivery{event: "pull_request", body: pr}.request(), http.StatusBadRequest, OutcomeBadRequest},
		{"delivery id with a newline", delivery{event: "pull_request", id: "a\nb", body: pr}.request(), http.StatusBadRequest, OutcomeBadRequest},
		{"handled event, not JSON", delivery{event: "pull_request", id: "x-1", body: []byte(`not json`)}.request(), http.StatusBadRequest, OutcomeBadRequest},
		{"form encoded", formReq, http.StatusAccepted, OutcomeQueued},
		{"GET", get, http.StatusMethodNotAllowed, OutcomeBadRequest},
	}
	for _, tt := range tests {
		if code, resp := send(in, tt.req); code != tt.wantCode || resp.Status != tt.wantOutcome {
			t.Errorf("%s: %d %+v, want %d %s", tt.name, code, resp, tt.wantCode, tt.wantOutcome)
		}
	}
	got := drain(t, q, 1)
	if j := got["form-1"]; !bytes.Equal(j.Payload, pr) {
		t.Errorf("form-encoded delivery queued payload %.40q, want the JSON payload", j.Payload)
	}
}

type failingPublisher struct{}

func (failingPublisher) Publish(context.Context, queue.Job) (bool, error) {
	return false, fmt.Errorf("stream unavailable")
}

func TestIntakeQueueDown(t *testing.T) {
	in := newIntake(t, failingPublisher{}, IntakeOptions{})
	d := delivery{event: "pull_request", id: "down-1", body: example(t, "pull_request.opened.json")}
	if code, resp := send(in, d.request()); code != http.StatusServiceUnavailable || resp.Status != OutcomeError {
		t.Fatalf("%d %+v, want 503 so GitHub shows the delivery as failed", code, resp)
	}
}

func TestNewIntakeRequiresSecret(t *testing.T) {
	if _, err := NewIntake(nil, failingPublisher{}, IntakeOptions{}); err == nil {
		t.Fatal("NewIntake accepted an empty secret")
	}
}

func TestIntakeLogsNoSecret(t *testing.T) {
	var buf bytes.Buffer
	q := openQueue(t)
	in := newIntake(t, q, IntakeOptions{Log: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	body := pinnedPR(t, "pull_request.opened.json")
	send(in, delivery{event: "pull_request", id: "log-1", body: body}.request())
	send(in, delivery{event: "pull_request", id: "log-2", body: body, signature: "sha256=" + strings.Repeat("0", 64)}.request())
	out := buf.String()
	if strings.Contains(out, string(testSecret)) || strings.Contains(out, Sign(testSecret, body)) {
		t.Fatalf("log contains the secret or a signature:\n%s", out)
	}
	for _, want := range []string{`"delivery":"log-1"`, `"repository":"octo/images"`, `"pr":12`, `"commit":"0123456789abcdef0123456789abcdef01234567"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

// pinnedPR is a GitHub pull_request example with known repository, number
// and head commit.
func pinnedPR(t testing.TB, file string) []byte {
	return edit(t, example(t, file), func(m map[string]any) {
		m["repository"].(map[string]any)["full_name"] = "octo/images"
		m["number"] = 12
		pr := m["pull_request"].(map[string]any)
		pr["number"] = 12
		pr["head"].(map[string]any)["sha"] = "0123456789abcdef0123456789abcdef01234567"
	})
}
