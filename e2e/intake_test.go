package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Readiness answers from what kiln knows: 300 probes cost at most a handful
// of GitHub calls, and the webhook port does not serve them at all.
func TestReadinessCostsNoGitHubCalls(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	w.start()
	before := len(w.gh.Requests())
	for i := range 300 {
		resp, err := http.Get("http://" + w.adminAddr() + "/readyz")
		if err != nil {
			t.Fatalf("probe %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("probe %d: %d", i, resp.StatusCode)
		}
	}
	calls := len(w.gh.Requests()) - before
	t.Logf("300 readiness probes made %d GitHub calls", calls)
	if calls > 3 {
		t.Fatalf("300 readiness probes made %d GitHub calls, want at most 3", calls)
	}
	resp, err := http.Get("http://" + w.addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/readyz on the webhook port: %d, want 404", resp.StatusCode)
	}
}

// 32 concurrent 24 MB bodies, half without a signature and half with a
// wrong one, raise kiln's peak RSS by less than 150 MB, and kiln still
// takes a real delivery afterwards.
func TestUnsignedFloodIsBounded(t *testing.T) {
	w := newWorld(t)
	w.seedExamples()
	p := w.start()
	before := procStatus(t, p.cmd.Process.Pid, "VmHWM")

	body := bytes.Repeat([]byte("x"), 24<<20)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 32 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, "http://"+w.addr()+"/webhook", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-GitHub-Event", "pull_request")
			req.Header.Set("X-GitHub-Delivery", "flood-"+strconv.Itoa(i))
			if i%2 == 1 {
				req.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("ab", 32))
			}
			resp, err := http.DefaultClient.Do(req)
			code := 0 // kiln may close the connection on a body it will not read
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.StatusCode
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	after := procStatus(t, p.cmd.Process.Pid, "VmHWM")
	rise := after - before
	t.Logf("peak RSS %d MB before, %d MB after 32×24 MB unsigned bodies (+%d MB); answers %v", before>>20, after>>20, rise>>20, codes)
	if rise >= 150<<20 {
		t.Fatalf("peak RSS rose by %d MB, want < 150 MB", rise>>20)
	}
	if codes[http.StatusAccepted] > 0 {
		t.Fatalf("an unsigned body was accepted: %v", codes)
	}
	// A real delivery still gets in.
	head := w.openPR(3, "feature", map[string]string{"README.md": "x"}, false)
	w.mustPost(w.prEvent("opened", 3, "feature", head, nil))
}

// procStatus reads a size field of /proc/PID/status, in bytes.
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q", field, line)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
