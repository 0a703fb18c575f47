package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// The README and examples/README.md are the documentation a new user
// follows; these tests run what they show, so they cannot drift from the
// code again.

type codeBlock struct {
	file, info, text string
	line             int
}

var fence = regexp.MustCompile("(?m)^```([a-z-]*)\\n")

func codeBlocks(t *testing.T, file string) []codeBlock {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	var out []codeBlock
	for {
		m := fence.FindStringSubmatchIndex(s)
		if m == nil {
			return out
		}
		info := s[m[2]:m[3]]
		rest := s[m[1]:]
		end := strings.Index(rest, "\n```")
		if end < 0 {
			t.Fatalf("%s: unclosed code block", file)
		}
		line := strings.Count(string(b[:len(b)-len(s)+m[0]]), "\n") + 1
		out = append(out, codeBlock{file: file, info: info, text: rest[:end+1], line: line})
		s = rest[end+4:]
	}
}

var docFiles = []string{"../../README.md", "../../examples/README.md"}

// kilnLines are the kiln commands of the sh blocks, as arguments.
func kilnLines(t *testing.T, b codeBlock) [][]string {
	var out [][]string
	for l := range strings.SplitSeq(b.text, "\n") {
		if i := strings.Index(l, " #"); i >= 0 {
			l = l[:i]
		}
		l = strings.TrimSpace(l)
		rest, ok := strings.CutPrefix(l, "go run ./cmd/kiln ")
		if !ok {
			rest, ok = strings.CutPrefix(l, "kiln ")
		}
		if ok {
			out = append(out, strings.Fields(rest))
		}
	}
	return out
}

// TestDocCommands runs every kiln command of the docs' sh blocks from the
// repository root. serve needs a GitHub App and is checked by its help
// instead; everything else must run without a usage error.
func TestDocCommands(t *testing.T) {
	noAWS(t)
	t.Chdir("../..")
	n := 0
	for _, file := range docFiles {
		for _, b := range codeBlocks(t, filepath.Join("cmd", "kiln", file)) {
			if b.info != "sh" {
				continue
			}
			for _, args := range kilnLines(t, b) {
				n++
				name := strings.Join(args, " ")
				if args[0] == "serve" {
					args = []string{"serve", "-h"}
				}
				t.Run(name, func(t *testing.T) {
					code, out, errOut := kiln(t, args...)
					want := exitOK
					if slices.ContainsFunc(args, func(a string) bool { return strings.Contains(a, "broken") }) {
						want = exitFindings
					}
					if code != want || out == "" {
						t.Errorf("%s:%d: kiln %s: exit %d, want %d\n%s%s", b.file, b.line, name, code, want, out, errOut)
					}
				})
			}
		}
	}
	if n < 4 {
		t.Errorf("only %d kiln commands in the docs", n)
	}
}

// TestDocFiles: a yaml block that starts with "# file: PATH" is that file
// of a repository like examples/; written there, kiln check still passes
// with no warning about it. The CI workflow's inputs are the Action's.
func TestDocFiles(t *testing.T) {
	noAWS(t)
	action := readAction(t)
	hooks, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, file := range docFiles {
		for _, b := range codeBlocks(t, file) {
			first, body, _ := strings.Cut(b.text, "\n")
			path, ok := strings.CutPrefix(first, "# file: ")
			if b.info != "yaml" || !ok {
				continue
			}
			n++
			t.Run(path, func(t *testing.T) {
				var doc any
				if err := yaml.Unmarshal([]byte(body), &doc); err != nil {
					t.Fatalf("%s:%d: %v", b.file, b.line, err)
				}
				switch path {
				case ".github/workflows/kiln.yml":
					var wf struct {
						Jobs map[string]struct {
							Steps []struct {
								Uses string            `yaml:"uses"`
								With map[string]string `yaml:"with"`
							} `yaml:"steps"`
						} `yaml:"jobs"`
					}
					if err := yaml.Unmarshal([]byte(body), &wf); err != nil {
						t.Fatal(err)
					}
					used := false
					for _, j := range wf.Jobs {
						for _, st := range j.Steps {
							if !strings.HasPrefix(st.Uses, "kiln-gitops/kiln@") {
								continue
							}
							used = true
							for k := range st.With {
								if _, ok := action.Inputs[k]; !ok {
									t.Errorf("%s:%d: input %q is not one of action.yml's", b.file, b.line, k)
								}
							}
						}
					}
					if !used {
						t.Errorf("%s:%d: the workflow does not use the Action", b.file, b.line)
					}
					return
				case ".pre-commit-config.yaml":
					if !strings.Contains(body, "id: kiln-check") || !strings.Contains(string(hooks), "id: kiln-check") {
						t.Errorf("%s:%d: the pre-commit example names no hook of .pre-commit-hooks.yaml", b.file, b.line)
					}
					return
				}
				dir := t.TempDir()
				copyExamples(t, dir)
				writeFile(t, filepath.Join(dir, path), body)
				rep := checkJSON(t, exitOK, dir)
				for _, f := range rep.Findings {
					if strings.HasPrefix(f.Rule, "config/") || strings.HasPrefix(f.Rule, "load/") || f.File == path && !f.Waived {
						t.Errorf("%s:%d: %s: %s:%d %s %s", b.file, b.line, path, f.File, f.Line, f.Rule, f.Message)
					}
				}
			})
		}
	}
	if n < 4 {
		t.Errorf("only %d file examples in the docs", n)
	}
}

// TestReadmeFacts: the Go version is go.mod's, the two newcomer commands
// are there and .ci/run runs them, and every --flag in the kiln check
// usage is one kiln check has.
func TestReadmeFacts(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gomod)
	if goVersion == nil || !strings.Contains(string(readme), "Go "+string(goVersion[1])+" or later") {
		t.Errorf("README does not say Go %s or later", goVersion[1])
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"go run ./cmd/kiln check examples", "go test -race ./..."} {
		if !strings.Contains(string(readme), cmd) || !strings.Contains(string(ci), cmd) {
			t.Errorf("%q is not in both README.md and .ci/run", cmd)
		}
	}
	for _, w := range []string{"gcc", "git", "go install github.com/kiln-gitops/kiln/cmd/kiln@latest", "policy/README.md", "action.yml", "kiln completion"} {
		if !strings.Contains(string(readme), w) {
			t.Errorf("README does not mention %s", w)
		}
	}
	checkCmd, _, err := newRootCmd(io.Discard, io.Discard).Find([]string{"check"})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range codeBlocks(t, "../../README.md") {
		if b.info != "" || !strings.HasPrefix(b.text, "kiln check") {
			continue
		}
		for _, m := range regexp.MustCompile(`--([a-z-]+)`).FindAllStringSubmatch(b.text, -1) {
			if checkCmd.Flags().Lookup(m[1]) == nil {
				t.Errorf("README:%d: kiln check has no --%s", b.line, m[1])
			}
		}
		var names []string
		checkCmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" && f.Name != "assume-role" && !strings.Contains(b.text, "--"+f.Name) {
				names = append(names, f.Name)
			}
		})
		if len(names) > 0 {
			t.Errorf("README:%d: the kiln check usage lacks --%s", b.line, strings.Join(names, ", --"))
		}
	}
}
