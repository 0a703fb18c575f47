package ghtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-gitops/kiln/gh/ghtest"
)

// captureTB records the errors the emulator reports instead of failing.
type captureTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (c *captureTB) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func (c *captureTB) errors() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.errs, "\n")
}

func do(t *testing.T, method, url, token, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "token "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

func TestViolationsFailTheTest(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantErr                  string
	}{
		{"bad conclusion", "POST", "/repos/acme/images/check-runs", `{"name":"x","head_sha":"abc","conclusion":"passed"}`, 422, "conclusion"},
		{"wrong type", "POST", "/repos/acme/images/check-runs", `{"name":"x","head_sha":1}`, 422, "head_sha"},
		{"unknown path", "GET", "/repos/acme/images/nothing-here", "", 404, "matches no operation"},
		{"wrong method", "DELETE", "/repos/acme/images/check-runs", "", 405, "method not allowed"},
		{"completed without conclusion", "POST", "/repos/acme/images/check-runs", `{"name":"x","head_sha":"abc","status":"completed"}`, 422, "conclusion is required"},
		{"51 annotations", "POST", "/repos/acme/images/check-runs", fiftyOne(), 422, "annotations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := &captureTB{TB: t}
			s := ghtest.New(tb)
			resp, body := do(t, tt.method, s.URL+tt.path, s.Token(), tt.body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if errs := tb.errors(); !strings.Contains(errs, tt.wantErr) {
				t.Fatalf("reported %q, want it to mention %q", errs, tt.wantErr)
			}
		})
	}
}

func fiftyOne() string {
	var anns []string
	for range 51 {
		anns = append(anns, `{"path":"a","start_line":1,"end_line":1,"annotation_level":"notice","message":"m"}`)
	}
	return `{"name":"x","head_sha":"abc","output":{"title":"t","summary":"s","annotations":[` + strings.Join(anns, ",") + `]}}`
}

func TestAuthentication(t *testing.T) {
	s := ghtest.New(t)
	resp, _ := do(t, "GET", s.URL+"/repos/acme/images/commits/main/check-runs", "", "")
	if resp.StatusCode != 401 {
		t.Fatalf("no token: status %d, want 401", resp.StatusCode)
	}
	resp, _ = do(t, "GET", s.URL+"/repos/acme/images/commits/main/check-runs", "ghs_made_up", "")
	if resp.StatusCode != 401 {
		t.Fatalf("bad token: status %d, want 401", resp.StatusCode)
	}
	// An installation token is not an app JWT.
	resp, _ = do(t, "POST", s.URL+"/app/installations/4242/access_tokens", s.Token(), "{}")
	if resp.StatusCode != 401 {
		t.Fatalf("token instead of JWT: status %d, want 401", resp.StatusCode)
	}
	resp, _ = do(t, "GET", s.URL+"/repos/acme/images/commits/main/check-runs", s.Token(), "")
	if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Remaining") == "" {
		t.Fatalf("status %d, rate limit %q", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
	}
	// Git over HTTP wants the token as basic auth.
	req, _ := http.NewRequest("GET", s.GitURL("acme", "images")+"/info/refs?service=git-upload-pack", nil)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 401 {
		t.Fatalf("git without token: status %d, want 401", r.StatusCode)
	}
}

func TestPaginationAndETag(t *testing.T) {
	s := ghtest.New(t)
	s.Commit("acme", "images", "main", map[string]string{"a": "1"})
	s.PullRequest("acme", "images", 1, "main", "main", false)
	for i := range 45 {
		s.AddComment("acme/images", 1, "bob", fmt.Sprint(i))
	}
	tok := s.Token()
	url := s.URL + "/repos/acme/images/issues/1/comments?per_page=20&page=2"
	resp, body := do(t, "GET", url, tok, "")
	var page []map[string]any
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	if len(page) != 20 || page[0]["body"] != "20" {
		t.Fatalf("page 2 has %d comments starting %v", len(page), page[0]["body"])
	}
	link := resp.Header.Get("Link")
	if !strings.Contains(link, `page=3&per_page=20>; rel="next"`) || !strings.Contains(link, `rel="prev"`) {
		t.Fatalf("Link = %q", link)
	}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "token "+tok)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional GET: status %d, want 304", r2.StatusCode)
	}
}

func TestDelivery(t *testing.T) {
	s := ghtest.New(t)
	events := []struct{ event, action string }{
		{"pull_request", "opened"}, {"pull_request", "synchronize"}, {"pull_request", "reopened"}, {"pull_request", "closed"},
		{"push", ""}, {"check_suite", "rerequested"}, {"check_run", "rerequested"}, {"check_run", "requested_action"},
		{"issue_comment", "created"}, {"installation", "created"},
	}
	sha := strings.Repeat("e", 40)
	for _, e := range events {
		body, h := ghtest.SignedDelivery(t, []byte("s3cret"), e.event, e.action, s.Address("acme", "images", 5, sha))
		if h.Get("X-GitHub-Event") != e.event || h.Get("X-GitHub-Delivery") == "" {
			t.Fatalf("%s: headers %v", e.event, h)
		}
		if h.Get("X-Hub-Signature-256") != ghtest.Sign([]byte("s3cret"), body) {
			t.Fatalf("%s: signature mismatch", e.event)
		}
		var p map[string]any
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if e.action != "" && p["action"] != e.action {
			t.Fatalf("%s: action %v, want %s", e.event, p["action"], e.action)
		}
		if inst := p["installation"].(map[string]any); inst["id"] != float64(s.InstallationID) {
			t.Fatalf("%s: installation %v", e.event, inst)
		}
		if repo, ok := p["repository"].(map[string]any); ok && repo["full_name"] != "acme/images" {
			t.Fatalf("%s: repository %v", e.event, repo["full_name"])
		}
		if e.event == "pull_request" {
			pr := p["pull_request"].(map[string]any)
			if pr["number"] != float64(5) || pr["head"].(map[string]any)["sha"] != sha {
				t.Fatalf("pull_request not re-addressed: %v", pr["number"])
			}
		}
	}
	// GitHub's documented example: HMAC-SHA256 of "Hello, World!" with
	// secret "It's a Secret to Everybody".
	want := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := ghtest.Sign([]byte("It's a Secret to Everybody"), []byte("Hello, World!")); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}
