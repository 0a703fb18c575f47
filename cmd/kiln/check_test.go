package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestCheckExamples(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		wantCode int
		wantOut  []string
	}{
		{[]string{"check", examples}, exitOK, []string{"PASS (fail on high)", "0 errors"}},
		{[]string{"check", "--env", "prod", examples}, exitOK, []string{"PASS"}},
		{[]string{"check", examples + "/broken"}, exitFindings, []string{"FAIL:", "load/yaml", "KILN-CMP-001"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			// No AWS for --env: keep the SDK away from the developer's own setup.
			noAWS(t)
			code, out, errOut := kiln(t, tc.args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestCheckBrokenNamesEveryFile: every file of examples/broken is named
// with the line of its mistake, in the text report as in the JSON one.
func TestCheckBrokenNamesEveryFile(t *testing.T) {
	dir := examples + "/broken"
	rep := checkJSON(t, exitFindings, dir)
	_, text, _ := kiln(t, "check", dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".toe.yaml") {
			continue
		}
		files++
		doc := strings.TrimSuffix(name, ".yaml") + ".toe.yaml"
		var got []string
		for _, f := range rep.Findings {
			if f.File != name && f.File != doc {
				continue
			}
			if f.Line <= 0 {
				t.Errorf("%s: finding %s has no line", f.File, f.Rule)
				continue
			}
			got = append(got, f.Rule)
			// Text: the file's heading, then the finding at its line.
			heading := "\n" + dir + "/" + f.File + "\n"
			at := strings.Index("\n"+text, heading)
			if at < 0 {
				t.Errorf("text report has no heading %q", strings.TrimSpace(heading))
				continue
			}
			block, _, _ := strings.Cut(("\n" + text)[at+len(heading):], "\n\n")
			line := regexp.MustCompile(fmt.Sprintf(`(?m)^  %d(:%d)? +\S+ +%s `, f.Line, f.Column, regexp.QuoteMeta(f.Rule)))
			if !line.MatchString(block) {
				t.Errorf("text report under %s lacks %d:%d %s:\n%s", f.File, f.Line, f.Column, f.Rule, block)
			}
		}
		if len(got) == 0 {
			t.Errorf("%s: no finding", name)
		}
	}
	if files < 15 {
		t.Errorf("only %d broken files", files)
	}
	if rep.Result != "fail" || rep.Summary.Failing == 0 {
		t.Errorf("result %q with %d failing", rep.Result, rep.Summary.Failing)
	}
}

func TestCheckOutputFormats(t *testing.T) {
	dir := examples + "/broken"
	rep := checkJSON(t, exitFindings, dir)
	rules := map[string]bool{}
	for _, f := range rep.Findings {
		rules[f.Rule] = true
	}

	for _, tc := range []struct {
		format string
		verify func(t *testing.T, out string)
	}{
		{"text", func(t *testing.T, out string) {
			if !strings.Contains(out, "FAIL:") || !strings.Contains(out, dir+"/load-malformed.yaml\n  10  ") {
				t.Errorf("text report:\n%s", out)
			}
		}},
		{"json", func(t *testing.T, out string) {
			var got struct {
				Version  int    `json:"version"`
				Result   string `json:"result"`
				FailOn   string `json:"failOn"`
				Findings []struct {
					File, Rule, Severity string
					Line                 int
				} `json:"findings"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			if got.Version != 1 || got.Result != "fail" || got.FailOn != "high" || len(got.Findings) != len(rep.Findings) {
				t.Errorf("version %d, result %q, failOn %q, %d findings", got.Version, got.Result, got.FailOn, len(got.Findings))
			}
		}},
		{"sarif", func(t *testing.T, out string) {
			var log struct {
				Schema  string `json:"$schema"`
				Version string `json:"version"`
				Runs    []struct {
					Tool struct {
						Driver struct {
							Name  string `json:"name"`
							Rules []struct {
								ID   string `json:"id"`
								Help struct {
									Text string `json:"text"`
								} `json:"help"`
							} `json:"rules"`
						} `json:"driver"`
					} `json:"tool"`
					Results []struct {
						RuleID    string `json:"ruleId"`
						RuleIndex int    `json:"ruleIndex"`
						Level     string `json:"level"`
						Message   struct {
							Text string `json:"text"`
						} `json:"message"`
						Locations []struct {
							PhysicalLocation struct {
								ArtifactLocation struct {
									URI string `json:"uri"`
								} `json:"artifactLocation"`
								Region struct {
									StartLine int `json:"startLine"`
								} `json:"region"`
							} `json:"physicalLocation"`
						} `json:"locations"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal([]byte(out), &log); err != nil {
				t.Fatal(err)
			}
			if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif") || len(log.Runs) != 1 {
				t.Fatalf("version %q, schema %q, %d runs", log.Version, log.Schema, len(log.Runs))
			}
			run := log.Runs[0]
			if run.Tool.Driver.Name != "kiln" {
				t.Errorf("driver %q", run.Tool.Driver.Name)
			}
			var ids []string
			for _, r := range run.Tool.Driver.Rules {
				ids = append(ids, r.ID)
				if r.Help.Text == "" {
					t.Errorf("rule %s has no help text", r.ID)
				}
			}
			for rule := range rules {
				if !slices.Contains(ids, rule) {
					t.Errorf("rule %s missing from tool.driver.rules %v", rule, ids)
				}
			}
			if len(run.Results) != len(rep.Findings) {
				t.Errorf("%d results, want %d", len(run.Results), len(rep.Findings))
			}
			for _, r := range run.Results {
				if r.RuleIndex < 0 || r.RuleIndex >= len(ids) || ids[r.RuleIndex] != r.RuleID {
					t.Errorf("result %s: ruleIndex %d does not point at its rule", r.RuleID, r.RuleIndex)
				}
				if !slices.Contains([]string{"error", "warning", "note"}, r.Level) {
					t.Errorf("result %s: level %q", r.RuleID, r.Level)
				}
				if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" || r.Locations[0].PhysicalLocation.Region.StartLine < 1 {
					t.Errorf("result %s: locations %+v", r.RuleID, r.Locations)
				}
			}
		}},
		{"junit", func(t *testing.T, out string) {
			var suites struct {
				XMLName  xml.Name `xml:"testsuites"`
				Tests    int      `xml:"tests,attr"`
				Failures int      `xml:"failures,attr"`
				Suites   []struct {
					Name  string `xml:"name,attr"`
					Cases []struct {
						Name    string `xml:"name,attr"`
						File    string `xml:"file,attr"`
						Failure *struct {
							Message string `xml:"message,attr"`
						} `xml:"failure"`
					} `xml:"testcase"`
				} `xml:"testsuite"`
			}
			if err := xml.Unmarshal([]byte(out), &suites); err != nil {
				t.Fatal(err)
			}
			failed := 0
			for _, s := range suites.Suites {
				for _, c := range s.Cases {
					if c.Failure != nil {
						failed++
					}
				}
			}
			if suites.Failures == 0 || failed != suites.Failures || len(suites.Suites) == 0 {
				t.Errorf("%d failures declared, %d failed test cases in %d suites", suites.Failures, failed, len(suites.Suites))
			}
		}},
		{"github", func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			annotations, errs := 0, 0
			for _, l := range lines {
				if !strings.HasPrefix(l, "::") {
					break
				}
				annotations++
				if !regexp.MustCompile(`^::(error|warning|notice) (file=[^,]+,line=\d+(,col=\d+)?,)?title=[^:]*::.+`).MatchString(l) {
					t.Errorf("not a workflow command: %s", l)
				}
				if strings.HasPrefix(l, "::error file="+dir+"/") {
					errs++
				}
			}
			if annotations != len(rep.Findings) || errs != rep.Summary.Failing {
				t.Errorf("%d annotations (%d ::error with a file), want %d (%d failing)\n%s", annotations, errs, len(rep.Findings), rep.Summary.Failing, out)
			}
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "FAIL:") {
				t.Errorf("last line %q", last)
			}
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			code, out, errOut := kiln(t, "check", "--output", tc.format, dir)
			if code != exitFindings {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			tc.verify(t, out)
		})
	}
}

func TestCheckUsageErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file.yaml")
	writeFile(t, file, "apiVersion: kiln/v1\n")
	notGit := t.TempDir()
	copyExamples(t, notGit)
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no command", nil, "Usage:"},
		{"unknown command", []string{"lint"}, `unknown command "lint"`},
		{"policy without test", []string{"policy", "run"}, `unknown command "run" for "kiln policy"`},
		{"unknown flag", []string{"check", "--colour", examples}, "unknown flag: --colour"},
		{"unknown format", []string{"check", "--output", "xml", examples}, `unknown output format "xml"`},
		{"not a directory", []string{"check", file}, "is not a directory"},
		{"missing directory", []string{"check", filepath.Join(notGit, "nowhere")}, "is not a directory"},
		{"two directories", []string{"check", examples, examples}, "accepts at most 1 arg(s), received 2"},
		{"bad fail-on", []string{"check", "--fail-on", "severe", examples}, `--fail-on "severe"`},
		{"fail-on error", []string{"check", "--fail-on", "error", examples}, `--fail-on "error"`},
		{"unknown environment", []string{"check", "--env", "qa", examples}, `environment "qa"`},
		{"base outside git", []string{"check", "--base", "HEAD", notGit}, "not inside a Git repository"},
		{"missing policy dir", []string{"check", "--policy", filepath.Join(notGit, "nowhere"), examples}, "--policy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := kiln(t, tc.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitUsage, out, errOut)
			}
			if !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantErr, errOut)
			}
			if out != "" {
				t.Errorf("a usage error wrote a report:\n%s", out)
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"check", "-h"}, {"policy", "test", "-h"}, {"version"}} {
		if code, out, errOut := kiln(t, args...); code != exitOK || out+errOut == "" {
			t.Errorf("%v: exit %d, output %q %q", args, code, out, errOut)
		}
	}
}

