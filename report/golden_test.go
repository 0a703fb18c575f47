package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update and review the diff)\n--- got ---\n%s", name, got)
	}
}

func TestGoldenCheckFormats(t *testing.T) {
	tests := []struct {
		format Format
		file   string
	}{
		{FormatText, "check.txt"},
		{FormatJSON, "check.json"},
		{FormatSARIF, "check.sarif"},
		{FormatJUnit, "check.junit.xml"},
		{FormatGitHub, "check.github.txt"},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.format, fixtureResult()); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, buf.Bytes())
		})
	}
}

func TestGoldenTextColor(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, fixtureResult(), TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	golden(t, "check-color.txt", buf.Bytes())
}

func TestGoldenPassing(t *testing.T) {
	r := Result{Root: ".", Files: 2, Resources: 3, FailOn: "high", Paths: []string{"a.yaml", "b.yaml"}, ToolVersion: "1.0.0-test"}
	for _, tt := range []struct {
		format Format
		file   string
	}{{FormatText, "pass.txt"}, {FormatJSON, "pass.json"}, {FormatSARIF, "pass.sarif"}, {FormatJUnit, "pass.junit.xml"}, {FormatGitHub, "pass.github.txt"}} {
		t.Run(string(tt.format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.format, r); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, buf.Bytes())
		})
	}
}

func TestGoldenComment(t *testing.T) {
	golden(t, "comment.md", []byte(Comment(fixtureComment())))
}

func TestGoldenPlanMarkdown(t *testing.T) {
	golden(t, "plan.md", []byte(PlanMarkdown(fixturePlan())))
}

func TestGoldenCheckRun(t *testing.T) {
	out := CheckRunOutput("kiln/policy: 2 findings fail", fixtureFindings(), "high", WithPreamble("Policies read from the base commit."))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		t.Fatal(err)
	}
	golden(t, "checkrun.json", buf.Bytes())
}

func TestGoldenMermaid(t *testing.T) {
	g := BuildGraph(fixtureRepo(), map[string]bool{"Component/ssh-hardening@1.2.0": true, "InfrastructureConfiguration/build": true})
	golden(t, "graph.mmd", []byte(g.Mermaid()))
}

func TestGoldenBake(t *testing.T) {
	for i, b := range fixtureComment().Bakes {
		out := BakeOutput(b)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			t.Fatal(err)
		}
		golden(t, fmt.Sprintf("bake-%d.json", i), buf.Bytes())
	}
}
