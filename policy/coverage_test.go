package policy

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestCoverage(t *testing.T) {
	e, err := New(context.Background(), Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	rules := e.Rules()
	for _, name := range Profiles() {
		cov, err := ComputeCoverage(name, rules)
		if err != nil {
			t.Fatal(err)
		}
		if cov.Controls < 100 || cov.Checked == 0 || cov.Controls != len(cov.Rows) || cov.Checked+cov.Uncovered > cov.Controls+cov.Automated {
			t.Errorf("%s: %d controls, %d checked, %d automated, %d neither", name, cov.Controls, cov.Checked, cov.Automated, cov.Uncovered)
		}
	}
	l1, _ := ComputeCoverage("cis-al2023-l1", rules)
	l2, _ := ComputeCoverage("cis-al2023-l2", rules)
	if l2.Controls <= l1.Controls {
		t.Errorf("level 2 (%d) must include level 1 (%d)", l2.Controls, l1.Controls)
	}
	row := func(c *Coverage, id string) CoverageRow {
		for _, r := range c.Rows {
			if r.Control == id {
				return r
			}
		}
		t.Fatalf("%s lacks %s", c.Profile, id)
		return CoverageRow{}
	}
	if r := row(l1, "4.2.7"); len(r.CheckedBy) != 1 || r.CheckedBy[0] != "KILN-CMP-001" || !strings.Contains(r.AutomatedBy, "Level 1") {
		t.Errorf("4.2.7: %+v", r)
	}
	for _, r := range l1.Rows {
		if r.Control == "5.2.1.1" {
			t.Error("a level 2 control in the level 1 profile")
		}
	}
	r9, _ := ComputeCoverage("stig-rhel9", rules)
	if r := row(r9, "RHEL-09-255045"); r.AutomatedBy != "stig-build-linux-medium (or -high)" || r.CheckedBy[0] != "KILN-CMP-001" {
		t.Errorf("RHEL-09-255045: %+v", r)
	}
	// A user's rule citing a control counts too.
	user := append(rules, RuleInfo{ID: "ACME-1", Controls: []string{"stig-rhel9:RHEL-09-211010"}})
	r9u, _ := ComputeCoverage("stig-rhel9", user)
	if r := row(r9u, "RHEL-09-211010"); len(r.CheckedBy) != 1 || r.CheckedBy[0] != "ACME-1" || r9u.Checked != r9.Checked+1 {
		t.Errorf("RHEL-09-211010: %+v", r)
	}
	if _, err := ComputeCoverage("cis", rules); err == nil || !strings.Contains(err.Error(), "cis-al2023-l1") {
		t.Errorf("unknown profile: %v", err)
	}
	var b bytes.Buffer
	if err := l1.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| 4.2.7 | Ensure SSH root login is disabled (Automated) | l1_server | KILN-CMP-001 | CIS Amazon Linux 2023 Level 1 hardening component (AWS Marketplace) |") {
		t.Errorf("markdown:\n%s", b.String()[:2000])
	}
}
