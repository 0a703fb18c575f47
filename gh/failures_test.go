package gh_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/gh"
	"github.com/kiln-gitops/kiln/gh/ghtest"
)

// A create whose answer is lost after GitHub made it is found, not made
// again: check runs by external id on the head, comments by marker and the
// App's bot user, command answers by the command's marker.
func TestLostAnswersCreateOnce(t *testing.T) {
	lost := map[string]ghtest.Fault{
		"502 after the write":        {Status: 502, AfterWrite: true},
		"dropped after the write":    {Drop: true, AfterWrite: true},
		"502 twice after the writes": {Status: 502, AfterWrite: true, Times: 2},
	}
	for name, f := range lost {
		t.Run(name, func(t *testing.T) {
			s, c, _ := setup(t)
			r, _ := repoWithPR(t, s, c, false)
			ctx := context.Background()
			sha := strings.Repeat("f", 40)

			cr := f
			cr.Operation = "checks/create"
			s.Inject(cr)
			id, err := r.StartCheckRun(ctx, "kiln/plan", sha, "pr:7")
			if err != nil {
				t.Fatal(err)
			}
			if runs := s.CheckRuns("acme/images"); len(runs) != 1 || runs[0].ID != id {
				t.Fatalf("check runs %+v, want one, id %d", runs, id)
			}

			cm := f
			cm.Operation = "issues/create-comment"
			s.Inject(cm)
			if err := r.UpsertComment(ctx, 7, marker, "result"); err != nil {
				t.Fatal(err)
			}
			cmd := s.AddComment("acme/images", 7, "alice", "/kiln help")
			s.Inject(cm)
			if err := r.Answer(ctx, 7, cmd, "help text"); err != nil {
				t.Fatal(err)
			}
			var sticky, answers int
			for _, c := range s.Comments("acme/images", 7) {
				switch {
				case strings.Contains(c.Body, marker):
					sticky++
				case strings.Contains(c.Body, gh.AnswerMarker(cmd)):
					answers++
				}
			}
			if sticky != 1 || answers != 1 {
				t.Fatalf("%d sticky comments and %d answers, want one each", sticky, answers)
			}
			if s.LostAnswers() == 0 {
				t.Fatal("no answer was lost: the faults were not hit")
			}
		})
	}
}

// A 502 that GitHub sends before doing anything is retried as before.
func TestCreateRetriedAfterRefusal(t *testing.T) {
	s, c, _ := setup(t)
	r := access(t, s, c)
	s.Inject(ghtest.Fault{Operation: "checks/create", Status: 502, Times: 2})
	if _, err := r.StartCheckRun(context.Background(), "kiln/plan", strings.Repeat("f", 40), "pr:7"); err != nil {
		t.Fatal(err)
	}
	if n := len(s.CheckRuns("acme/images")); n != 1 {
		t.Fatalf("%d check runs, want 1", n)
	}
}

// A revoked installation token is dropped: the next request gets a 401,
// kiln mints a new token once and the request succeeds.
func TestRevokedTokenIsReplaced(t *testing.T) {
	s, c, _ := setup(t)
	r, _ := repoWithPR(t, s, c, false)
	ctx := context.Background()
	if _, err := r.PullRequest(ctx, 7); err != nil {
		t.Fatal(err)
	}
	old, _ := c.InstallationToken(ctx, s.InstallationID)
	s.RevokeTokens()
	if _, err := r.PullRequest(ctx, 7); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if _, err := r.StartCheckRun(ctx, "kiln/plan", strings.Repeat("f", 40), "pr:7"); err != nil {
		t.Fatalf("a write after revocation: %v", err)
	}
	if n := s.Operations()["apps/create-installation-access-token"]; n != 2 {
		t.Fatalf("%d tokens minted, want 2 (one re-mint)", n)
	}
	tok, err := c.InstallationToken(ctx, s.InstallationID)
	if err != nil || tok == old {
		t.Fatalf("clone token after revocation: %v (the revoked one: %v)", err, tok == old)
	}
	// A token refused on every try is re-minted once per request, not in
	// a loop.
	before := s.Operations()["apps/create-installation-access-token"]
	s.Inject(ghtest.Fault{Operation: "pulls/get", Status: 401, Times: 2})
	if _, err := r.PullRequest(ctx, 7); err == nil {
		t.Fatal("401 twice: no error")
	}
	if n := s.Operations()["apps/create-installation-access-token"] - before; n != 1 {
		t.Fatalf("%d tokens minted for one request refused twice, want 1", n)
	}
}

