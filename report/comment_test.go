package report

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

func TestCommentSections(t *testing.T) {
	tests := []struct {
		name     string
		data     func() CommentData
		contains []string
		absent   []string
	}{
		{
			name: "fixture",
			data: fixtureComment,
			contains: []string{
				"## ❌ kiln: 3 validation errors, 2 policy findings fail, 1 plan error, 1 bake failed",
				"> [!WARNING]", "`policy/custom.rego`", "### Blast radius", "```mermaid\nflowchart LR",
				"`ami-0abc` (111122223333)", "23m10s", "@&#8203;platform-team", "&lt;script&gt;",
			},
			absent: []string{"<script>", " @platform-team"},
		},
		{
			name: "clean, no plan credentials",
			data: func() CommentData {
				return CommentData{Repository: "a/b", PullRequest: 1, FailOn: "high", PlanNote: "no credentials"}
			},
			contains: []string{"## ✅ kiln: all checks pass", "✅ All files are valid.", "✅ No policy findings.", "_No plan: no credentials._"},
			absent:   []string{"### Bakes", "### Blast radius", "[!WARNING]"},
		},
		{
			name: "many findings fold into details",
			data: func() CommentData {
				return CommentData{FailOn: "high", Policy: manyFindings(30, "x")}
			},
			contains: []string{"<details><summary>30 findings (30 failing)</summary>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Comment(tt.data())
			if !strings.HasPrefix(got, CommentMarker+"\n") {
				t.Errorf("does not start with the marker")
			}
			for _, s := range tt.contains {
				if !strings.Contains(got, s) {
					t.Errorf("missing %q", s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(got, s) {
					t.Errorf("unexpected %q", s)
				}
			}
		})
	}
}

// Whatever the content, the comment fits in 65,536 characters, keeps the
// marker and points at the check runs.
func TestCommentCut(t *testing.T) {
	big := func(msg string) CommentData {
		c := fixtureComment()
		c.Policy = manyFindings(5000, msg)
		c.Validation = manyFindings(5000, msg)
		return c
	}
	hugeBakes := func(msg string) CommentData {
		c := fixtureComment()
		for i := 0; i < 3000; i++ {
			c.Bakes = append(c.Bakes, Bake{Environment: "prod", Pipeline: fmt.Sprintf("p%d", i), State: "FAILED", Reason: strings.Repeat(msg, 10)})
		}
		return c
	}
	tests := []struct {
		name     string
		data     CommentData
		pointer  string
		fullPlan bool
	}{
		{"many ascii findings", big("ascii"), "more in [the check runs]", false},
		{"many multi-byte findings", big("日本語🔥é"), "more in [the check runs]", false},
		{"hard cut, ascii", hugeBakes("a reason "), commentPointer, false},
		{"hard cut, multi-byte", hugeBakes("理由🔥"), commentPointer, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Comment(tt.data)
			if n := utf8.RuneCountInString(got); n > MaxCommentRunes {
				t.Errorf("%d characters", n)
			}
			if !utf8.ValidString(got) {
				t.Error("invalid UTF-8")
			}
			if !strings.HasPrefix(got, CommentMarker) {
				t.Error("marker lost")
			}
			if !strings.Contains(got, tt.pointer) {
				t.Errorf("no pointer %q", tt.pointer)
			}
			if strings.Count(got, "```")%2 != 0 || strings.Count(got, "<details")-strings.Count(got, "</details>") != 0 {
				t.Error("unbalanced fence or details")
			}
		})
	}
}

func TestCommentLargeGraphFocuses(t *testing.T) {
	g := Graph{Changed: map[string]bool{"Component/c0@1.0.0": true}, Affected: map[string]bool{}}
	for i := 0; i < 400; i++ {
		g.Components = append(g.Components, Node{ID: fmt.Sprintf("Component/c%d@1.0.0", i), Kind: "Component", Label: fmt.Sprintf("c%d@1.0.0", i)})
	}
	g.Recipes = []Node{{ID: "ImageRecipe/r@1.0.0", Kind: "ImageRecipe", Label: "r@1.0.0"}}
	g.Edges = []Edge{{From: "ImageRecipe/r@1.0.0", To: "Component/c0@1.0.0"}, {From: "ImageRecipe/r@1.0.0", To: "Component/c1@1.0.0"}}
	g.propagate()
	got := Comment(CommentData{Graph: &g, FailOn: "high"})
	if !strings.Contains(got, "(showing 2 of 401 nodes)") || strings.Contains(got, "c_c1_1_0_0") {
		t.Errorf("large graph not focused on the change:\n%s", got)
	}
}

func TestMarkdownEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"@team ping", "@&#8203;team ping"},
		{"mail a@b.c and (@x)", "mail a@b.c and (@&#8203;x)"},
		{"name@1.2.0", "name@1.2.0"},
		{"<details>", "&lt;details&gt;"},
		{"a|b", `a\|b`},
		{"*b* _i_ `c` [l](u) ~s~ #h", `\*b\* \_i\_ \` + "`c\\`" + ` \[l\](u) \~s\~ \#h`},
		{"&amp;", "&amp;amp;"},
	}
	for _, tt := range tests {
		if got := mdText(tt.in); got != tt.want {
			t.Errorf("mdText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := mdCell("a\nb\r\n"); got != "a<br>b" {
		t.Errorf("mdCell = %q", got)
	}
	if got := mdCodeCell("a`b|c\nd"); got != `a'b\|c d` {
		t.Errorf("mdCodeCell = %q", got)
	}
}

func TestPlanMarkdown(t *testing.T) {
	if got := PlanMarkdown(nil); !strings.Contains(got, "nothing to plan") {
		t.Errorf("%q", got)
	}
	got := PlanMarkdown([]*reconciler.Plan{{Environment: model.Environment{Name: "dev"}, Changes: []reconciler.Change{{Action: "weird", Kind: "Component", Name: "x", Version: "1.0.0"}}}})
	if !strings.Contains(got, "| ? | weird | `Component/x@1.0.0`") || !strings.Contains(got, "No pipeline bakes on merge.") {
		t.Errorf("unknown action dropped or no-bake note missing:\n%s", got)
	}
	_ = finding.SeverityHigh
}

// Every table row has as many cells as its header: no user text may add
// or remove a column.
func TestMarkdownTablesKeepTheirShape(t *testing.T) {
	hostile := finding.Finding{Pos: finding.Pos{File: "a|b.yaml", Line: 1}, Rule: "r|x", Severity: "high|low",
		Message: "a | b \\| c `|` \n| d |", Title: "t|t", Remediation: "|", Controls: []string{"c|1"},
		Resource: "Component/x|y@1.0.0", Waiver: &finding.Waiver{Justification: "j|k", Expired: true}}
	c := fixtureComment()
	c.Policy = append(c.Policy, hostile)
	c.Bakes = append(c.Bakes, Bake{Environment: "e|1", Pipeline: "p|2", State: "FAILED|X", Reason: "r|\n|s",
		Images: []BakeImage{{Region: "r|1", Account: "a|2", ImageID: "ami-|"}}, Containers: []string{"u|1"}})
	c.Plan = append(c.Plan, &reconciler.Plan{Environment: model.Environment{Name: "x|y"}, Changes: []reconciler.Change{{Action: "create", Kind: "Component", Name: "n|m", Version: "1|2", Reason: "a|b", DryRun: "d|e"}}})
	docs := map[string]string{
		"comment":  Comment(c),
		"checkrun": CheckRunOutput("t", c.Policy, "high").Text,
		"bake":     BakeOutput(c.Bakes[len(c.Bakes)-1]).Text,
	}
	for name, doc := range docs {
		cols := -1
		for i, line := range strings.Split(doc, "\n") {
			if !strings.HasPrefix(line, "|") {
				cols = -1
				continue
			}
			n := unescapedPipes(line)
			if cols < 0 {
				cols = n
				continue
			}
			if n != cols {
				t.Errorf("%s line %d has %d cells, header %d: %s", name, i+1, n, cols, line)
			}
		}
	}
}

func unescapedPipes(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}
