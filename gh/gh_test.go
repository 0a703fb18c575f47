package gh_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/gh"
	"github.com/kiln-gitops/kiln/gh/ghtest"
	"github.com/kiln-gitops/kiln/job"
	"github.com/kiln-gitops/kiln/report"
)

const marker = "<!-- kiln:sticky -->"

type recorder struct {
	mu        sync.Mutex
	calls     []string
	remaining []int
}

func (r *recorder) APICall(op string, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("%s %d", op, status))
}

func (r *recorder) RateLimit(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.remaining = append(r.remaining, n)
}

func (r *recorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// fastRetry keeps the waits of retried requests short in tests.
var fastRetry = gh.RetryPolicy{Attempts: 4, BaseDelay: time.Millisecond, MaxWait: 3 * time.Second, SecondaryWait: 10 * time.Millisecond}

func setup(t *testing.T) (*ghtest.Server, *gh.Clients, *recorder) {
	t.Helper()
	s := ghtest.New(t)
	obs := &recorder{}
	c, err := gh.New(gh.Config{AppID: s.AppID, PrivateKey: s.PrivateKeyPEM(), BaseURL: s.URL, Observer: obs, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	return s, c, obs
}

func access(t *testing.T, s *ghtest.Server, c *gh.Clients) *gh.Access {
	t.Helper()
	a, err := c.Access(s.InstallationID, "acme", "images")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func repoWithPR(t *testing.T, s *ghtest.Server, c *gh.Clients, fork bool) (*gh.Access, string) {
	t.Helper()
	s.Commit("acme", "images", "main", map[string]string{"components/a.yaml": "version: 1.0.0\n"})
	s.Branch("acme", "images", "main", "feature")
	head := s.Commit("acme", "images", "feature", map[string]string{"components/a.yaml": "version: 1.0.0\nchanged: true\n"})
	s.PullRequest("acme", "images", 7, "feature", "main", fork)
	return access(t, s, c), head
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  gh.Config
		want string
	}{
		{"no app id", gh.Config{PrivateKey: []byte("x")}, "app id"},
		{"no key", gh.Config{AppID: 1}, "private key is required"},
		{"bad key", gh.Config{AppID: 1, PrivateKey: []byte("not a key")}, "private key"},
		{"bad url", gh.Config{AppID: 1, PrivateKey: []byte("x"), BaseURL: "ftp://x"}, "base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gh.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestInstallationToken(t *testing.T) {
	s, c, _ := setup(t)
	ctx := context.Background()
	tok, err := c.InstallationToken(ctx, s.InstallationID)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.InstallationToken(ctx, s.InstallationID)
	if err != nil || again != tok {
		t.Fatalf("second token %q, %v; want the cached %q", again, err, tok)
	}
	if n := s.Operations()["apps/create-installation-access-token"]; n != 1 {
		t.Fatalf("%d token requests, want 1 (cached)", n)
	}
	if _, err := c.InstallationToken(ctx, 999); err == nil {
		t.Fatal("token for an unknown installation: no error")
	}
	// The app client authenticates with the JWT alone.
	app, _, err := c.App().Apps.Get(ctx, "")
	if err != nil || app.GetID() != s.AppID {
		t.Fatalf("GET /app = %v, %v", app, err)
	}
}

func TestWrongKeyIsRefused(t *testing.T) {
	s := ghtest.New(t)
	other := ghtest.New(t) // another key
	c, err := gh.New(gh.Config{AppID: s.AppID, PrivateKey: other.PrivateKeyPEM(), BaseURL: s.URL, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.InstallationToken(context.Background(), s.InstallationID); err == nil {
		t.Fatal("token with a JWT signed by the wrong key: no error")
	}
}

func TestCheckRunWithManyAnnotations(t *testing.T) {
	s, c, _ := setup(t)
	r := access(t, s, c)
	ctx := context.Background()
	sha := strings.Repeat("a", 40)
	run, err := r.StartCheckRun(ctx, "kiln/policy", sha, "pr:1")
	if err != nil {
		t.Fatal(err)
	}
	out := report.CheckOutput{Title: "3 violations", Summary: "summary", Text: "text"}
	col := 3
	for i := range 120 {
		a := report.Annotation{Path: fmt.Sprintf("components/c%03d.yaml", i), StartLine: i + 1, EndLine: i + 1,
			AnnotationLevel: "failure", Message: fmt.Sprintf("finding %d", i), Title: "STIG-1"}
		if i%2 == 0 {
			a.StartColumn, a.EndColumn = &col, &col
		}
		out.Annotations = append(out.Annotations, a)
	}
	if err := r.UpdateCheckRun(ctx, run, "kiln/policy", job.CheckRunUpdate{Conclusion: "failure", Output: out}); err != nil {
		t.Fatal(err)
	}
	runs := s.CheckRuns("acme/images")
	if len(runs) != 1 {
		t.Fatalf("%d check runs, want 1", len(runs))
	}
	got := runs[0]
	if got.Status != "completed" || got.Conclusion != "failure" || got.Name != "kiln/policy" || got.Title != "3 violations" {
		t.Fatalf("run = %+v", got)
	}
	if got.Updates != 3 {
		t.Fatalf("%d PATCHes, want 3 (50+50+20)", got.Updates)
	}
	if len(got.Annotations) != 120 {
		t.Fatalf("%d annotations, want 120", len(got.Annotations))
	}
	for i, a := range got.Annotations {
		if a.Message != fmt.Sprintf("finding %d", i) {
			t.Fatalf("annotation %d = %q, out of order", i, a.Message)
		}
	}
	// Started again with the same external id: the same run.
	again, err := r.StartCheckRun(ctx, "kiln/policy", sha, "pr:1")
	if err != nil || again != run {
		t.Fatalf("StartCheckRun again = %d, %v; want run %d", again, err, run)
	}
}

func TestCheckRunWithoutAnnotations(t *testing.T) {
	s, c, _ := setup(t)
	r := access(t, s, c)
	ctx := context.Background()
	run, err := r.StartCheckRun(ctx, "kiln/bake (prod)", strings.Repeat("b", 40), "bake:prod")
	if err != nil {
		t.Fatal(err)
	}
	progress := job.CheckRunUpdate{
		Output:  report.CheckOutput{Title: "Baking", Summary: "BUILDING"},
		Actions: []job.CheckRunAction{{Label: "Cancel", Description: "Cancel the bake", Identifier: "cancel"}},
	}
	if err := r.UpdateCheckRun(ctx, run, "kiln/bake (prod)", progress); err != nil {
		t.Fatal(err)
	}
	if got := s.CheckRuns("acme/images")[0]; got.Summary != "BUILDING" || got.Status != "in_progress" || len(got.Actions) != 1 {
		t.Fatalf("in progress: %+v", got)
	}
	if err := r.UpdateCheckRun(ctx, run, "kiln/bake (prod)", job.CheckRunUpdate{Conclusion: "success", Output: report.CheckOutput{Title: "ok", Summary: "all good"}}); err != nil {
		t.Fatal(err)
	}
	got := s.CheckRuns("acme/images")[0]
	if got.Updates != 2 || got.Conclusion != "success" || len(got.Annotations) != 0 {
		t.Fatalf("run = %+v", got)
	}
}

func TestStickyComment(t *testing.T) {
	s, c, obs := setup(t)
	r, _ := repoWithPR(t, s, c, false)
	ctx := context.Background()
	// 150 comments from people (two pages), one quoting the marker, and
	// another app's bot quoting it too.
	for i := range 150 {
		body := fmt.Sprintf("comment %d", i)
		if i == 3 {
			body = "what is " + marker + "?"
		}
		s.AddComment("acme/images", 7, "alice", body)
	}
	s.AddComment("acme/images", 7, "other-app[bot]", "quoting "+marker)
	if err := r.UpsertComment(ctx, 7, marker, "first result"); err != nil {
		t.Fatal(err)
	}
	if err := r.UpsertComment(ctx, 7, marker, "second result"); err != nil {
		t.Fatal(err)
	}
	comments := s.Comments("acme/images", 7)
	if len(comments) != 152 {
		t.Fatalf("%d comments, want 152 (one sticky)", len(comments))
	}
	sticky := comments[151]
	if sticky.User != ghtest.BotLogin || sticky.Edits != 1 || sticky.Body != marker+"\nsecond result" {
		t.Fatalf("sticky = %+v", sticky)
	}
	if comments[3].Edits != 0 {
		t.Fatal("a person's comment quoting the marker was edited")
	}
	if comments[150].Edits != 0 {
		t.Fatal("another bot's comment quoting the marker was edited")
	}
	// Unchanged content: found again, not edited.
	if err := r.UpsertComment(ctx, 7, marker, "second result"); err != nil {
		t.Fatal(err)
	}
	if got := s.Comments("acme/images", 7)[151].Edits; got != 1 {
		t.Fatalf("%d edits after an unchanged upsert, want 1", got)
	}
	// Repeated listings are conditional and answered 304.
	if n := obs.count("GET /repos/{owner}/{repo}/issues/{n}/comments 304"); n == 0 {
		t.Fatalf("no conditional listing answered 304; calls: %v", obs.calls)
	}
}

func TestStickyCommentIsCut(t *testing.T) {
	s, c, _ := setup(t)
	r, _ := repoWithPR(t, s, c, false)
	body := strings.Repeat("é", gh.MaxCommentChars+10)
	if err := r.UpsertComment(context.Background(), 7, marker, body); err != nil {
		t.Fatal(err)
	}
	got := s.Comments("acme/images", 7)[0].Body
	if n := len([]rune(got)); n > gh.MaxCommentChars || !strings.Contains(got, "cut to GitHub's comment limit") {
		t.Fatalf("comment of %d characters, want ≤ %d with a note", n, gh.MaxCommentChars)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name    string
		fault   ghtest.Fault
		wantErr bool
	}{
		{"500 twice", ghtest.Fault{Operation: "checks/create", Status: 500, Times: 2}, false},
		{"502", ghtest.Fault{Method: "POST", Path: "/repos/*/*/check-runs", Status: 502}, false},
		{"secondary rate limit", ghtest.Fault{Operation: "checks/create", Status: 403, RetryAfter: time.Second}, false},
		{"secondary rate limit without Retry-After", ghtest.Fault{Operation: "checks/create", Status: 403}, false},
		{"429", ghtest.Fault{Operation: "checks/create", Status: 429, RetryAfter: time.Second}, false},
		{"Retry-After beyond the bound", ghtest.Fault{Operation: "checks/create", Status: 429, RetryAfter: time.Hour}, true},
		{"500 past the attempts", ghtest.Fault{Operation: "checks/create", Status: 500, Times: 10}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c, obs := setup(t)
			r := access(t, s, c)
			s.Inject(tt.fault)
			_, err := r.StartCheckRun(context.Background(), "kiln/validate", strings.Repeat("c", 40), "pr:1")
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := len(s.CheckRuns("acme/images")); n != 1 {
				t.Fatalf("%d check runs, want 1", n)
			}
			if n := obs.count(fmt.Sprintf("POST /repos/{owner}/{repo}/check-runs %d", tt.fault.Status)); n == 0 {
				t.Fatalf("the fault was not observed: %v", obs.calls)
			}
		})
	}
}

func TestPrimaryRateLimit(t *testing.T) {
	s, c, obs := setup(t)
	r := access(t, s, c)
	ctx := context.Background()
	if _, err := c.InstallationToken(ctx, s.InstallationID); err != nil {
		t.Fatal(err)
	}
	s.ExhaustRateLimit(time.Now().Add(time.Second))
	if _, err := r.StartCheckRun(ctx, "kiln/validate", strings.Repeat("d", 40), "pr:1"); err != nil {
		t.Fatal(err)
	}
	if obs.count("GET /repos/{owner}/{repo}/commits/{sha}/check-runs 403") != 1 || obs.count("POST /repos/{owner}/{repo}/check-runs 201") != 1 {
		t.Fatalf("calls: %v", obs.calls)
	}
	reset := time.Now().Add(time.Hour)
	s.ExhaustRateLimit(reset)
	_, err := r.StartCheckRun(ctx, "kiln/validate", strings.Repeat("e", 40), "pr:1")
	var rl *gh.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want a RateLimitError", err)
	}
	if len(obs.remaining) == 0 {
		t.Fatal("rate limit never observed")
	}
}

func TestPermissionLevel(t *testing.T) {
	s, c, _ := setup(t)
	r := access(t, s, c)
	for _, role := range []string{"admin", "maintain", "write", "triage", "read"} {
		s.SetPermission("acme/images", "user-"+role, role)
	}
	tests := []struct{ user, want string }{
		{"user-admin", gh.RoleAdmin},
		{"user-maintain", gh.RoleMaintain},
		{"user-write", gh.RoleWrite},
		{"user-triage", gh.RoleTriage},
		{"user-read", gh.RoleRead},
		{"stranger", gh.RoleNone},
	}
	for _, tt := range tests {
		got, err := r.Permission(context.Background(), tt.user)
		if err != nil {
			t.Fatalf("%s: %v", tt.user, err)
		}
		if got != tt.want {
			t.Errorf("%s: role %q, want %q", tt.user, got, tt.want)
		}
	}
}

func TestPullRequest(t *testing.T) {
	for _, fork := range []bool{false, true} {
		t.Run(fmt.Sprintf("fork=%v", fork), func(t *testing.T) {
			s, c, _ := setup(t)
			r, head := repoWithPR(t, s, c, fork)
			ctx := context.Background()
			pr, err := r.PullRequest(ctx, 7)
			if err != nil {
				t.Fatal(err)
			}
			if pr.HeadSHA != head || pr.HeadRef != "feature" || pr.BaseRef != "main" || pr.Fork != fork || pr.Merged || pr.State != "open" {
				t.Fatalf("pr = %+v", pr)
			}
			merge := s.Merge("acme", "images", 7)
			pr, err = r.PullRequest(ctx, 7)
			if err != nil || !pr.Merged || pr.MergeSHA != merge || pr.State != "closed" {
				t.Fatalf("after merge: %+v, %v", pr, err)
			}
			if _, err := r.PullRequest(ctx, 99); err == nil {
				t.Fatal("unknown pull request: no error")
			}
		})
	}
}

func TestCommentCommandReplies(t *testing.T) {
	s, c, _ := setup(t)
	r, head := repoWithPR(t, s, c, false)
	ctx := context.Background()
	cmd := s.AddComment("acme/images", 7, "alice", "/kiln plan")
	if err := r.React(ctx, cmd, "eyes"); err != nil {
		t.Fatal(err)
	}
	if got := s.Reactions("acme/images", cmd); len(got) != 1 || got[0].Content != "eyes" {
		t.Fatalf("reactions = %+v", got)
	}
	for _, body := range []string{"@alice the plan is below", "@alice the plan is below"} {
		if err := r.Answer(ctx, 7, cmd, body); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Comments("acme/images", 7); len(got) != 2 || got[1].User != ghtest.BotLogin || !strings.Contains(got[1].Body, gh.AnswerMarker(cmd)) {
		t.Fatalf("comments = %+v, want the command and one answer", got)
	}
	if err := r.Suggest(ctx, 7, head, "components/a.yaml", 1, "The component changed; bump its version.", "version: 1.0.1"); err != nil {
		t.Fatal(err)
	}
	rc := s.ReviewComments("acme/images", 7)
	if len(rc) != 1 || rc[0].Line != 1 || rc[0].Path != "components/a.yaml" || rc[0].CommitID != head ||
		!strings.Contains(rc[0].Body, "```suggestion\nversion: 1.0.1\n```") {
		t.Fatalf("review comments = %+v", rc)
	}
}

func TestRoute(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"GET", "/repos/acme/images/issues/7/comments", "GET /repos/{owner}/{repo}/issues/{n}/comments"},
		{"PATCH", "/api/v3/repos/acme/images/check-runs/99", "PATCH /repos/{owner}/{repo}/check-runs/{n}"},
		{"GET", "/repos/a/b/commits/" + strings.Repeat("f", 40) + "/check-runs", "GET /repos/{owner}/{repo}/commits/{sha}/check-runs"},
		{"GET", "/repos/a/b/commits/main/check-runs", "GET /repos/{owner}/{repo}/commits/{ref}/check-runs"},
		{"GET", "/repos/a/b/collaborators/alice/permission", "GET /repos/{owner}/{repo}/collaborators/{user}/permission"},
		{"GET", "/repos/a/b/contents/x/y/z.yaml", "GET /repos/{owner}/{repo}/contents/{path}"},
		{"POST", "/app/installations/42/access_tokens", "POST /app/installations/{n}/access_tokens"},
	}
	for _, tt := range tests {
		if got := gh.Route(tt.method, tt.path); got != tt.want {
			t.Errorf("Route(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}