// Rate limits longer than the client waits come back as errors with
// RetryAt, the queue's signal to park the job: primary (remaining 0 and the
// reset), secondary with Retry-After and without one.
func TestRateLimitsParkWithRetryAt(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(s *ghtest.Server)
		within [2]time.Duration // RetryAt from now
	}{
		{"primary", func(s *ghtest.Server) { s.ExhaustRateLimit(time.Now().Add(30 * time.Minute)) }, [2]time.Duration{29 * time.Minute, 31 * time.Minute}},
		{"Retry-After", func(s *ghtest.Server) {
			s.Inject(ghtest.Fault{Operation: "pulls/get", Status: 429, RetryAfter: 10 * time.Minute})
		}, [2]time.Duration{9 * time.Minute, 11 * time.Minute}},
		{"secondary without Retry-After", func(s *ghtest.Server) {
			s.Inject(ghtest.Fault{Operation: "pulls/get", Status: 403})
		}, [2]time.Duration{50 * time.Second, 70 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ghtest.New(t)
			c, err := gh.New(gh.Config{AppID: s.AppID, PrivateKey: s.PrivateKeyPEM(), BaseURL: s.URL,
				Retry: gh.RetryPolicy{Attempts: 3, BaseDelay: time.Millisecond, MaxWait: time.Second, SecondaryWait: time.Minute}})
			if err != nil {
				t.Fatal(err)
			}
			r, _ := repoWithPR(t, s, c, false)
			ctx := context.Background()
			if _, err := c.InstallationToken(ctx, s.InstallationID); err != nil {
				t.Fatal(err)
			}
			tt.setup(s)
			start := time.Now()
			_, err = r.PullRequest(ctx, 7)
			var parked interface{ RetryAt() time.Time }
			if !errors.As(err, &parked) {
				t.Fatalf("err = %v, want one with RetryAt", err)
			}
			if d := parked.RetryAt().Sub(start); d < tt.within[0] || d > tt.within[1] {
				t.Fatalf("RetryAt in %s, want within %v", d, tt.within)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("the client waited %s instead of parking", time.Since(start))
			}
		})
	}
}

// The quota is per caller: the app's own (JWT) limit spent leaves the
// installation working, and the answers carry the caller's figures.
func TestRateLimitIsPerCaller(t *testing.T) {
	s, c, obs := setup(t)
	r, _ := repoWithPR(t, s, c, false)
	ctx := context.Background()
	if _, err := c.InstallationToken(ctx, s.InstallationID); err != nil {
		t.Fatal(err)
	}
	s.ExhaustAppRateLimit(time.Now().Add(time.Hour))
	if _, err := r.PullRequest(ctx, 7); err != nil {
		t.Fatalf("installation call with the app's quota spent: %v", err)
	}
	if last := obs.remaining[len(obs.remaining)-1]; last == 0 {
		t.Fatal("the installation's answer carried the app's exhausted quota")
	}
	if _, _, err := c.App().Apps.Get(ctx, ""); err == nil {
		t.Fatal("app call with its quota spent: no error")
	}
}

// Readiness asks GitHub at most once per interval, and not at all while
// kiln's own requests show GitHub answering.
func TestReachableIsCached(t *testing.T) {
	s, c, _ := setup(t)
	ctx := context.Background()
	for range 300 {
		if err := c.Reachable(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Operations()["apps/get-authenticated"]; n > 1 {
		t.Fatalf("%d GET /app for 300 readiness checks, want at most 1", n)
	}
}
