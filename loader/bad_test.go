package loader

import (
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/finding"
	"time"
)

func lolBomb(levels int) string {
	var b strings.Builder
	b.WriteString("apiVersion: kiln/v1\nkind: Component\nmetadata:\n  name: lol\n  version: 1.0.0\n")
	b.WriteString("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < levels; i++ {
		b.WriteString("a" + itoa(i) + ": &a" + itoa(i) + " [")
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + itoa(i-1))
		}
		b.WriteString("]\n")
	}
	b.WriteString("spec:\n  platform: Linux\n  data: *a" + itoa(levels-1) + "\n")
	return b.String()
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// TestBadInput: every class of bad input is a finding at file:line:column
// and loads nothing from the bad document, never an error or a panic.
func TestBadInput(t *testing.T) {
	deep := "apiVersion: kiln/v1\nkind: Component\nspec: " + strings.Repeat("[", 100_000) + "\n"
	deepBlock := componentHead + "spec:\n"
	for i := range 70 {
		deepBlock += strings.Repeat(" ", 2*(i+1)) + "k" + itoa(i) + ":\n"
	}
	deepBlock += strings.Repeat(" ", 2*71) + "leaf: 1\n"

	tests := []struct {
		name      string
		files     map[string]string
		opts      Options
		want      []wantFinding
		resources int
	}{
		{
			name:  "malformed yaml",
			files: map[string]string{"c.yaml": componentHead + "spec:\n  platform: Linux\n  supportedOsVersions: [\"Amazon Linux 2023\"\n  document: ./x.toe.yaml\n"},
			want:  []wantFinding{{Rule: ruleYAML, File: "c.yaml", Line: 7, Contains: "invalid YAML: did not find expected ',' or ']'"}},
		},
		{
			name:  "bad indentation",
			files: map[string]string{"c.yaml": componentHead + "spec:\n  platform: Linux\n   document: x\n"},
			want:  []wantFinding{{Rule: ruleYAML, File: "c.yaml", Line: 8, Contains: "mapping values are not allowed"}},
		},
		{
			name:  "duplicate key",
			files: map[string]string{"c.yaml": componentHead + "spec:\n  platform: Linux\n  document: ./a.toe.yaml\n  platform: Windows\n"},
			want:  []wantFinding{{Rule: ruleDuplicateKey, File: "c.yaml", Line: 9, Column: 3, Contains: `key "platform" is already defined at line 7`}},
		},
		{
			name: "duplicate key in a large mapping",
			files: map[string]string{"c.yaml": componentHead + "spec:\n  platform: Linux\n  tags:\n" +
				"    a: 1\n    b: 2\n    c: 3\n    d: 4\n    e: 5\n    f: 6\n    g: 7\n    h: 8\n    i: 9\n    b: 10\n"},
			want: []wantFinding{{Rule: ruleDuplicateKey, File: "c.yaml", Line: 18, Column: 5, Contains: `key "b" is already defined at line 10`}},
		},
		{
			name:  "billion laughs",
			files: map[string]string{"bomb.yaml": lolBomb(10)},
			want:  []wantFinding{{Rule: ruleAlias, File: "bomb.yaml", Contains: "expand to more than 200000 YAML nodes"}},
		},
		{
			name:  "alias that contains itself",
			files: map[string]string{"c.yaml": componentHead + "spec: &s\n  platform: Linux\n  again: *s\n"},
			want:  []wantFinding{{Rule: ruleAlias, File: "c.yaml", Line: 8, Column: 10, Contains: "refers to the node that contains it"}},
		},
		{
			name:  "unknown anchor",
			files: map[string]string{"c.yaml": componentHead + "spec:\n  platform: *nothing\n"},
			want:  []wantFinding{{Rule: ruleYAML, File: "c.yaml", Contains: "unknown anchor 'nothing'"}},
		},
		{
			name:  "100k open brackets",
			files: map[string]string{"deep.yaml": deep},
			want:  []wantFinding{{Rule: ruleDepth, File: "deep.yaml", Line: 3, Contains: "nests deeper than 256 levels"}},
		},
		{
			name:  "deep block nesting",
			files: map[string]string{"deep.yaml": deepBlock},
			want:  []wantFinding{{Rule: ruleDepth, File: "deep.yaml", Contains: "nests deeper than 64 levels"}},
		},
		{
			name:  "latin-1 byte",
			files: map[string]string{"c.yaml": componentHead + "  description: Durcissement s\xe9curis\xe9\n"},
			want:  []wantFinding{{Rule: ruleEncoding, File: "c.yaml", Line: 6, Column: 30, Contains: "byte 0xE9 is not valid UTF-8"}},
		},
		{
			name:  "NUL byte",
			files: map[string]string{"c.yaml": componentHead + "spec:\n  platform: Lin\x00ux\n"},
			want:  []wantFinding{{Rule: ruleEncoding, File: "c.yaml", Line: 7, Column: 16, Contains: "NUL byte"}},
		},
		{
			name:  "utf-16",
			files: map[string]string{"c.yaml": "\xff\xfea\x00p\x00i\x00"},
			want:  []wantFinding{{Rule: ruleEncoding, File: "c.yaml", Line: 1, Column: 1, Contains: "UTF-16"}},
		},
		{
			name:  "unknown kind",
			files: map[string]string{"c.yaml": "apiVersion: kiln/v1\nkind: Componnet\nmetadata:\n  name: x\n"},
			want:  []wantFinding{{Rule: ruleUnknownKind, File: "c.yaml", Line: 2, Column: 7, Contains: `unknown kind "Componnet"; did you mean Component?`}},
		},
		{
			name:  "missing kind",
			files: map[string]string{"c.yaml": "apiVersion: kiln/v1\nmetadata:\n  name: x\n"},
			want:  []wantFinding{{Rule: ruleUnknownKind, File: "c.yaml", Line: 1, Column: 1, Contains: "needs a kind"}},
		},
		{
			name:  "other kiln apiVersion",
			files: map[string]string{"c.yaml": "apiVersion: kiln/v2\nkind: Component\n"},
			want:  []wantFinding{{Rule: ruleAPIVersion, File: "c.yaml", Line: 1, Column: 13, Contains: `"kiln/v2" is not supported`}},
		},
		{
			name: "file over the cap",
			files: map[string]string{
				"big.yaml": componentHead + "  description: " + strings.Repeat("x", 2000) + "\n",
				"ok.yaml":  componentHead + "spec:\n  platform: Linux\n  data: x\n",
			},
			opts:      Options{MaxFileBytes: 1024},
			want:      []wantFinding{{Rule: ruleTooLarge, File: "big.yaml", Contains: "over the 1 KiB limit"}},
			resources: 1,
		},
		{
			name: "duplicate resource",
			files: map[string]string{
				"a.yaml": componentHead + "spec:\n  platform: Linux\n",
				"b.yaml": "# again\n" + componentHead + "spec:\n  platform: Linux\n",
			},
			want:      []wantFinding{{Rule: ruleDuplicateResource, File: "b.yaml", Line: 5, Column: 9, Contains: "Component/ssh-hardening@1.2.0 is already defined at a.yaml:1:1"}},
			resources: 1,
		},
		{
			name: "document path escapes",
			files: map[string]string{
				"components/ssh/c.yaml": componentHead + "spec:\n  platform: Linux\n  document: ../../../outside.toe.yaml\n",
			},
			want:      []wantFinding{{Rule: ruleDocumentPath, File: "components/ssh/c.yaml", Line: 8, Column: 13, Contains: "leads outside the repository"}},
			resources: 1,
		},
		{
			name:      "absolute document path",
			files:     map[string]string{"c.yaml": componentHead + "spec:\n  platform: Linux\n  document: /etc/passwd\n"},
			want:      []wantFinding{{Rule: ruleDocumentPath, File: "c.yaml", Line: 8, Column: 13, Contains: "not absolute"}},
			resources: 1,
		},
		{
			name:      "document url",
			files:     map[string]string{"c.yaml": componentHead + "spec:\n  platform: Linux\n  document: s3://bucket/doc.yaml\n"},
			want:      []wantFinding{{Rule: ruleDocumentPath, File: "c.yaml", Line: 8, Column: 13, Contains: "must be a path to a file in the repository"}},
			resources: 1,
		},
		{
			name:      "missing document",
			files:     map[string]string{"c/c.yaml": componentHead + "spec:\n  platform: Linux\n  document: ./gone.toe.yaml\n"},
			want:      []wantFinding{{Rule: ruleDocumentPath, File: "c/c.yaml", Line: 8, Column: 13, Contains: "does not exist (looked for c/gone.toe.yaml)"}},
			resources: 1,
		},
		{
			name: "broken document file",
			files: map[string]string{
				"c/c.yaml":       componentHead + "spec:\n  platform: Linux\n  document: doc.toe.yaml\n",
				"c/doc.toe.yaml": "name: x\nphases:\n  - name: build\n    name: again\n",
			},
			want:      []wantFinding{{Rule: ruleDuplicateKey, File: "c/doc.toe.yaml", Line: 4, Column: 5, Contains: "already defined at line 3"}},
			resources: 1,
		},
		{
			name:      "error inside inline data",
			files:     map[string]string{"c.yaml": componentHead + "spec:\n  platform: Linux\n  data: |\n    name: x\n    phases:\n      - name: build\n        name: again\n"},
			want:      []wantFinding{{Rule: ruleDuplicateKey, File: "c.yaml", Line: 12, Column: 9, Contains: "already defined at line 3"}},
			resources: 1,
		},
		{
			name: "too many files",
			files: map[string]string{
				"a.yaml": componentHead, "b.yaml": "x: 1", "c.yaml": "x: 1", "d.yaml": "x: 1",
			},
			opts:      Options{MaxFiles: 2},
			want:      []wantFinding{{Rule: ruleTooManyFiles, File: "c.yaml", Contains: "more than 2 files"}},
			resources: 1,
		},
		{
			name: "total bytes",
			files: map[string]string{
				"a.yaml": componentHead, "b.yaml": strings.Repeat("#", 300), "c.yaml": componentHead,
			},
			opts:      Options{MaxTotalBytes: 400},
			want:      []wantFinding{{Rule: ruleTooLarge, File: "c.yaml", Contains: "add up to more than 400 bytes"}},
			resources: 1,
		},
		{
			name:  "too many nodes",
			files: map[string]string{"c.yaml": componentHead + "spec:\n  list: [" + strings.Repeat("1, ", 300) + "1]\n"},
			opts:  Options{MaxNodes: 100},
			want:  []wantFinding{{Rule: ruleTooLarge, File: "c.yaml", Line: 7, Contains: "more than 100 YAML nodes"}},
		},
		{
			name: "not kiln's yaml is not read",
			files: map[string]string{
				"chart/templates/deploy.yaml": "{{- if .Values.enabled }}\nkind: Deployment\n  bad: [\n",
				"latin1.yaml":                 "name: caf\xe9\n",
				".github/workflows/ci.yaml":   "apiVersion: kiln/v1\nkind: Nope\n",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			repo, got := load(t, mapFS(tc.files), tc.opts)
			checkFindings(t, got, tc.want)
			if len(repo.Resources) != tc.resources {
				t.Errorf("%d resources, want %d", len(repo.Resources), tc.resources)
			}
			t.Logf("took %v", time.Since(start))
		})
	}
}

// TestManyEntries: a tree of folders without YAML stops at a multiple of
// MaxFiles too.
func TestManyEntries(t *testing.T) {
	files := map[string]string{}
	for i := range 100 {
		files["d/"+itoa(i)+"/readme.md"] = "#"
	}
	_, fs := load(t, mapFS(files), Options{MaxFiles: 10})
	checkFindings(t, fs, []wantFinding{{Rule: ruleTooManyFiles, Contains: "more than 80 files and folders", File: fs0File(fs)}})
}

func fs0File(fs []finding.Finding) string {
	if len(fs) == 0 {
		return ""
	}
	return fs[0].File
}
