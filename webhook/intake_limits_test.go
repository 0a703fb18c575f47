package webhook

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingBody records how much of a body was read.
type countingBody struct {
	r    io.Reader
	read atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// A request whose signature header cannot be GitHub's is refused without
// reading a byte of its body.
func TestIntakeRefusesMalformedSignatureUnread(t *testing.T) {
	q := openQueue(t)
	in := newIntake(t, q, IntakeOptions{})
	body := example(t, "pull_request.opened.json")
	for name, sig := range map[string]string{
		"missing":   "-",
		"sha1":      "sha1=" + strings.Repeat("a", 40),
		"not hex":   "sha256=" + strings.Repeat("z", 64),
		"truncated": Sign(testSecret, body)[:40],
	} {
		r := delivery{event: "pull_request", id: "unread-" + strings.ReplaceAll(name, " ", "-"), body: body, signature: sig}.request()
		cb := &countingBody{r: bytes.NewReader(body)}
		r.Body = io.NopCloser(cb)
		if code, resp := send(in, r); code != http.StatusUnauthorized || resp.Status != OutcomeBadSignature {
			t.Errorf("%s: %d %+v, want 401", name, code, resp)
		}
		if n := cb.read.Load(); n != 0 {
			t.Errorf("%s: %d bytes of the body read before refusing it", name, n)
		}
	}
}

// Past the cap on unverified bytes in flight, requests get 503 with
// Retry-After; once the bytes are released the next one is read.
func TestIntakeCapsUnverifiedBytesInFlight(t *testing.T) {
	q := openQueue(t)
	in := newIntake(t, q, IntakeOptions{UnauthenticatedBytes: 10 << 10, MaxBody: 8 << 10})
	body := example(t, "pull_request.opened.json")[:6<<10]

	// A first body that is still being sent holds its bytes.
	pr, pw := io.Pipe()
	first := delivery{event: "pull_request", id: "slow", body: body, signature: "sha256=" + strings.Repeat("0", 64)}.request()
	first.Body, first.ContentLength = pr, int64(len(body))
	done := make(chan int)
	go func() { code, _ := send(in, first); done <- code }()
	if _, err := pw.Write(body[:10]); err != nil {
		t.Fatal(err)
	}

	second := delivery{event: "pull_request", id: "second", body: body, signature: "sha256=" + strings.Repeat("1", 64)}.request()
	w := httptest.NewRecorder()
	in.ServeHTTP(w, second)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("second body while the first holds the budget: %d Retry-After %q, want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	_, _ = pw.Write(body[10:])
	pw.Close()
	if code := <-done; code != http.StatusUnauthorized {
		t.Fatalf("first (wrong signature): %d, want 401", code)
	}
	third := delivery{event: "pull_request", id: "third", body: body, signature: "sha256=" + strings.Repeat("2", 64)}.request()
	if code, _ := send(in, third); code != http.StatusUnauthorized {
		t.Fatalf("after the first released its bytes: %d, want 401 (read and refused)", code)
	}
}

// A body sent too slowly is cut off at the read timeout.
func TestIntakeBodyReadTimeout(t *testing.T) {
	q := openQueue(t)
	in := newIntake(t, q, IntakeOptions{BodyReadTimeout: 200 * time.Millisecond})
	srv := httptest.NewServer(in)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"X-GitHub-Event: ping\r\nX-GitHub-Delivery: slow\r\nX-Hub-Signature-256: sha256="+strings.Repeat("a", 64)+"\r\n"+
		"Content-Length: 1000\r\n\r\n{")
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	reply, _ := io.ReadAll(conn)
	if time.Since(start) > 3*time.Second {
		t.Fatalf("connection held %s for a body never sent", time.Since(start))
	}
	if !strings.Contains(string(reply), "400") {
		t.Fatalf("reply %q, want 400 (cannot read body)", reply)
	}
}
