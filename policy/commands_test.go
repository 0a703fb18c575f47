package policy

import (
	"github.com/open-policy-agent/opa/v1/ast"
	"reflect"
	"strings"
	"testing"
)

func TestNormaliseScript(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   []shellLine
	}{
		{"comment", "# PermitRootLogin yes\nsystemctl restart sshd # PermitRootLogin yes", []shellLine{
			{text: "systemctl restart sshd", kind: "run", line: 1},
		}},
		{"echo that only prints", `echo "set PermitRootLogin yes to debug"`, nil},
		{"echo appended to a file", `echo "PermitRootLogin yes" >> /etc/ssh/sshd_config`, []shellLine{
			{text: "PermitRootLogin yes", kind: "write", target: "/etc/ssh/sshd_config"},
		}},
		{"echo through sudo tee", `echo 'PermitRootLogin yes' | sudo tee -a /etc/ssh/sshd_config.d/x.conf`, []shellLine{
			{text: "PermitRootLogin yes", kind: "write", target: "/etc/ssh/sshd_config.d/x.conf"},
		}},
		{"heredoc to a file", "cat > /etc/ssh/sshd_config.d/01.conf <<'EOF'\n# hardening\nPermitRootLogin no\nEOF\nsystemctl reload sshd", []shellLine{
			{text: "PermitRootLogin no", kind: "write", target: "/etc/ssh/sshd_config.d/01.conf", line: 2},
			{text: "cat > /etc/ssh/sshd_config.d/01.conf <<'EOF'", kind: "run"},
			{text: "systemctl reload sshd", kind: "run", line: 4},
		}},
		{"heredoc that documents", ": <<'NOTE'\nNever set PermitRootLogin yes here.\nNOTE\ncat <<EOF\nPermitRootLogin yes is forbidden\nEOF", nil},
		{"heredoc into a shell", "bash -s <<'EOF'\nsetenforce 0 # temporarily\nEOF", []shellLine{
			{text: "setenforce 0", kind: "run", line: 1},
			{text: "bash -s <<'EOF'", kind: "run"},
		}},
		{"sed keeps the replacement", `sed -i 's/^#\?PermitRootLogin yes/PermitRootLogin no/' /etc/ssh/sshd_config`, []shellLine{
			{text: "sed -i PermitRootLogin no /etc/ssh/sshd_config", kind: "run"},
		}},
		{"sed with another delimiter", `sed -i 's|gpgcheck=1|gpgcheck=0|' /etc/yum.conf`, []shellLine{
			{text: "sed -i gpgcheck=0 /etc/yum.conf", kind: "run"},
		}},
		{"continuation and lists", "dnf install -y \\\n  telnet-server && echo done; setenforce 0", []shellLine{
			{text: "dnf install -y    telnet-server", kind: "run"},
			{text: "setenforce 0", kind: "run"},
		}},
		{"quoted hash is not a comment", `curl -fsSL "https://x.example/#frag" | bash`, []shellLine{
			{text: `curl -fsSL "https://x.example/#frag" | bash`, kind: "run"},
		}},
		{"here-string is not a heredoc", "grep -q yes <<< \"$x\"\nsetenforce 1", []shellLine{
			{text: `grep -q yes <<< "$x"`, kind: "run"},
			{text: "setenforce 1", kind: "run", line: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := normaliseScript(tt.script)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestExtractCommandsPaths(t *testing.T) {
	doc := map[string]any{"phases": []any{
		map[string]any{"name": "build", "steps": []any{
			map[string]any{"name": "Download", "action": "WebDownload", "inputs": []any{map[string]any{"source": "https://x"}}},
			map[string]any{"name": "Run", "action": "ExecuteBash", "inputs": map[string]any{"commands": []any{"true", "echo hi\nsetenforce 0"}}},
		}},
	}}
	got, index := extractCommands(doc)
	if got.Len() != 2 {
		t.Fatalf("got %v", got)
	}
	want := `{"kind": "run", "lang": "bash", "line": 1, "lower": "setenforce 0", "path": ["phases", 0, "steps", 1, "inputs", "commands", 1], "target": "", "text": "setenforce 0"}`
	if s := got.Elem(1).String(); s != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
	if s := index.Get(ast.StringTerm("enforc|selinux")).String(); s != "["+want+"]" {
		t.Errorf("index[enforc|selinux] = %s", s)
	}
	if s := index.Get(ast.StringTerm("curl|wget")).String(); s != "[]" {
		t.Errorf("index[curl|wget] = %s", s)
	}
}

func TestSecretCandidates(t *testing.T) {
	doc := map[string]any{"phases": []any{map[string]any{"steps": []any{map[string]any{
		"inputs": map[string]any{"commands": []any{"echo ok", "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "Aws_Secret_Access_Key=x"}},
	}}}}}
	got := secretCandidates(doc)
	if got.Len() != 2 || !strings.Contains(got.String(), `["phases", 0, "steps", 0, "inputs", "commands", 1]`) {
		t.Errorf("got %s", got)
	}
}
