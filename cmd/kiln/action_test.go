package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type actionFile struct {
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name  string            `yaml:"name"`
			ID    string            `yaml:"id"`
			Uses  string            `yaml:"uses"`
			If    string            `yaml:"if"`
			Shell string            `yaml:"shell"`
			Run   string            `yaml:"run"`
			Env   map[string]string `yaml:"env"`
			With  map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func readAction(t *testing.T) actionFile {
	t.Helper()
	b, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

var expression = regexp.MustCompile(`\$\{\{\s*([a-z_.-]+)\s*\}\}`)

// TestActionRuns runs the composite action's shell steps as a runner
// would (inputs, env, GITHUB_OUTPUT), on examples/broken: the log shows the
// findings, the SARIF file is valid, the upload step gets it, and the
// action fails with kiln's exit code.
func TestActionRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kiln")
	}
	a := readAction(t)
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using %q", a.Runs.Using)
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	inputs := map[string]string{}
	for name, in := range a.Inputs {
		if in.Description == "" {
			t.Errorf("input %s has no description", name)
		}
		inputs[name] = in.Default
	}
	inputs["path"] = filepath.Join(repo, "examples", "broken")
	inputs["sarif-file"] = filepath.Join(work, "kiln.sarif")
	output := filepath.Join(work, "github_output")
	outputs := func() map[string]string {
		b, _ := os.ReadFile(output)
		m := map[string]string{}
		for l := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(l, "="); ok {
				m["steps.check.outputs."+k] = v
			}
		}
		return m
	}
	expand := func(s string) string {
		return expression.ReplaceAllStringFunc(s, func(e string) string {
			key := expression.FindStringSubmatch(e)[1]
			if v, ok := strings.CutPrefix(key, "inputs."); ok {
				return inputs[v]
			}
			if key == "github.action_path" {
				return repo
			}
			if v, ok := outputs()[key]; ok {
				return v
			}
			t.Fatalf("unknown expression %s", e)
			return ""
		})
	}
	uploaded := false
	lastCode := -1
	for _, st := range a.Runs.Steps {
		if st.Uses != "" {
			if strings.HasPrefix(st.Uses, "github/codeql-action/upload-sarif@") {
				uploaded = expand(st.With["sarif_file"]) == inputs["sarif-file"] && strings.Contains(st.If, "always()")
			}
			continue
		}
		if st.Shell != "bash" {
			t.Errorf("step %q: shell %q, want bash", st.Name, st.Shell)
		}
		cmd := exec.Command("bash", "-e", "-c", st.Run)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GITHUB_ACTION_PATH="+repo, "RUNNER_TEMP="+work, "GITHUB_OUTPUT="+output)
		for k, v := range st.Env {
			cmd.Env = append(cmd.Env, k+"="+expand(v))
		}
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		lastCode = code
		if st.Name == "kiln check" && !strings.Contains(string(out), "FAIL:") {
			t.Errorf("the log lacks the text report:\n%s", out)
		}
		if code != 0 && st.Name != "Result" {
			t.Fatalf("step %q failed (%d):\n%s", st.Name, code, out)
		}
	}
	if lastCode != exitFindings {
		t.Errorf("action ends with %d, want kiln's %d", lastCode, exitFindings)
	}
	if !uploaded {
		t.Error("no upload-sarif step that always uploads the SARIF file")
	}
	b, err := os.ReadFile(inputs["sarif-file"])
	var log struct {
		Runs []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err != nil || json.Unmarshal(b, &log) != nil || len(log.Runs) != 1 || len(log.Runs[0].Results) == 0 {
		t.Errorf("SARIF file: %v\n%.300s", err, b)
	}
}

// TestPreCommitHook: the hook's entry is a kiln command that works on a
// repository as pre-commit runs it (from the repository's root, no file
// names).
func TestPreCommitHook(t *testing.T) {
	b, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID            string `yaml:"id"`
		Entry         string `yaml:"entry"`
		Language      string `yaml:"language"`
		Files         string `yaml:"files"`
		PassFilenames *bool  `yaml:"pass_filenames"`
	}
	if err := yaml.Unmarshal(b, &hooks); err != nil || len(hooks) != 1 {
		t.Fatalf("hooks: %v %v", hooks, err)
	}
	h := hooks[0]
	if h.Language != "golang" || h.PassFilenames == nil || *h.PassFilenames || !regexp.MustCompile(h.Files).MatchString("recipes/base.yaml") {
		t.Errorf("hook %+v", h)
	}
	args := strings.Fields(h.Entry)
	if args[0] != "kiln" {
		t.Fatalf("entry %q does not run kiln", h.Entry)
	}
	t.Chdir(examples)
	if code, out, errOut := kiln(t, args[1:]...); code != exitOK {
		t.Errorf("%s in examples: exit %d\n%s%s", h.Entry, code, out, errOut)
	}
}
