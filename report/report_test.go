package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/finding"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
		err  bool
	}{
		{"text", FormatText, false},
		{" JSON ", FormatJSON, false},
		{"sarif", FormatSARIF, false},
		{"junit", FormatJUnit, false},
		{"GitHub", FormatGitHub, false},
		{"xml", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("ParseFormat(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "text, json, sarif, junit, github") {
			t.Errorf("error does not list the formats: %v", err)
		}
	}
	if err := Write(&bytes.Buffer{}, "nope", Result{}); err == nil {
		t.Error("Write accepted an unknown format")
	}
}

func TestTextNoColorByDefaultAndInert(t *testing.T) {
	r := Result{FailOn: "high", Findings: []finding.Finding{
		{Pos: finding.Pos{File: "a.yaml", Line: 1}, Rule: "r", Severity: "high", Message: "evil\x1b[2J\rFAKE\nPASS\x07"},
	}}
	var plain, color bytes.Buffer
	if err := WriteText(&plain, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&color, r, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(plain.String(), "\x1b\r\x07") {
		t.Errorf("control characters in plain output: %q", plain.String())
	}
	if !strings.Contains(color.String(), "\x1b[") {
		t.Error("no colour when asked")
	}
	lines := strings.Split(strings.TrimSpace(plain.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "FAIL") {
		t.Errorf("last line %q", last)
	}
	for _, l := range lines[:len(lines)-1] {
		if strings.HasPrefix(l, "PASS") {
			t.Errorf("a message forged a verdict line: %q", l)
		}
	}
}

func TestTextSummary(t *testing.T) {
	tests := []struct {
		name   string
		r      Result
		suffix string
	}{
		{"pass", Result{Files: 1, Resources: 1, FailOn: "high"}, "1 file, 1 resource: 0 errors, 0 critical, 0 high, 0 medium, 0 low, 0 info\nPASS (fail on high)\n"},
		{"default threshold", Result{Findings: []finding.Finding{{Rule: "r", Severity: "medium"}}}, "0 files, 0 resources: 0 errors, 0 critical, 0 high, 1 medium, 0 low, 0 info\nFAIL: 1 failing finding (fail on medium)\n"},
		{"waived only", Result{FailOn: "low", Findings: []finding.Finding{{Rule: "r", Severity: "critical", Waiver: &finding.Waiver{Justification: "j"}}}}, "0 errors, 0 critical, 0 high, 0 medium, 0 low, 0 info (1 waived)\nPASS (fail on low)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteText(&buf, tt.r, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(buf.String(), tt.suffix) {
				t.Errorf("got\n%s\nwant suffix\n%s", buf.String(), tt.suffix)
			}
		})
	}
}

func TestJSONShape(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, fixtureResult()); err != nil {
		t.Fatal(err)
	}
	var got JSONReport
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Version != JSONVersion || got.Result != "fail" || got.FailOn != "high" || got.Summary.Failing != 5 || got.Summary.Waived != 1 ||
		got.Summary.ExpiredWaivers != 1 || got.Summary.BySeverity["error"] != 3 || len(got.Findings) != 8 || len(got.Plan) != 2 {
		t.Errorf("unexpected report %+v", got)
	}
	if got.Plan[1].Changes == nil || got.Plan[1].Bakes == nil {
		t.Error("plan lists are null")
	}
	var empty bytes.Buffer
	if err := WriteJSON(&empty, Result{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(empty.String(), `"findings": []`) || !strings.Contains(empty.String(), `"plan": null`) {
		t.Errorf("empty report:\n%s", empty.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	for _, f := range Formats() {
		if err := Write(failingWriter{}, f, fixtureResult()); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: error %v", f, err)
		}
	}
}
