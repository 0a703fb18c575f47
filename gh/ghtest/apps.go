package ghtest

import (
	"net/http"
	"time"
)

func (s *Server) appJSON() map[string]any {
	return map[string]any{
		"id": s.AppID, "slug": "kiln", "node_id": "A_kiln", "name": "kiln",
		"owner":       map[string]any{"login": "kiln-gitops", "id": 1, "type": "Organization"},
		"description": "GitOps for EC2 Image Builder", "external_url": "https://example.invalid/kiln",
		"html_url": s.URL + "/apps/kiln", "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
		"permissions": map[string]any{"checks": "write", "contents": "read", "issues": "write", "pull_requests": "write", "metadata": "read"},
		"events":      []string{"check_run", "check_suite", "issue_comment", "pull_request", "push"},
	}
}

func (s *Server) installationJSON() map[string]any {
	return map[string]any{
		"id": s.InstallationID, "app_id": s.AppID, "app_slug": "kiln", "target_type": "Organization",
		"account":              map[string]any{"login": "kiln-gitops", "id": 1, "type": "Organization"},
		"repository_selection": "all",
		"access_tokens_url":    s.URL + "/app/installations/" + itoa(s.InstallationID) + "/access_tokens",
		"repositories_url":     s.URL + "/installation/repositories",
		"html_url":             s.URL + "/settings/installations/" + itoa(s.InstallationID),
		"permissions":          map[string]any{"checks": "write", "contents": "read", "issues": "write", "pull_requests": "write"},
		"events":               []string{"pull_request"},
		"created_at":           "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
	}
}

func (s *Server) getApp(c *call) { c.json(http.StatusOK, s.appJSON()) }

func (s *Server) getInstallation(c *call) {
	if id, ok := c.params["installation_id"]; ok && id != itoa(s.InstallationID) {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	c.json(http.StatusOK, s.installationJSON())
}

func (s *Server) listInstallations(c *call) {
	c.json(http.StatusOK, []any{s.installationJSON()})
}

func (s *Server) createToken(c *call) {
	if c.params["installation_id"] != itoa(s.InstallationID) {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	tok := s.Token()
	c.json(http.StatusCreated, map[string]any{
		"token":                tok,
		"expires_at":           s.now().Add(tokenLifetime).UTC().Format(time.RFC3339),
		"permissions":          map[string]any{"checks": "write", "contents": "read", "issues": "write", "pull_requests": "write"},
		"repository_selection": "all",
	})
}
