package loader

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/internal/testgen"
)

// slowParse is what fastParse stands in for: yaml.v3's parser.
func slowParse(text string) (docs []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		docs = append(docs, &doc)
	}
}

// sameNodes describes the first difference between two node trees, or "".
func sameNodes(path string, a, b *yaml.Node) string {
	if (a == nil) != (b == nil) {
		return fmt.Sprintf("%s: fast %v, yaml.v3 %v", path, a != nil, b != nil)
	}
	if a == nil {
		return ""
	}
	type fields struct {
		Kind                                  yaml.Kind
		Style                                 yaml.Style
		Tag, Value, Anchor                    string
		HeadComment, LineComment, FootComment string
		Line, Column, Content                 int
		Alias                                 bool
	}
	fa := fields{a.Kind, a.Style, a.Tag, a.Value, a.Anchor, a.HeadComment, a.LineComment, a.FootComment, a.Line, a.Column, len(a.Content), a.Alias != nil}
	fb := fields{b.Kind, b.Style, b.Tag, b.Value, b.Anchor, b.HeadComment, b.LineComment, b.FootComment, b.Line, b.Column, len(b.Content), b.Alias != nil}
	if fa != fb {
		return fmt.Sprintf("%s:\n fast    %+v\n yaml.v3 %+v", path, fa, fb)
	}
	for i := range a.Content {
		if d := sameNodes(fmt.Sprintf("%s/%d", path, i), a.Content[i], b.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// checkFast fails t when fastParse accepts text but builds other nodes
// than yaml.v3; it reports whether the fast path was taken.
func checkFast(t testing.TB, name, text string) bool {
	t.Helper()
	return checkFastIn(t, nil, name, text)
}

// checkFastIn is checkFast with the nodes cut from arena a.
func checkFastIn(t testing.TB, a *fastArena, name, text string) bool {
	t.Helper()
	fast, ok := fastParse(text, a)
	if !ok {
		return false
	}
	slow, err := slowParse(text)
	if err != nil {
		t.Fatalf("%s: fastParse accepted text yaml.v3 refuses (%v):\n%s", name, err, text)
	}
	if len(fast) != len(slow) {
		t.Fatalf("%s: fastParse found %d documents, yaml.v3 %d:\n%s", name, len(fast), len(slow), text)
	}
	for i := range fast {
		if d := sameNodes(fmt.Sprintf("%s#%d", name, i), fast[i], slow[i]); d != "" {
			t.Fatalf("fastParse differs from yaml.v3 at %s\ntext:\n%s", d, text)
		}
	}
	return true
}

func TestFastParseMatchesYAML(t *testing.T) {
	tests := []struct {
		name string
		text string
		fast bool // the fast path must take it
	}{
		{"mapping", "a: b\nc: 1\nd: true\ne: 1.5\nf: ~\ng: null\n", true},
		{"nested", "a:\n  b:\n    c: d\n  e: f\ng: h\n", true},
		{"null values", "a:\nb:\n  c:\nd: x\n", true},
		{"null at end", "a: 1\nb:\n", true},
		{"sequence", "a:\n  - x\n  - y\n", true},
		{"indentless sequence", "a:\n- x\n- y\nb: z\n", true},
		{"sequence of mappings", "steps:\n  - name: a\n    action: B\n    inputs:\n      commands:\n        - echo hi\n  - name: c\n", true},
		{"indentless sequence of mappings", "phases:\n- name: build\n  steps:\n  - name: x\n    action: y\n- name: validate\n", true},
		{"root sequence", "- a\n- b: c\n  d: e\n", true},
		{"extra spaces after dash", "a:\n  -   x\n  -    k: v\n       w: z\n", true},
		{"quoted", "a: \"x y\"\nb: 'it''s'\nc: \"\"\nd: ''\ne: \"1.0.0\"\n", true},
		{"flow sequence", "a: [x, \"y\", 'z', 1, true]\nb: []\nc: [ ]\nd: [ a b , c ]\n", true},
		{"flow sequence with colons", "a: [arn:aws:iam::1:role/x, sg-1]\n", true},
		{"literal", "a: |\n  line 1\n  line 2\nb: c\n", true},
		{"literal strip", "a: |-\n  line 1\n\n  line 3\n\n\nb: c\n", true},
		{"literal keep", "a: |+\n  line 1\n\n\nb: c\n", true},
		{"literal keep at end", "a: |+\n  x\n\n", true},
		{"literal more indented lines", "a: |\n    x\n      y\n    z\n", true},
		{"literal in sequence", "- |\n  x\n- y\n", true},
		{"literal with blank lines", "a: |\n\n  x\n\n  y\n", true},
		{"literal header spaces", "a: |  \n  x\n", true},
		{"unicode columns", "é: ü\nabc: [ä, ö]\nd: \"ß\"\n", true},
		{"numbers", "a: 0x1F\nb: 0o17\nc: 1_000\nd: -1\ne: +1\nf: .5\ng: 1e3\nh: 2024-01-01\ni: .inf\nj: yes\n", true},
		{"odd plain scalars", "a: ---\nb: -- x\nc: -.inf\nd: 12:30:45\ne: 2001-12-14t21:59:43.10-05:00\nf: <html>\ng: [--x, .., ...]\nh: b'c\ni: x{y} [z]\n", true},
		{"keys that resolve", "1: a\ntrue: b\nnull: c\n1.5: d\n", true},
		{"colon inside plain", "a: http://x\nb: a:b\nc:d: e\n", true},
		{"blank lines", "\n\na: b\n\n\nc: d\n\n", true},
		{"trailing spaces", "a: b   \nc:   \nd:\n  - e  \n", true},
		{"hash inside plain", "a: b#c\n", true},
		{"hash inside quotes", "a: \"b #c\"\n", true},
		// Left to yaml.v3.
		{"comment", "# c\na: b\n", false},
		{"line comment", "a: b # c\n", false},
		{"comment in block", "a:\n  # c\n  b: c\n", false},
		{"anchor", "a: &x b\nc: *x\n", false},
		{"merge", "a: {b: c}\nd:\n  <<: *a\n", false},
		{"tag", "a: !Ref b\n", false},
		{"flow mapping", "a: {b: c}\n", false},
		{"multi-line plain", "a: b\n  c\n", false},
		{"multi-line quoted", "a: \"b\n  c\"\n", false},
		{"escapes", "a: \"b\\nc\"\n", false},
		{"folded", "a: >\n  b\n  c\n", false},
		{"document start", "---\na: b\n", false},
		{"documents", "a: b\n---\nc: d\n", false},
		{"tab", "a:\tb\n", false},
		{"crlf", "a: b\r\n", false},
		{"no final newline", "a: b", false},
		{"empty", "", false},
		{"scalar document", "hello\n", false},
		{"duplicate is fine", "a: b\na: c\n", true},
		{"bad indentation", "a:\n  b: c\n d: e\n", false},
		{"wrong sequence indentation", "a:\n  - b\n - c\n", false},
		{"mapping after sequence", "a:\n  - b\n  c: d\n", false},
		{"value then deeper", "a: b\n  c: d\n", false},
		{"empty item", "- \n- a\n", false},
		{"nested inline sequence", "- - a\n", false},
		{"trailing comma", "a: [b,]\n", false},
		{"nested flow", "a: [[b]]\n", false},
		{"mapping in plain", "a: b: c\n", false},
		{"literal indentation indicator", "a: |2\n  b\n", false},
		{"empty literal", "a: |\nb: c\n", false},
		{"literal blank line with spaces", "a: |\n  x\n     \n  y\n", false},
		{"indented root", "  a: b\n", false},
		{"quoted key", "\"a\": b\n", false},
		{"dash value", "a: - b\n", false},
		{"C1 control", "a: \u0085\n", false},
		{"NEL as text", "a: b\u2028c\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			took := checkFast(t, tc.name, tc.text)
			if took != tc.fast {
				t.Errorf("fast path taken: %v, want %v", took, tc.fast)
			}
		})
	}
}

// TestFastParseRepositoryFiles compares the fast path with yaml.v3 on
// every YAML file of this repository (examples, test data, schemas) and of
// the generated benchmark repository, whose files must all take it.
func TestFastParseRepositoryFiles(t *testing.T) {
	fast, total := 0, 0
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) > 1<<20 {
			return nil
		}
		total++
		if checkFast(t, p, string(b)) {
			fast++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fast path taken for %d of %d YAML files of the repository", fast, total)

	for name, f := range testgen.Repository(40, 6, 3) {
		text := string(f.Data)
		if name == ".kiln.yaml" {
			checkFast(t, name, text) // it has a comment
			continue
		}
		if !checkFast(t, name, text) {
			t.Errorf("%s of the generated repository does not take the fast path", name)
		}
	}
}

func FuzzFastParse(f *testing.F) {
	for _, s := range []string{
		"a: b\nc:\n  - d\n  - e: f\n    g: [h, 'i', \"j\"]\n",
		"a: |\n  x\n\n  y\nb: |-\n  z\nc: |+\n  w\n\n",
		"phases:\n- name: build\n  steps:\n  - name: x\n",
		"é: ü\n1: 0x1F\n",
	} {
		f.Add(s)
	}
	for name, file := range testgen.Repository(4, 1, 1) {
		if strings.HasSuffix(name, ".yaml") {
			f.Add(string(file.Data))
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkFast(t, "fuzz", text)
	})
}

// TestFastParseGenerated compares the fast path with yaml.v3 on random
// documents written in (and around) the subset it takes: nested mappings
// and sequences, indentless sequences, every scalar form, blank lines,
// unusual spacing and now and then something it must leave to yaml.v3.
func TestFastParseGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fast := 0
	const n = 3000
	// One arena for all, as in a load: failed parses hand their nodes to
	// the next one, and earlier trees must stay intact.
	var arena fastArena
	var kept []*yaml.Node
	var keptText []string
	for i := range n {
		var b strings.Builder
		genBlock(rng, &b, 0, 0, rng.IntN(2) == 0)
		if checkFastIn(t, &arena, fmt.Sprintf("generated %d", i), b.String()) {
			fast++
			if docs, _ := fastParse(b.String(), &arena); len(docs) == 1 {
				kept, keptText = append(kept, docs[0]), append(keptText, b.String())
			}
		}
	}
	for i, doc := range kept {
		slow, _ := slowParse(keptText[i])
		if d := sameNodes("kept", doc, slow[0]); d != "" {
			t.Fatalf("a tree changed after later parses: %s", d)
		}
	}
	if fast < n/4 {
		t.Errorf("only %d of %d generated documents took the fast path; the generator lost its way", fast, n)
	}
	t.Logf("%d of %d generated documents took the fast path", fast, n)
}

var genScalars = []string{
	"a", "build", "Amazon Linux 2023", "1.0.0", "1.x.x", "0x1F", "-1", "+2", ".5", "1e3", "~", "null", "true",
	"False", "yes", "2024-01-01", "a:b", "http://x/y", "a#b", "é ü", "x  ", `"q"`, `"a b"`, `""`, `'it''s'`, `''`,
	"[a, b]", "[]", "[ 1 , 'x' , \"y\" ]", "[arn:aws:x, -1]", "-x", "<<", "a: b", "a #c", "&x a", "*x", "!t a", "{a: b}",
	"[a,]", "|", "|-", "|+", ">", "\"a\\nb\"", "- a", "-", "?x", "'a", "\"a",
}

func genScalar(rng *rand.Rand) string {
	if rng.IntN(6) == 0 {
		return genScalars[rng.IntN(len(genScalars))] // may be anything
	}
	return genScalars[rng.IntN(29)] // forms the fast path takes
}

func genKey(rng *rand.Rand) string {
	keys := []string{"name", "spec", "steps", "inputs", "a", "b", "1", "true", "x y", "k:v", "é"}
	if rng.IntN(40) == 0 {
		return []string{`"q"`, "<<", "-k", "k ", "#k"}[rng.IntN(5)]
	}
	return keys[rng.IntN(len(keys))]
}

// genBlock writes a block collection at indent; first says whether the
// first line's indentation is already written (after "- ").
func genBlock(rng *rand.Rand, b *strings.Builder, indent, depth int, seq bool) {
	pad := func(n int) string { return strings.Repeat(" ", n) }
	items := 1 + rng.IntN(4)
	for i := range items {
		if rng.IntN(8) == 0 {
			b.WriteString(pad(rng.IntN(indent + 2)))
			b.WriteString("\n")
		}
		b.WriteString(pad(indent))
		if seq {
			dash := "- " + pad(rng.IntN(2))
			b.WriteString(dash)
			if depth < 4 && rng.IntN(3) == 0 {
				// A mapping inside the item, its keys lined up after the dash.
				genEntries(rng, b, indent+len(dash), depth+1, true)
				continue
			}
			genValue(rng, b, indent, depth)
			continue
		}
		_ = i
		genEntries(rng, b, indent, depth, true)
		break
	}
}

// genEntries writes mapping entries at indent; the first one's
// indentation is already written when started is true.
func genEntries(rng *rand.Rand, b *strings.Builder, indent, depth int, started bool) {
	for i := range 1 + rng.IntN(4) {
		if i > 0 || !started {
			b.WriteString(strings.Repeat(" ", indent))
		}
		b.WriteString(genKey(rng))
		b.WriteString(":")
		switch r := rng.IntN(10); {
		case depth < 4 && r < 3:
			b.WriteString("\n")
			child := indent + 1 + rng.IntN(3)
			if rng.IntN(3) == 0 {
				child = indent // an indentless sequence
				genBlock(rng, b, child, depth+1, true)
				continue
			}
			genBlock(rng, b, child, depth+1, rng.IntN(2) == 0)
		case r == 3:
			b.WriteString(strings.Repeat(" ", rng.IntN(2)) + "\n") // null
		default:
			b.WriteString(" ")
			genValue(rng, b, indent, depth)
		}
	}
}

// genValue writes a scalar, flow sequence or literal after "key: " or
// "- " in a collection at indent, ending the line.
func genValue(rng *rand.Rand, b *strings.Builder, indent, depth int) {
	if rng.IntN(6) == 0 {
		header := []string{"|", "|-", "|+", "|  "}[rng.IntN(4)]
		b.WriteString(header + "\n")
		in := indent + 1 + rng.IntN(3)
		for range 1 + rng.IntN(4) {
			switch rng.IntN(5) {
			case 0:
				b.WriteString("\n")
			case 1:
				b.WriteString(strings.Repeat(" ", in+2) + "more: indented # text\n")
			default:
				b.WriteString(strings.Repeat(" ", in) + genScalar(rng) + "\n")
			}
		}
		return
	}
	b.WriteString(genScalar(rng))
	b.WriteString(strings.Repeat(" ", rng.IntN(2)))
	b.WriteString("\n")
}
