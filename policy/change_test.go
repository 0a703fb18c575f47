package policy

import (
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/finding"
)

func TestConfigChangeFindings(t *testing.T) {
	base := load(t, map[string]string{".kiln.yaml": `
environments:
  prod:
    account: "222222222222"
    region: us-east-1
    branch: main
    production: true
policy:
  failOn: high
  waivers:
    - rule: KILN-INF-001
      resource: build
      justification: vendor agent
      expires: 2026-06-01
`}).Config
	head := load(t, map[string]string{".kiln.yaml": `
environments:
  prod:
    account: "222222222222"
    region: us-east-1
    branch: main
    production: true
policy:
  failOn: critical
  waivers:
    - rule: KILN-INF-001
      resource: "*"
      justification: vendor agent
      expires: 2027-06-01
`}).Config
	policies := map[string][]byte{"policy/a.rego": []byte("package a\n"), "policy/b.rego": []byte("package b\n")}

	t.Run("unchanged", func(t *testing.T) {
		if fs := ConfigChangeFindings(Sources{Config: base, Policies: policies}, Sources{Config: base, Policies: policies}); len(fs) != 0 {
			t.Errorf("got %v", fs)
		}
	})
	t.Run("changed", func(t *testing.T) {
		headPolicies := map[string][]byte{"policy/a.rego": []byte("package a\n\ndeny contains 1 if false\n"), "policy/c.rego": []byte("package c\n")}
		fs := ConfigChangeFindings(Sources{Config: base, Policies: policies}, Sources{Config: head, Policies: headPolicies})
		want := map[finding.Pos]string{
			{File: ".kiln.yaml", Line: 8, Column: 3}: "failing severity",
			{File: ".kiln.yaml", Line: 9, Column: 3}: "waivers",
			{File: "policy/a.rego"}:                  "changes a policy file",
			{File: "policy/b.rego"}:                  "deletes a policy file",
			{File: "policy/c.rego"}:                  "adds a policy file",
		}
		if len(fs) != len(want) {
			t.Fatalf("got:\n%s", dump(fs))
		}
		for _, f := range fs {
			if !strings.Contains(f.Message, want[f.Pos]) || want[f.Pos] == "" {
				t.Errorf("unexpected %s", f)
			}
			if f.Rule != ConfigChangedRule || f.Severity != finding.SeverityMedium || f.Source != finding.SourcePolicy {
				t.Errorf("shape %+v", f)
			}
		}
	})
	t.Run("config added", func(t *testing.T) {
		fs := ConfigChangeFindings(Sources{}, Sources{Config: head})
		if len(fs) == 0 {
			t.Error("adding .kiln.yaml with waivers raised nothing")
		}
	})
}