// TestCheckFailOn: a repository whose only live finding is medium passes at
// the configured threshold (high) and fails once --fail-on reaches medium.
func TestCheckFailOn(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	// No OS update component: KILN-RCP-004, medium.
	edit(t, filepath.Join(dir, "recipes", "al2023-base.yaml"),
		"    - arn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x\n", "")
	rep := checkJSON(t, exitOK, dir)
	var live []string
	for _, f := range rep.Findings {
		if !f.Waived {
			live = append(live, f.Severity+" "+f.Rule)
		}
	}
	if !slices.Equal(live, []string{"medium KILN-RCP-004"}) {
		t.Fatalf("live findings %v, want only medium KILN-RCP-004", live)
	}
	for _, tc := range []struct {
		failOn string
		want   int
	}{
		{"", exitOK}, // .kiln.yaml: high
		{"critical", exitOK},
		{"high", exitOK},
		{"medium", exitFindings},
		{"low", exitFindings},
		{"info", exitFindings},
		{"MEDIUM", exitUsage},
	} {
		t.Run("fail-on="+tc.failOn, func(t *testing.T) {
			args := []string{"check", dir}
			if tc.failOn != "" {
				args = []string{"check", "--fail-on", tc.failOn, dir}
			}
			code, out, errOut := kiln(t, args...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.want, out, errOut)
			}
			if tc.want == exitFindings && !strings.Contains(out, "FAIL: 1 failing finding (fail on "+tc.failOn) {
				t.Errorf("summary:\n%s", out)
			}
		})
	}
}

