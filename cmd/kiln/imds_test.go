package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportWithoutCredentialsSaysOnlyWhy: without credentials, kiln
// import says why in its own words; the SDK's IMDS fallback warning (which
// it prints on its own on a machine whose metadata service refuses
// IMDSv2 tokens) does not come first.
func TestImportWithoutCredentialsSaysOnlyWhy(t *testing.T) {
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Refuse the IMDSv2 token: the SDK falls back to IMDSv1 and warns.
		if r.Method == http.MethodPut {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		http.NotFound(w, r)
	}))
	defer imds.Close()
	dir := t.TempDir()
	env := []string{
		"KILN_TEST_CHILD=1", "HOME=" + dir, "PATH=" + os.Getenv("PATH"),
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + imds.URL,
	}
	code, out, errOut := child(t, env, "import", "--env", "legacy", "--account", "123456789012", "--region", "eu-west-1", "--out", dir)
	if code != exitUsage || out != "" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.HasPrefix(errOut, "kiln import: AWS credentials:") || strings.Contains(errOut, "IMDS") || strings.Contains(errOut, "WARN") {
		t.Errorf("stderr:\n%s", errOut)
	}
}
