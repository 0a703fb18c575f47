package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretsMaskedInEveryOutput: a secret kiln finds never appears in what
// kiln check prints, in any output format.
func TestSecretsMaskedInEveryOutput(t *testing.T) {
	const key, password = "AKIAZ7QW3XHT5LMN2PQR", "Xk9#mQ2$vL7pR4w"
	dir := t.TempDir()
	for name, text := range map[string]string{
		"c.yaml": "apiVersion: kiln/v1\nkind: Component\nmetadata:\n  name: creds\n  version: 1.0.0\nspec:\n  platform: Linux\n  document: ./c.toe.yaml\n",
		"c.toe.yaml": "name: c\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Creds\n        action: ExecuteBash\n        inputs:\n          commands:\n" +
			"            - export AWS_ACCESS_KEY_ID=" + key + "\n            - \"echo 'password = " + password + "' >> /etc/app.ini\"\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, format := range []string{"text", "json", "sarif", "junit", "github"} {
		code, out, errOut := kiln(t, "check", "-o", format, dir)
		if code != 1 || !strings.Contains(out+errOut, "KILN-CMP-009") {
			t.Errorf("%s: exit %d, no KILN-CMP-009:\n%s%s", format, code, out, errOut)
		}
		for _, secret := range []string{key, key[4:], password, password[3:]} {
			if strings.Contains(out+errOut, secret) {
				t.Errorf("%s output shows %q:\n%s", format, secret, out)
			}
		}
	}
}