// TestCheckBase runs `kiln check --base HEAD` on a Git repository whose
// kiln folder is a sub-folder, with the pull request's changes in the
// working tree.
func TestCheckBase(t *testing.T) {
	setup := func(t *testing.T) (root, dir string) {
		root = t.TempDir()
		dir = filepath.Join(root, "images")
		copyExamples(t, dir)
		writeFile(t, filepath.Join(root, "README.md"), "# golden images\n")
		commitAll(t, root, "golden images")
		return root, dir
	}

	t.Run("unchanged", func(t *testing.T) {
		_, dir := setup(t)
		rep := checkJSON(t, exitOK, "--base", "HEAD", dir)
		if len(rep.Findings) != 0 || rep.Summary.Resources != 20 {
			t.Errorf("%d resources, findings %+v", rep.Summary.Resources, rep.Findings)
		}
	})

	t.Run("content changed, version kept", func(t *testing.T) {
		_, dir := setup(t)
		edit(t, filepath.Join(dir, "components", "java-runtime.toe.yaml"), "-amazon-corretto-headless'", "-amazon-corretto-devel'")
		rep := checkJSON(t, exitFindings, "--base", "HEAD", dir)
		got := findingsOf(rep, "immutable/changed")
		if len(got) != 1 {
			t.Fatalf("immutable/changed findings %+v, all %+v", got, rep.Findings)
		}
		f := got[0]
		if f.File != "components/java-runtime.yaml" || f.Line != 8 || !f.Fails || !strings.Contains(f.Message, "bump it to 1.4.1") {
			t.Errorf("finding %+v", f)
		}
		// Without a base there is nothing to compare with.
		checkJSON(t, exitOK, dir)
	})

	t.Run("policy weakened", func(t *testing.T) {
		_, dir := setup(t)
		edit(t, filepath.Join(dir, ".kiln.yaml"), "  failOn: high\n", "  failOn: critical\n")
		// A high finding the weakened threshold would let through.
		edit(t, filepath.Join(dir, "infrastructure", "build-ami.yaml"), "httpTokens: required", "httpTokens: optional")
		// Judged by the head's own settings, the change would pass…
		checkJSON(t, exitOK, dir)
		// …but the base's settings judge it.
		rep := checkJSON(t, exitFindings, "--base", "HEAD", dir)
		if rep.FailOn != "high" {
			t.Errorf("failOn %q, want the base's high", rep.FailOn)
		}
		changed := findingsOf(rep, "policy/config-changed")
		if len(changed) == 0 || changed[0].File != ".kiln.yaml" {
			t.Errorf("config-changed findings %+v", changed)
		}
		if got := findingsOf(rep, "KILN-INF-001"); len(got) != 1 || !got[0].Fails {
			t.Errorf("KILN-INF-001 findings %+v", got)
		}
	})

	t.Run("unknown revision", func(t *testing.T) {
		_, dir := setup(t)
		code, _, errOut := kiln(t, "check", "--base", "no-such-branch", dir)
		if code != exitUsage || !strings.Contains(errOut, "no-such-branch") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
}

func TestCheckUserPolicies(t *testing.T) {
	t.Run("does not compile", func(t *testing.T) {
		pol := t.TempDir()
		writeFile(t, filepath.Join(pol, "ok.rego"), "package main\n\ndeny contains msg if {\n\tinput.kind == \"Nothing\"\n\tmsg := \"never\"\n}\n")
		writeFile(t, filepath.Join(pol, "bad.rego"), "package main\n\nwarn contains msg if {\n\tinput.kind ==\n}\n")
		code, out, errOut := kiln(t, "check", "--policy", pol, examples)
		if code != exitUsage {
			t.Fatalf("exit %d, want %d\n%s%s", code, exitUsage, out, errOut)
		}
		want := filepath.ToSlash(filepath.Join(pol, "bad.rego")) + ":5"
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %s:\n%s", want, errOut)
		}
		if strings.Count(errOut, "does not compile") != 1 {
			t.Errorf("stderr repeats itself:\n%s", errOut)
		}
		if out != "" {
			t.Errorf("report written:\n%s", out)
		}
	})

	t.Run("conftest policy", func(t *testing.T) {
		pol := t.TempDir()
		writeFile(t, filepath.Join(pol, "pipelines.rego"), `package main

deny contains msg if {
	input.kind == "ImagePipeline"
	input.spec.status == "ENABLED"
	msg := sprintf("pipeline %s is enabled", [input.metadata.name])
}
`)
		rep := checkJSON(t, exitFindings, "--policy", pol, examples)
		got := findingsOf(rep, "main.deny")
		if len(got) == 0 {
			t.Fatalf("no main.deny findings in %+v", rep.Findings)
		}
		for _, f := range got {
			if !strings.HasPrefix(f.File, "pipelines/") || f.Severity != "high" || !strings.Contains(f.Message, "is enabled") {
				t.Errorf("finding %+v", f)
			}
		}
	})
}

func TestPolicyTest(t *testing.T) {
	const rule = "package ami\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.encrypted == true\n"
	pass, fail, none, bad := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(pass, "ami.rego"), rule)
	writeFile(t, filepath.Join(pass, "ami_test.rego"), "package ami\n\nimport rego.v1\n\ntest_encrypted if allow with input as {\"encrypted\": true}\n\ntest_plain if not allow with input as {\"encrypted\": false}\n")
	writeFile(t, filepath.Join(fail, "ami.rego"), rule)
	writeFile(t, filepath.Join(fail, "ami_test.rego"), "package ami\n\nimport rego.v1\n\ntest_encrypted if allow with input as {\"encrypted\": true}\n\ntest_wrong if allow with input as {\"encrypted\": false}\n")
	writeFile(t, filepath.Join(none, "ami.rego"), rule)
	writeFile(t, filepath.Join(bad, "ami_test.rego"), "package ami\n\ntest_x if {\n")

	for _, tc := range []struct {
		name    string
		args    []string
		want    int
		wantOut string
	}{
		{"passing", []string{pass}, exitOK, "PASS: 2/2"},
		{"failing", []string{fail}, exitFindings, "test_wrong"},
		{"verbose", []string{"-v", pass}, exitOK, "test_plain"},
		{"no tests", []string{none}, exitUsage, "no tests found"},
		{"no rego", []string{t.TempDir()}, exitUsage, "no .rego files"},
		{"does not compile", []string{bad}, exitUsage, "ami_test.rego:"},
		{"builtin", []string{"--builtin"}, exitOK, "PASS:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := kiln(t, append([]string{"policy", "test"}, tc.args...)...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.want, out, errOut)
			}
			if !strings.Contains(out+errOut, tc.wantOut) {
				t.Errorf("output lacks %q:\n%s%s", tc.wantOut, out, errOut)
			}
			if tc.name == "builtin" {
				// 44 rules, each tested both ways.
				var passed, total int
				if _, err := fmt.Sscanf(out[strings.LastIndex(out, "PASS: "):], "PASS: %d/%d", &passed, &total); err != nil || passed != total || total < 88 {
					t.Errorf("built-in bundle: %d/%d tests passed (%v)", passed, total, err)
				}
			}
		})
	}
}

// TestCheckCleanReports: on a clean repository JUnit lists every file as a
// passing test case and SARIF still carries an (empty) results array,
// which code scanning needs to close earlier alerts.
func TestCheckCleanReports(t *testing.T) {
	code, out, errOut := kiln(t, "check", "-o", "junit", examples)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal([]byte(out), &suites); err != nil {
		t.Fatal(err)
	}
	rep := checkJSON(t, exitOK, examples)
	if suites.Tests != rep.Summary.Files || suites.Failures != 0 || suites.Tests < 20 {
		t.Errorf("JUnit: %d tests, %d failures for %d files", suites.Tests, suites.Failures, rep.Summary.Files)
	}

	code, out, _ = kiln(t, "check", "-o", "sarif", examples)
	var log struct {
		Runs []struct {
			Results *[]json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || code != exitOK {
		t.Fatalf("exit %d, %v", code, err)
	}
	if len(log.Runs) != 1 || log.Runs[0].Results == nil || len(*log.Runs[0].Results) != 0 {
		t.Errorf("SARIF runs: %s", out)
	}
}
