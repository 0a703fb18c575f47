package finding_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/finding"
)

// ruleLiteral matches rule ids as the code writes them.
var ruleLiteral = regexp.MustCompile(`"((?:load|version|ref|immutable|config|check|schedule|distribution|arn|toe|workflow|policy)/[a-z0-9-]+)"`)

// TestEveryRuleDescribed: every validation rule id in kiln's code has a
// description, so SARIF and the docs never show a bare id.
func TestEveryRuleDescribed(t *testing.T) {
	ids := map[string]string{}
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "bench" || strings.HasPrefix(d.Name(), ".")) && p != ".." {
			return fs.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.HasSuffix(filepath.ToSlash(p), "finding/rules.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range ruleLiteral.FindAllStringSubmatch(string(src), -1) {
			ids[m[1]] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) < 40 {
		t.Fatalf("found only %d rule ids in the code", len(ids))
	}
	for id, file := range ids {
		if _, ok := finding.DescribeRule(id); !ok {
			t.Errorf("%s (in %s) has no description in finding/rules.go", id, file)
		}
	}
	for _, id := range finding.RuleIDs() {
		d, _ := finding.DescribeRule(id)
		if d.Title == "" || d.Description == "" || d.Help == "" || d.Title == id {
			t.Errorf("%s: incomplete description %+v", id, d)
		}
	}
}
