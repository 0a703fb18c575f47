package webhook

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// BenchmarkIntake measures one signed pull_request delivery through the
// intake into a real embedded, file-backed queue.
func BenchmarkIntake(b *testing.B) {
	q := openQueue(b)
	in := newIntake(b, q, IntakeOptions{})
	body := example(b, "pull_request.synchronize.json")
	sig := Sign(testSecret, body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-GitHub-Event", "pull_request")
		r.Header.Set("X-GitHub-Delivery", "bench-"+strconv.Itoa(i))
		r.Header.Set("X-Hub-Signature-256", sig)
		w := httptest.NewRecorder()
		in.ServeHTTP(w, r)
		if w.Code != http.StatusAccepted {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

func BenchmarkSummarize(b *testing.B) {
	body := example(b, "pull_request.synchronize.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Summarize("pull_request", body); err != nil {
			b.Fatal(err)
		}
	}
}
