package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCheckFolderOfRepository: a folder inside a repository is checked as
// part of it (its references resolve) and only its findings are shown.
func TestCheckFolderOfRepository(t *testing.T) {
	for _, dir := range []string{examples + "/recipes", examples + "/pipelines", examples + "/components"} {
		rep := checkJSON(t, exitOK, dir)
		if rep.Summary.Resources == 0 || rep.Summary.Resources >= 18 {
			t.Errorf("%s: %d resources, want the folder's", dir, rep.Summary.Resources)
		}
		if rep.Root != examples {
			t.Errorf("%s: root %q, want %q", dir, rep.Root, examples)
		}
	}
	// A broken recipe is reported at a path that opens from here.
	dir := t.TempDir()
	copyExamples(t, dir)
	edit(t, filepath.Join(dir, "recipes", "al2023-base.yaml"), "name: cloudwatch-agent", "name: no-such-agent")
	edit(t, filepath.Join(dir, "components", "java-runtime.yaml"), "platform: Linux", "platform: Plan9")
	code, out, errOut := kiln(t, "check", filepath.Join(dir, "recipes"))
	if code != exitFindings || !strings.Contains(out, filepath.Join(dir, "recipes", "al2023-base.yaml")) || strings.Contains(out, "java-runtime") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

// TestCheckEmpty: nothing to check fails, unless --allow-empty.
func TestCheckEmpty(t *testing.T) {
	empty := t.TempDir()
	code, out, errOut := kiln(t, "check", empty)
	if code != exitFindings || !strings.Contains(out, "check/no-resources") || !strings.Contains(out, "--allow-empty") {
		t.Errorf("empty folder: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := kiln(t, "check", "--allow-empty", empty); code != exitOK {
		t.Errorf("--allow-empty: exit %d\n%s%s", code, out, errOut)
	}
	// A folder of the repository without resources fails the same way.
	dir := t.TempDir()
	copyExamples(t, dir)
	writeFile(t, filepath.Join(dir, "docs", "notes.md"), "notes\n")
	if code, out, _ := kiln(t, "check", filepath.Join(dir, "docs")); code != exitFindings || !strings.Contains(out, "no kiln resources found in docs") {
		t.Errorf("empty sub-folder: exit %d\n%s", code, out)
	}
}

// TestCheckMissingConfigNotice: without .kiln.yaml the defaults are used
// and kiln says so (on stderr, so reports stay parseable).
func TestCheckMissingConfigNotice(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	if err := os.Remove(filepath.Join(dir, ".kiln.yaml")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := kiln(t, "check", "-o", "json", dir)
	if !strings.Contains(errOut, "notice: no .kiln.yaml in "+dir+" or above it: using the defaults") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
	if !json.Valid([]byte(out)) {
		t.Errorf("stdout is not JSON:\n%s", out)
	}
	if _, _, errOut := kiln(t, "check", examples); strings.Contains(errOut, "notice") {
		t.Errorf("notice with a .kiln.yaml: %s", errOut)
	}
}

// TestCheckColor: colour on request and on a terminal only; never in a
// pipe or with NO_COLOR.
func TestCheckColor(t *testing.T) {
	const esc = "\x1b["
	dir := examples + "/broken"
	if _, out, _ := kiln(t, "check", "--color", "always", dir); !strings.Contains(out, esc) {
		t.Errorf("--color always: no escape codes:\n%s", out)
	}
	for _, args := range [][]string{{"check", dir}, {"check", "--color", "never", dir}} {
		if _, out, _ := kiln(t, args...); strings.Contains(out, esc) {
			t.Errorf("%v: escape codes in a buffer:\n%s", args, out)
		}
	}
	if code, _, errOut := kiln(t, "check", "--color", "rainbow", dir); code != exitUsage || !strings.Contains(errOut, `--color "rainbow"`) {
		t.Errorf("--color rainbow: exit %d: %s", code, errOut)
	}
	// A real process: stdout a pipe, then a terminal-like character device.
	_, out, _ := child(t, append(os.Environ(), "KILN_TEST_CHILD=1"), "check", dir)
	if !strings.Contains(out, "FAIL") || strings.Contains(out, esc) {
		t.Errorf("piped output:\n%s", out)
	}
}

// TestUseColor covers auto on a character device, which tests cannot rely
// on having.
func TestUseColor(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	// /dev/null is a character device, as a terminal is.
	t.Setenv("NO_COLOR", "")
	if on, err := useColor("auto", null); err != nil || !on {
		t.Errorf("auto on a character device: %v %v", on, err)
	}
	t.Setenv("NO_COLOR", "1")
	if on, _ := useColor("auto", null); on {
		t.Error("NO_COLOR ignored")
	}
	if on, _ := useColor("always", null); !on {
		t.Error("always is off with NO_COLOR")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Setenv("NO_COLOR", "")
	if on, _ := useColor("auto", f); on {
		t.Error("colour into a file")
	}
}

// TestCheckPhaseImageBuilderSkips: a phase AWSTOE runs but Image Builder
// skips is a warning; the check passes, as AWSTOE and Image Builder accept
// the document.
func TestCheckPhaseImageBuilderSkips(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	edit(t, filepath.Join(dir, "components", "java-runtime.toe.yaml"), "phases:\n",
		"phases:\n  - name: diagnostics\n    steps:\n      - name: ShowJava\n        action: ExecuteBash\n        inputs:\n          commands: [\"java -version\"]\n")
	rep := checkJSON(t, exitOK, dir)
	fs := findingsOf(rep, "toe/phase-name")
	if len(fs) != 1 || fs[0].Severity != "low" || fs[0].File != "components/java-runtime.toe.yaml" || fs[0].Line == 0 {
		t.Errorf("findings %+v", fs)
	}
}

// TestCheckImageBuilderRefusals: what Image Builder refuses after the
// merge fails kiln check, at the file, line and column, with the fix.
func TestCheckImageBuilderRefusals(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	edit(t, filepath.Join(dir, "distribution", "ami-distribution.yaml"), "name: golden-al2023-{{ imagebuilder:buildDate }}\n        description: Golden Amazon Linux 2023 AMI built by kiln\n", "name: golden-al2023\n        description: Golden Amazon Linux 2023 AMI built by kiln\n")
	b, err := os.ReadFile(filepath.Join(dir, "pipelines", "al2023-base.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	expr := regexp.MustCompile(`scheduleExpression: .*`).FindString(string(b))
	if expr == "" {
		t.Fatal("no schedule in the example pipeline")
	}
	edit(t, filepath.Join(dir, "pipelines", "al2023-base.yaml"), expr, "scheduleExpression: cron(0 25 ? * mon *)")
	code, out, errOut := kiln(t, "check", dir)
	for _, want := range []string{"schedule/cron", "25 is out of range: hours go from 0 to 23", "distribution/name-per-build", "add {{ imagebuilder:buildDate }}"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if code != exitFindings {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}
