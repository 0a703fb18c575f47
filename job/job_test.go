package job

import (
	"slices"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/reconciler"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		body    string
		ok      bool
		verb    string
		args    []string
		wantErr bool
	}{
		{body: "looks good", ok: false},
		{body: "/kiln", ok: true, verb: "help"},
		{body: "/kiln help", ok: true, verb: "help"},
		{body: "thanks!\n/kiln plan\n", ok: true, verb: "plan"},
		{body: "/kiln bake", ok: true, verb: "bake"},
		{body: "/kiln bake al2023-base  app-runtime", ok: true, verb: "bake", args: []string{"al2023-base", "app-runtime"}},
		{body: "/kiln plan now", ok: true, verb: "plan", args: []string{"now"}, wantErr: true},
		{body: "/kiln destroy", ok: true, verb: "destroy", wantErr: true},
		{body: "please run /kiln plan", ok: false},
		{body: "/kilnplan", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			cmd, ok, err := ParseCommand(tt.body)
			if ok != tt.ok || (err != nil) != tt.wantErr {
				t.Fatalf("ok=%v err=%v, want ok=%v err=%v", ok, err, tt.ok, tt.wantErr)
			}
			if !ok {
				return
			}
			if cmd.Verb != tt.verb || !slices.Equal(cmd.Args, tt.args) {
				t.Errorf("got %+v, want %s %v", cmd, tt.verb, tt.args)
			}
		})
	}
}

func TestPullRequestFromMessage(t *testing.T) {
	tests := []struct {
		msg  string
		want int
	}{
		{"Merge pull request #12 from platform/bump-java\n\nBump Corretto", 12},
		{"Bump Corretto to 21.0.5 (#345)", 345},
		{"Bump Corretto to 21.0.5 (#345)\n\n* details", 345},
		{"Fix #12 in the docs", 0},
		{"Refs (#12) somewhere in the middle of a line", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := pullRequestFromMessage(tt.msg); got != tt.want {
			t.Errorf("pullRequestFromMessage(%q) = %d, want %d", tt.msg, got, tt.want)
		}
	}
}

func TestBakeExternalIDRoundTrip(t *testing.T) {
	for _, attempt := range []int{0, 1, 7} {
		id := bakeExternalID("staging", "0123abcd", attempt)
		env, commit, ok := parseBakeExternalID(id)
		if !ok || env != "staging" || commit != "0123abcd" {
			t.Errorf("%q parsed as %q %q %v", id, env, commit, ok)
		}
	}
	for _, bad := range []string{"", "pr:12:abc", "bake:", "bake:staging", "bake::abc", "bake:a:b:c:d"} {
		if _, _, ok := parseBakeExternalID(bad); ok {
			t.Errorf("%q parsed as a bake id", bad)
		}
	}
}

func TestBakeCheckRunButtons(t *testing.T) {
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	rec := func(state string) reconciler.BakeRecord {
		return reconciler.BakeRecord{Environment: "staging", Pipeline: "p-" + state, State: state, Started: start,
			History: []reconciler.StateChange{{State: "PENDING", At: start}, {State: state, At: start.Add(time.Minute)}}}
	}
	tests := []struct {
		name       string
		group      []reconciler.BakeRecord
		conclusion string
		action     string
	}{
		{"running", []reconciler.BakeRecord{rec("BUILDING"), rec("AVAILABLE")}, "", "cancel"},
		{"available", []reconciler.BakeRecord{rec("AVAILABLE")}, "success", ""},
		{"failed", []reconciler.BakeRecord{rec("AVAILABLE"), rec("FAILED")}, "failure", "retry"},
		{"cancelled", []reconciler.BakeRecord{rec("CANCELLED")}, "cancelled", "retry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := bakeCheckRun("staging", tt.group)
			if u.Conclusion != tt.conclusion {
				t.Errorf("conclusion %q, want %q", u.Conclusion, tt.conclusion)
			}
			var got string
			if len(u.Actions) > 0 {
				got = u.Actions[0].Identifier
			}
			if got != tt.action {
				t.Errorf("action %q, want %q", got, tt.action)
			}
			for _, a := range u.Actions {
				if len(a.Label) > 20 || len(a.Description) > 40 || len(a.Identifier) > 20 {
					t.Errorf("action %+v exceeds GitHub's limits", a)
				}
			}
		})
	}
}
