package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kiln-gitops/kiln/finding"
)

func manyFindings(n int, msg string) []finding.Finding {
	fs := make([]finding.Finding, n)
	for i := range fs {
		fs[i] = finding.Finding{
			Pos:  finding.Pos{File: fmt.Sprintf("components/c%04d.yaml", i), Line: i%50 + 1, Column: 3},
			Rule: "KILN-CMP-001", Severity: finding.SeverityHigh, Source: finding.SourcePolicy,
			Message: fmt.Sprintf("%s #%d", msg, i), Title: "t", Remediation: "r",
		}
	}
	return fs
}

func TestCheckRunOutput(t *testing.T) {
	tests := []struct {
		name        string
		fs          []finding.Finding
		failOn      finding.Severity
		conclusion  string
		annotations int
	}{
		{"none", nil, "high", ConclusionSuccess, 0},
		{"fixture", fixtureFindings(), "high", ConclusionFailure, 7}, // one has no file
		{"fixture, only critical fails", fixtureFindings(), "critical", ConclusionFailure, 7},
		{"warnings only", manyFindings(3, "w")[:3], "critical", ConclusionSuccess, 3},
		{"many", manyFindings(2000, "m"), "high", ConclusionFailure, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := CheckRunOutput("kiln/policy", tt.fs, tt.failOn)
			if out.Conclusion != tt.conclusion {
				t.Errorf("conclusion %q, want %q", out.Conclusion, tt.conclusion)
			}
			if len(out.Annotations) != tt.annotations {
				t.Errorf("%d annotations, want %d", len(out.Annotations), tt.annotations)
			}
			for _, a := range out.Annotations {
				if a.Path == "" || a.StartLine < 1 || a.EndLine != a.StartLine {
					t.Errorf("bad annotation %+v", a)
				}
				if (a.StartColumn == nil) != (a.EndColumn == nil) {
					t.Errorf("one column without the other: %+v", a)
				}
				switch a.AnnotationLevel {
				case LevelFailure, LevelWarning, LevelNotice:
				default:
					t.Errorf("level %q", a.AnnotationLevel)
				}
			}
			if len(out.Summary) > MaxCheckRunBytes || len(out.Text) > MaxCheckRunBytes {
				t.Errorf("summary %d, text %d bytes", len(out.Summary), len(out.Text))
			}
		})
	}
}

var moreLine = regexp.MustCompile(`… (\d+) more findings?; run ` + "`kiln check`" + ` locally or see the sticky comment`)

// A long table is cut at a row boundary within 65,535 bytes, and the
// pointer counts exactly the rows left out, whatever the runes at the
// boundary.
func TestCheckRunTextCut(t *testing.T) {
	for _, msg := range []string{"ascii message", "é multi-byte é", "日本語のメッセージ", "🔥🔥🔥 emoji"} {
		t.Run(msg, func(t *testing.T) {
			fs := manyFindings(3000, strings.Repeat(msg, 3))
			out := CheckRunOutput("t", fs, "high")
			if len(out.Text) > MaxCheckRunBytes {
				t.Fatalf("text is %d bytes", len(out.Text))
			}
			if !utf8.ValidString(out.Text) {
				t.Fatal("text is not valid UTF-8")
			}
			m := moreLine.FindStringSubmatch(out.Text)
			if m == nil {
				t.Fatalf("no pointer line at the end: %q", out.Text[len(out.Text)-200:])
			}
			left, _ := strconv.Atoi(m[1])
			shown := strings.Count(out.Text, "| ❌ |")
			if shown+left != len(fs) {
				t.Errorf("%d rows shown + %d left = %d, want %d", shown, left, shown+left, len(fs))
			}
			if len(out.Text) < MaxCheckRunBytes-2000 {
				t.Errorf("text uses only %d of %d bytes", len(out.Text), MaxCheckRunBytes)
			}
		})
	}
}

func TestCheckRunPreambleAndPointer(t *testing.T) {
	out := CheckRunOutput("t", manyFindings(3000, "x"), "high", WithPreamble("**plan**"), WithPointer("see elsewhere"))
	if !strings.HasPrefix(out.Text, "**plan**") {
		t.Errorf("preamble missing: %q", out.Text[:40])
	}
	if !strings.Contains(out.Text, "more findings; see elsewhere") {
		t.Error("custom pointer missing")
	}
	huge := CheckRunOutput("t", manyFindings(10, "x"), "high", WithPreamble(strings.Repeat("日本語\n", 40000)))
	if len(huge.Text) > MaxCheckRunBytes || !utf8.ValidString(huge.Text) || !strings.Contains(huge.Text, "KILN-CMP-001") {
		t.Errorf("a huge preamble crowded out the findings or broke the limit (%d bytes)", len(huge.Text))
	}
}

func TestAnnotationLongFields(t *testing.T) {
	f := finding.Finding{Pos: finding.Pos{File: "./a/../b.yaml", Line: 0}, Rule: "r", Severity: "high",
		Title: strings.Repeat("t", 400), Message: strings.Repeat("日", 40000), Description: strings.Repeat("d", 70000)}
	a := Annotations([]finding.Finding{f}, "high")[0]
	if a.Path != "b.yaml" || a.StartLine != 1 || a.StartColumn != nil {
		t.Errorf("%+v", a)
	}
	if utf8.RuneCountInString(a.Title) > 255 || len(a.Message) > 64*1024 || len(a.RawDetails) > 64*1024 || !utf8.ValidString(a.Message) {
		t.Errorf("title %d runes, message %d bytes, details %d bytes", utf8.RuneCountInString(a.Title), len(a.Message), len(a.RawDetails))
	}
}
