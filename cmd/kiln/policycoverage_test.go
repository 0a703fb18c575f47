package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPolicyCoverage(t *testing.T) {
	code, out, errOut := kiln(t, "policy", "coverage")
	if code != 0 || !strings.Contains(out, "| cis-al2023-l1 | 179 |") || !strings.Contains(out, "| stig-rhel9 | 447 |") {
		t.Fatalf("summary: %d\n%s%s", code, out, errOut)
	}
	code, out, _ = kiln(t, "policy", "coverage", "--profile", "cis-al2023-l1")
	if code != 0 || !strings.Contains(out, "| 4.2.7 | Ensure SSH root login is disabled (Automated) | l1_server | KILN-CMP-001 |") {
		t.Fatalf("markdown: %d\n%s", code, out)
	}
	code, out, _ = kiln(t, "policy", "coverage", "--profile", "stig-rhel9", "-o", "json")
	var covs []struct {
		Profile string
		Rows    []struct {
			Control   string
			CheckedBy []string `json:"checked_by"`
		}
	}
	if err := json.Unmarshal([]byte(out), &covs); code != 0 || err != nil || len(covs) != 1 || covs[0].Profile != "stig-rhel9" {
		t.Fatalf("json: %d %v\n%s", code, err, out)
	}
	if code, _, errOut := kiln(t, "policy", "coverage", "--profile", "cis"); code != 2 || !strings.Contains(errOut, "unknown profile") {
		t.Errorf("unknown profile: %d %s", code, errOut)
	}
	if code, _, errOut := kiln(t, "policy", "coverage", "-o", "yaml"); code != 2 || !strings.Contains(errOut, "markdown or json") {
		t.Errorf("bad output: %d %s", code, errOut)
	}
}

func TestPolicyCoverageCountsUsersRules(t *testing.T) {
	dir := t.TempDir()
	rule := `package kiln.component

# METADATA
# title: Banner
# description: The DoD banner is set.
# custom:
#   id: ACME-001
#   severity: low
#   controls: ["stig-rhel9:RHEL-09-211020"]
#   remediation: Set it.
acme_banner contains r if {
	false
	r := {"msg": "x"}
}
`
	if err := os.WriteFile(filepath.Join(dir, "banner.rego"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := kiln(t, "policy", "coverage", "--profile", "stig-rhel9", dir)
	if code != 0 || !strings.Contains(out, "| RHEL-09-211020 |") || !strings.Contains(out, "| ACME-001 |") {
		t.Fatalf("%d\n%s%s", code, out, errOut)
	}
	code, out, _ = kiln(t, "policy", "doc", "--builtin=false", dir)
	if code != 0 || !strings.Contains(out, "| [ACME-001](#acme-001) | low | Banner | stig-rhel9:RHEL-09-211020 |") || strings.Contains(out, "KILN-CMP-001") {
		t.Fatalf("doc: %d\n%s", code, out)
	}
}

// TestPolicyDocIsReadme: `kiln policy doc` prints what policy/README.md holds.
func TestPolicyDocIsReadme(t *testing.T) {
	code, out, _ := kiln(t, "policy", "doc")
	readme, err := os.ReadFile("../../policy/README.md")
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || !strings.Contains(string(readme), out) {
		t.Errorf("kiln policy doc (exit %d) is not the rule catalogue of policy/README.md", code)
	}
}
