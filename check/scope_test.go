package check_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/finding"
)

func runIn(t *testing.T, in check.Input) *check.Result {
	t.Helper()
	c, err := check.New()
	if err != nil {
		t.Fatal(err)
	}
	in.Now = now
	res, err := c.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func rulesOf(fs []finding.Finding) map[string][]finding.Finding {
	out := map[string][]finding.Finding{}
	for _, f := range fs {
		out[f.Rule] = append(out[f.Rule], f)
	}
	return out
}

// TestNothingPassesEmpty: a repository (or folder, or roots setting) with
// no resources fails, unless an empty one is expected.
func TestNothingPassesEmpty(t *testing.T) {
	component := "apiVersion: kiln/v1\nkind: Component\nmetadata: {name: a, version: 1.0.0}\nspec:\n  platform: Linux\n  data: |\n    name: a\n    schemaVersion: 1.0\n    phases:\n      - name: build\n        steps:\n          - name: s\n            action: ExecuteBash\n            inputs: {commands: [\"true\"]}\n"
	for _, tc := range []struct {
		name       string
		files      fstest.MapFS
		folder     string
		allowEmpty bool
		wantEmpty  string // substring of the empty finding; "" for none
	}{
		{"empty tree", fstest.MapFS{}, "", false, "no kiln resources found in the repository"},
		{"empty tree allowed", fstest.MapFS{}, "", true, ""},
		{"only other YAML", fstest.MapFS{"ci.yaml": {Data: []byte("on: push\n")}}, "", false, "no kiln resources found"},
		{"roots miss", fstest.MapFS{".kiln.yaml": {Data: []byte("roots: [images]\n")}, "components/a.yaml": {Data: []byte(component)}}, "", false, "limits the search to roots images"},
		{"resources", fstest.MapFS{"components/a.yaml": {Data: []byte(component)}}, "", false, ""},
		{"empty folder", fstest.MapFS{"components/a.yaml": {Data: []byte(component)}, "docs/x.md": {Data: []byte("x")}}, "docs", false, "no kiln resources found in docs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runIn(t, check.Input{Head: tc.files, Folder: tc.folder, AllowEmpty: tc.allowEmpty})
			empty := rulesOf(res.Findings())[check.EmptyRule]
			if tc.wantEmpty == "" {
				if len(empty) > 0 {
					t.Errorf("unexpected %s", empty[0])
				}
				return
			}
			if len(empty) != 1 || !strings.Contains(empty[0].Message, tc.wantEmpty) || !res.Failed() {
				t.Errorf("empty findings %v, failed %v; want one with %q", empty, res.Failed(), tc.wantEmpty)
			}
		})
	}
}

// TestFolderOfRepository: checking examples/recipes loads the whole
// examples repository (so its components resolve) and reports only the
// findings of recipes/ (and .kiln.yaml).
func TestFolderOfRepository(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "../examples", dir)
	// A broken component outside the folder, a broken recipe inside it.
	writeTo(t, filepath.Join(dir, "components", "bad.yaml"), "apiVersion: kiln/v1\nkind: Component\nmetadata: {name: bad, version: 1.0.0}\nspec: {platform: Plan9}\n")
	rec, err := os.ReadFile(filepath.Join(dir, "recipes", "al2023-base.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeTo(t, filepath.Join(dir, "recipes", "al2023-base.yaml"), strings.Replace(string(rec), "name: cloudwatch-agent", "name: no-such-component", 1))
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	res := runIn(t, check.Input{Head: root.FS(), Folder: "recipes"})
	var files []string
	for _, f := range res.Findings() {
		files = append(files, f.Pos.String()+" "+f.Rule)
		if !strings.HasPrefix(f.File, "recipes/") {
			t.Errorf("finding outside the folder: %s", f)
		}
	}
	if len(files) == 0 || !strings.Contains(strings.Join(files, "\n"), "recipes/al2023-base.yaml") {
		t.Errorf("the broken recipe is not reported: %v", files)
	}
	for _, r := range res.Resources() {
		if !strings.HasPrefix(r.File, "recipes/") {
			t.Errorf("resource outside the folder counted: %s", r.File)
		}
	}
	if len(res.Resources()) != 3 || len(res.Head.Resources) <= 3 {
		t.Errorf("%d resources in the folder of %d", len(res.Resources()), len(res.Head.Resources))
	}
	outside := false
	for _, f := range res.Validation {
		outside = outside || f.File == "components/bad.yaml"
	}
	if !outside {
		t.Error("the broken component outside the folder was not checked at all")
	}
}

// TestUnmatchedSettings: a waiver whose rule or resource matches nothing
// and a rule setting for no rule are warnings at their line in .kiln.yaml;
// waivers and settings that do match stay quiet.
func TestUnmatchedSettings(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "../examples", dir)
	cfgPath := filepath.Join(dir, ".kiln.yaml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	extra := `
    - rule: KILN-RCP-999
      resource: ImageRecipe/al2023-base
      justification: typo in the rule id
      expires: "2030-12-31"
    - rule: KILN-RCP-006
      resource: ImageRecipe/al2024-*
      justification: typo in the resource
      expires: "2030-12-31"
    - rule: KILN-*
      resource: "*"
      justification: a pattern that matches
      expires: "2030-12-31"
  rules:
    KILN-INF-001: {severity: critical}
    KILN-NOPE-1: {disabled: true}
`
	text := strings.Replace(string(cfg), "\nbake:", extra+"\nbake:", 1)
	writeTo(t, cfgPath, text)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	res := runIn(t, check.Input{Head: root.FS()})
	by := rulesOf(res.Findings())
	lineOf := func(s string) int {
		for i, l := range strings.Split(text, "\n") {
			if strings.Contains(l, s) {
				return i + 1
			}
		}
		return -1
	}
	for _, tc := range []struct {
		rule, want string
		line       int
	}{
		{check.UnusedWaiverRule, "no rule has the id KILN-RCP-999", lineOf("rule: KILN-RCP-999")},
		{check.UnusedWaiverRule, "no resource is ImageRecipe/al2024-*", lineOf("resource: ImageRecipe/al2024-*") - 1},
		{check.UnknownRuleRule, "policy.rules.KILN-NOPE-1: no rule has this id", lineOf("KILN-NOPE-1")},
	} {
		found := false
		for _, f := range by[tc.rule] {
			if strings.Contains(f.Message, tc.want) {
				found = true
				if f.File != ".kiln.yaml" || f.Line != tc.line || f.Severity != finding.SeverityLow {
					t.Errorf("%s at %s (%s), want .kiln.yaml:%d, low", tc.want, f.Pos, f.Severity, tc.line)
				}
			}
		}
		if !found {
			t.Errorf("no %s finding with %q in %v", tc.rule, tc.want, res.Findings())
		}
	}
	if n := len(by[check.UnusedWaiverRule]) + len(by[check.UnknownRuleRule]); n != 3 {
		t.Errorf("%d unmatched-setting warnings, want 3: %v", n, res.Findings())
	}
	if res.Failed() {
		t.Error("warnings about settings fail the check")
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

func writeTo(t *testing.T, p, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
