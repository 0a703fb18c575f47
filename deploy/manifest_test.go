package deploy

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/kiln-gitops/kiln/webhook"
)

// The GitHub App manifest subscribes to every event kiln acts on and asks
// for no permission beyond what kiln writes and reads.
func TestAppManifest(t *testing.T) {
	data, err := os.ReadFile("github-app-manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		HookAttributes struct {
			URL string `json:"url"`
		} `json:"hook_attributes"`
		DefaultPermissions map[string]string `json:"default_permissions"`
		DefaultEvents      []string          `json:"default_events"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, ev := range m.DefaultEvents {
		if !webhook.Handles(ev) {
			t.Errorf("the manifest subscribes to %s, which kiln does not handle", ev)
		}
	}
	// installation events reach every app without a subscription.
	for _, ev := range []string{"check_run", "check_suite", "issue_comment", "pull_request", "push"} {
		if !webhook.Handles(ev) {
			t.Fatalf("kiln no longer handles %s: update this test", ev)
		}
		if !slices.Contains(m.DefaultEvents, ev) {
			t.Errorf("the manifest does not subscribe to %s", ev)
		}
	}
	want := map[string]string{"checks": "write", "contents": "read", "metadata": "read", "pull_requests": "write"}
	for p, level := range m.DefaultPermissions {
		if want[p] != level {
			t.Errorf("permission %s: %s, want %q", p, level, want[p])
		}
	}
	for p := range want {
		if _, ok := m.DefaultPermissions[p]; !ok {
			t.Errorf("permission %s missing", p)
		}
	}
	if m.HookAttributes.URL == "" || m.HookAttributes.URL[len(m.HookAttributes.URL)-len("/webhook"):] != "/webhook" {
		t.Errorf("webhook URL %q does not end in /webhook", m.HookAttributes.URL)
	}
}
