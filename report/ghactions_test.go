package report

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/finding"
)

// unescapeGH reverses the workflow-command escaping as the runner does.
func unescapeGH(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%").Replace(s)
}

// parseCommand splits "::cmd k=v,k=v::data" the way the Actions runner
// does: properties end at the first "::", and are split on "," and "=".
func parseCommand(t *testing.T, line string) (cmd string, props map[string]string, data string) {
	t.Helper()
	if !strings.HasPrefix(line, "::") {
		t.Fatalf("not a workflow command: %q", line)
	}
	rest := line[2:]
	end := strings.Index(rest, "::")
	if end < 0 {
		t.Fatalf("no data separator: %q", line)
	}
	head, data := rest[:end], rest[end+2:]
	cmd, propText, _ := strings.Cut(head, " ")
	props = map[string]string{}
	if propText != "" {
		for _, kv := range strings.Split(propText, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("property %q without = in %q", kv, line)
			}
			props[k] = unescapeGH(v)
		}
	}
	return cmd, props, unescapeGH(data)
}

func TestGitHubCommandsEscaping(t *testing.T) {
	hostile := "50% done, a:b::c\r\nnext=line,x=y"
	tests := []struct {
		name string
		f    finding.Finding
		cmd  string
		want map[string]string
	}{
		{
			name: "failing with separators everywhere",
			f: finding.Finding{Pos: finding.Pos{File: "we,ird:dir/a%b.yaml", Line: 7, Column: 2}, Rule: "r,1:x",
				Severity: finding.SeverityError, Message: hostile, Title: "t::x,y"},
			cmd:  "error",
			want: map[string]string{"file": "we,ird:dir/a%b.yaml", "line": "7", "col": "2", "title": "error r,1:x: t::x,y"},
		},
		{
			name: "warning without column",
			f:    finding.Finding{Pos: finding.Pos{File: "a.yaml", Line: 3}, Rule: "r", Severity: finding.SeverityLow, Message: "m"},
			cmd:  "warning",
			want: map[string]string{"file": "a.yaml", "line": "3", "title": "low r"},
		},
		{
			name: "waived is a notice",
			f: finding.Finding{Pos: finding.Pos{File: "a.yaml", Line: 3}, Rule: "r", Severity: finding.SeverityCritical, Message: "m",
				Waiver: &finding.Waiver{Justification: "ok"}},
			cmd:  "notice",
			want: map[string]string{"file": "a.yaml", "line": "3", "title": "critical r"},
		},
		{
			name: "no file",
			f:    finding.Finding{Rule: "r", Severity: finding.SeverityError, Message: "m"},
			cmd:  "error",
			want: map[string]string{"title": "error r"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteGitHub(&buf, Result{Findings: []finding.Finding{tt.f}, FailOn: finding.SeverityHigh}); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(&buf)
			if !sc.Scan() {
				t.Fatal("no output")
			}
			line := sc.Text()
			cmd, props, data := parseCommand(t, line)
			if cmd != tt.cmd {
				t.Errorf("command %q, want %q", cmd, tt.cmd)
			}
			if len(props) != len(tt.want) {
				t.Errorf("properties %v, want %v", props, tt.want)
			}
			for k, v := range tt.want {
				if props[k] != v {
					t.Errorf("property %s = %q, want %q", k, props[k], v)
				}
			}
			if !strings.HasPrefix(data, tt.f.Message) {
				t.Errorf("data %q does not start with the message %q", data, tt.f.Message)
			}
			if strings.ContainsAny(line, "\r") {
				t.Errorf("raw carriage return in %q", line)
			}
			for sc.Scan() { // the rest is the plain summary, never a command
				if strings.HasPrefix(sc.Text(), "::") {
					t.Errorf("a message forged another command: %q", sc.Text())
				}
			}
		})
	}
}
