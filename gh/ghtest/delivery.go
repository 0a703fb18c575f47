package ghtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// Sign returns the X-Hub-Signature-256 value GitHub sends for body.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Delivery loads GitHub's published example of event/action (action empty
// for events without one, such as push), lets mutate re-address it, and
// returns the body with the headers GitHub sends, unsigned: add
// X-Hub-Signature-256 with Sign.
func Delivery(t testing.TB, event, action string, mutate func(payload map[string]any)) ([]byte, http.Header) {
	t.Helper()
	name := event + ".json"
	if action != "" {
		name = event + "." + action + ".json"
	}
	raw, err := os.ReadFile(filepath.Join(testdataDir(), "webhooks", name))
	if err != nil {
		t.Fatalf("ghtest: no webhook example for %s %s: %v", event, action, err)
	}
	var payload map[string]any
	if err := json.Unmarshal(raw, &payload); err != nil {
		t.Fatalf("ghtest: webhook example %s: %v", name, err)
	}
	if mutate != nil {
		mutate(payload)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		t.Fatalf("ghtest: marshal delivery: %v", err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "GitHub-Hookshot/ghtest")
	h.Set("X-GitHub-Event", event)
	h.Set("X-GitHub-Delivery", fmt.Sprintf("%x-%x-%x-%x-%x", id[0:4], id[4:6], id[6:8], id[8:10], id[10:]))
	h.Set("X-GitHub-Hook-ID", "1")
	return body, h
}

// SignedDelivery is Delivery with the X-Hub-Signature-256 header set.
func SignedDelivery(t testing.TB, secret []byte, event, action string, mutate func(map[string]any)) ([]byte, http.Header) {
	t.Helper()
	body, h := Delivery(t, event, action, mutate)
	h.Set("X-Hub-Signature-256", Sign(secret, body))
	return body, h
}

// Address returns a mutate function for Delivery that points a payload at
// repository owner/name of this emulator, its installation, and (when
// number > 0) pull request number with head commit headSHA. Fields the
// payload does not have are left alone.
func (s *Server) Address(owner, name string, number int, headSHA string) func(map[string]any) {
	return func(p map[string]any) {
		full := owner + "/" + name
		if repo, ok := p["repository"].(map[string]any); ok {
			repo["name"], repo["full_name"] = name, full
			repo["clone_url"] = s.GitURL(owner, name)
			repo["html_url"] = s.URL + "/" + full
			repo["url"] = s.URL + "/repos/" + full
			if o, ok := repo["owner"].(map[string]any); ok {
				o["login"] = owner
			}
		}
		p["installation"] = map[string]any{"id": s.InstallationID, "node_id": "I_ghtest"}
		if pr, ok := p["pull_request"].(map[string]any); ok && number > 0 {
			pr["number"] = number
			if head, ok := pr["head"].(map[string]any); ok && headSHA != "" {
				head["sha"] = headSHA
				if repo, ok := head["repo"].(map[string]any); ok {
					repo["full_name"], repo["name"], repo["clone_url"] = full, name, s.GitURL(owner, name)
				}
			}
			if base, ok := pr["base"].(map[string]any); ok {
				if repo, ok := base["repo"].(map[string]any); ok {
					repo["full_name"], repo["name"], repo["clone_url"] = full, name, s.GitURL(owner, name)
				}
			}
		}
		if number > 0 {
			p["number"] = number
		}
		if issue, ok := p["issue"].(map[string]any); ok && number > 0 {
			issue["number"] = number
			issue["pull_request"] = map[string]any{"url": s.URL + "/repos/" + full + "/pulls/" + fmt.Sprint(number)}
		}
		for _, key := range []string{"check_suite", "check_run"} {
			obj, ok := p[key].(map[string]any)
			if !ok {
				continue
			}
			if headSHA != "" {
				obj["head_sha"] = headSHA
				if suite, ok := obj["check_suite"].(map[string]any); ok {
					suite["head_sha"] = headSHA
				}
			}
			if obj["app"] != nil {
				if app, ok := obj["app"].(map[string]any); ok {
					app["id"] = s.AppID
				}
			}
			// Check events name the pull requests of their head commit.
			if number > 0 {
				obj["pull_requests"] = []any{map[string]any{
					"number": number, "id": number, "url": s.URL + "/repos/" + full + "/pulls/" + fmt.Sprint(number),
					"head": map[string]any{"sha": headSHA, "ref": "head", "repo": map[string]any{"id": 1, "name": name, "url": s.URL + "/repos/" + full}},
					"base": map[string]any{"sha": "", "ref": "main", "repo": map[string]any{"id": 1, "name": name, "url": s.URL + "/repos/" + full}},
				}}
			}
		}
		if headSHA != "" {
			if _, ok := p["after"]; ok {
				p["after"] = headSHA
			}
			if hc, ok := p["head_commit"].(map[string]any); ok {
				hc["id"] = headSHA
			}
		}
	}
}
