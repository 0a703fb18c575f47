package ghtest

import (
	"net/url"
	"strings"
	"testing"
)

func TestSpecValidation(t *testing.T) {
	s, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, query, body string
		wantOp                          string
		wantProblem                     string // empty: valid
	}{
		{"create check run", "POST", "/repos/o/r/check-runs", "", `{"name":"kiln/validate","head_sha":"abc","status":"in_progress"}`, "checks/create", ""},
		{"bad conclusion", "POST", "/repos/o/r/check-runs", "", `{"name":"x","head_sha":"abc","conclusion":"passed"}`, "checks/create", "conclusion"},
		{"missing head_sha", "POST", "/repos/o/r/check-runs", "", `{"name":"x"}`, "checks/create", "head_sha"},
		{"misspelt field", "POST", "/repos/o/r/check-runs", "", `{"name":"x","head_sha":"a","stauts":"queued"}`, "checks/create", "stauts"},
		{"completed needs conclusion", "PATCH", "/repos/o/r/check-runs/5", "", `{"status":"completed"}`, "checks/update", "conclusion"},
		{"bad timestamp", "PATCH", "/repos/o/r/check-runs/5", "", `{"started_at":"yesterday"}`, "checks/update", "date-time"},
		{"annotation level", "PATCH", "/repos/o/r/check-runs/5", "", `{"output":{"title":"t","summary":"s","annotations":[{"path":"a","start_line":1,"end_line":1,"annotation_level":"error","message":"m"}]}}`, "checks/update", "annotation_level"},
		{"list comments", "GET", "/repos/o/r/issues/3/comments", "per_page=100&page=2", "", "issues/list-comments", ""},
		{"bad page", "GET", "/repos/o/r/issues/3/comments", "page=two", "", "issues/list-comments", "page"},
		{"unknown query", "GET", "/repos/o/r/issues/3/comments", "perpage=100", "", "issues/list-comments", "perpage"},
		{"reaction", "POST", "/repos/o/r/issues/comments/7/reactions", "", `{"content":"eyes"}`, "reactions/create-for-issue-comment", ""},
		{"bad reaction", "POST", "/repos/o/r/issues/comments/7/reactions", "", `{"content":"looking"}`, "reactions/create-for-issue-comment", "content"},
		{"content path with slashes", "GET", "/repos/o/r/contents/a/b/c.yaml", "ref=main", "", "repos/get-content", ""},
		{"check runs for ref", "GET", "/repos/o/r/commits/abc/check-runs", "check_name=kiln%2Fpolicy", "", "checks/list-for-ref", ""},
		{"permission", "GET", "/repos/o/r/collaborators/alice/permission", "", "", "repos/get-collaborator-permission-level", ""},
		{"token", "POST", "/app/installations/9/access_tokens", "", "", "apps/create-installation-access-token", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, params, _ := s.match(tt.method, tt.path)
			if op == nil {
				t.Fatalf("no operation for %s %s", tt.method, tt.path)
			}
			if op.ID != tt.wantOp {
				t.Fatalf("operation %s, want %s", op.ID, tt.wantOp)
			}
			q, _ := url.ParseQuery(tt.query)
			problems := s.validate(op, params, q, "application/json", []byte(tt.body))
			joined := strings.Join(problems, "\n")
			if tt.wantProblem == "" && len(problems) > 0 {
				t.Fatalf("unexpected problems:\n%s", joined)
			}
			if tt.wantProblem != "" && !strings.Contains(joined, tt.wantProblem) {
				t.Fatalf("problems %q do not mention %q", joined, tt.wantProblem)
			}
		})
	}
	if op, _, known := s.match("DELETE", "/repos/o/r/check-runs"); op != nil || !known {
		t.Fatalf("DELETE check-runs: op %v known %v, want no operation on a known path", op, known)
	}
}
