package policy

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kiln-gitops/kiln/finding"
)

// TestBundleRegoTests runs the built-in bundle's Rego unit tests through
// OPA's tester.
func TestBundleRegoTests(t *testing.T) {
	files, err := bundleFiles(true)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	passed, failed, err := Test(context.Background(), files, &out, false)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if failed != 0 || passed == 0 {
		t.Fatalf("%d passed, %d failed:\n%s", passed, failed, out.String())
	}
	t.Logf("%d Rego tests passed", passed)
}

var ruleID = regexp.MustCompile(`^KILN-[A-Z]{3}-\d{3}$`)

// TestBundleRules checks every built-in rule's METADATA and that each has
// Rego tests both ways: test_<rule>_deny… and test_<rule>_pass….
func TestBundleRules(t *testing.T) {
	e, err := New(context.Background(), Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	rules := e.Rules()
	if len(rules) < 30 {
		t.Errorf("%d built-in rules, want at least 30", len(rules))
	}
	files, err := bundleFiles(true)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{}
	for name, src := range files {
		if !strings.HasSuffix(name, "_test.rego") {
			continue
		}
		m, err := ast.ParseModule(name, string(src))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range m.Rules {
			tests[r.Head.Name.String()] = true
		}
	}
	hasTest := func(prefix string) bool {
		for name := range tests {
			if strings.HasPrefix(name, prefix) {
				return true
			}
		}
		return false
	}
	seen := map[string]string{}
	for _, r := range rules {
		if !ruleID.MatchString(r.ID) {
			t.Errorf("%s: id %q is not KILN-<GROUP>-NNN", r.Ref, r.ID)
		}
		if prev, dup := seen[r.ID]; dup {
			t.Errorf("%s and %s share id %s", prev, r.Ref, r.ID)
		}
		seen[r.ID] = r.Ref
		if r.Title == "" || r.Description == "" || r.Remediation == "" {
			t.Errorf("%s (%s): title, description and remediation are required", r.ID, r.Ref)
		}
		if !r.Severity.Valid() || r.Severity == finding.SeverityError {
			t.Errorf("%s: severity %q", r.ID, r.Severity)
		}
		name := r.Ref[strings.LastIndex(r.Ref, ".")+1:]
		for _, way := range []string{"deny", "pass"} {
			if !hasTest("test_" + name + "_" + way) {
				t.Errorf("%s (%s) has no test_%s_%s… Rego test", r.ID, r.Ref, name, way)
			}
		}
	}
}

func TestTestReportsFailures(t *testing.T) {
	files := map[string][]byte{
		"policy/tags.rego": []byte("package tags\n\nimport rego.v1\n\ndeny contains \"no owner\" if not input.metadata.tags.owner\n"),
		"policy/tags_test.rego": []byte(`package tags

import rego.v1

test_owner_missing if { count(deny) == 1 with input as {"metadata": {"tags": {}}} }

test_owner_present_wrong if { count(deny) == 1 with input as {"metadata": {"tags": {"owner": "me"}}} }
`),
	}
	var out bytes.Buffer
	passed, failed, err := Test(context.Background(), files, &out, true)
	if err != nil {
		t.Fatal(err)
	}
	if passed != 1 || failed != 1 {
		t.Errorf("passed %d failed %d", passed, failed)
	}
	for _, want := range []string{"test_owner_present_wrong: FAIL", "test_owner_missing: PASS", "PASS: 1/2", "FAIL: 1/2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestTestCompileError(t *testing.T) {
	_, _, err := Test(context.Background(), map[string][]byte{"p.rego": []byte("package p\n\ntest_x if {\n")}, &bytes.Buffer{}, false)
	var ce *CompileError
	if !errorsAs(err, &ce) || ce.Problems[0].File != "p.rego" {
		t.Errorf("got %v", err)
	}
}
