package report

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kiln-gitops/kiln/finding"
)

func loadSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://example.invalid/sarif-schema-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func TestSARIFValidAgainstSchema(t *testing.T) {
	sch := loadSARIFSchema(t)
	abs := fixtureResult()
	abs.Root = "/home/runner/work/images/images"
	tests := []struct {
		name string
		r    Result
	}{
		{"fixture", fixtureResult()},
		{"empty", Result{Root: "."}},
		{"absolute root", abs},
		{"odd paths", Result{Root: "../elsewhere", FailOn: "low", Findings: []finding.Finding{
			{Pos: finding.Pos{File: "a dir/c:d#e%f.yaml"}, Rule: "r", Severity: "bogus", Message: ""},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSARIF(&buf, tt.r); err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Fatalf("SARIF does not conform to the 2.1.0 schema: %v\n%s", err, buf.String())
			}
			checkGitHubSARIF(t, buf.Bytes(), len(tt.r.Findings))
		})
	}
}

// checkGitHubSARIF checks what GitHub code scanning documents beyond the
// schema: one run with tool.driver.name, results that point at their rule
// by id and index, startLine ≥ 1, relative URIs with forward slashes,
// security-severity as a number in a string, and a fingerprint.
func checkGitHubSARIF(t *testing.T, raw []byte, findings int) {
	t.Helper()
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID         string `json:"id"`
						Properties struct {
							Tags     []string `json:"tags"`
							Severity string   `json:"security-severity"`
						} `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(raw, &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "kiln" {
		t.Fatalf("want one kiln run of SARIF 2.1.0, got %+v", log)
	}
	run := log.Runs[0]
	if len(run.Results) != findings {
		t.Errorf("got %d results, want %d", len(run.Results), findings)
	}
	rules := run.Tool.Driver.Rules
	prints := map[string]bool{}
	for _, r := range run.Results {
		if r.RuleIndex < 0 || r.RuleIndex >= len(rules) || rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s: ruleIndex %d does not point at its rule", r.RuleID, r.RuleIndex)
		}
		switch r.Level {
		case "error", "warning", "note":
		default:
			t.Errorf("result %s: level %q", r.RuleID, r.Level)
		}
		for _, l := range r.Locations {
			p := l.PhysicalLocation
			if p.Region.StartLine < 1 {
				t.Errorf("result %s: startLine %d < 1", r.RuleID, p.Region.StartLine)
			}
			u := p.ArtifactLocation.URI
			if u == "" || strings.HasPrefix(u, "/") || strings.Contains(u, `\`) || strings.HasPrefix(u, "../") || strings.Contains(u, "://") {
				t.Errorf("result %s: uri %q is not a relative forward-slash path", r.RuleID, u)
			}
			if p.ArtifactLocation.URIBaseID != "%SRCROOT%" {
				t.Errorf("result %s: uriBaseId %q", r.RuleID, p.ArtifactLocation.URIBaseID)
			}
		}
		fp := r.PartialFingerprints[fingerprintKey]
		if fp == "" || prints[fp] {
			t.Errorf("result %s: fingerprint %q missing or not unique", r.RuleID, fp)
		}
		prints[fp] = true
	}
	for _, r := range rules {
		if s := r.Properties.Severity; s != "" {
			if !strings.Contains(strings.Join(r.Properties.Tags, ","), "security") {
				t.Errorf("rule %s has a security-severity without the security tag", r.ID)
			}
			if score(s) < 0 || score(s) > 10 {
				t.Errorf("rule %s: security-severity %q", r.ID, s)
			}
		}
	}
}

func TestSARIFLevelsAndSuppressions(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, fixtureResult()); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	got := map[string]sarifResult{}
	for _, r := range log.Runs[0].Results {
		got[r.RuleID] = r
	}
	tests := []struct {
		rule, level string
		suppressed  bool
	}{
		{"schema", "error", false},
		{"KILN-CMP-007", "error", false},
		{"KILN-INF-001", "error", false},
		{"KILN-PIP-002", "warning", false}, // low, expired waiver: counts, but below high
		{"KILN-PIP-009", "note", false},
		{"KILN-REC-003", "warning", true},
	}
	for _, tt := range tests {
		r, ok := got[tt.rule]
		if !ok {
			t.Errorf("%s: no result", tt.rule)
			continue
		}
		if r.Level != tt.level {
			t.Errorf("%s: level %q, want %q", tt.rule, r.Level, tt.level)
		}
		if (len(r.Suppressions) > 0) != tt.suppressed {
			t.Errorf("%s: suppressions %+v, want suppressed=%v", tt.rule, r.Suppressions, tt.suppressed)
		}
		if tt.suppressed && (r.Suppressions[0].Kind != "external" || !strings.Contains(r.Suppressions[0].Justification, "lab image")) {
			t.Errorf("%s: suppression %+v", tt.rule, r.Suppressions[0])
		}
	}
	for _, rule := range log.Runs[0].Tool.Driver.Rules {
		want := map[string]string{"KILN-CMP-007": "9.5", "KILN-INF-001": "8.0", "KILN-REC-003": "5.5", "KILN-PIP-002": "3.0"}[rule.ID]
		if rule.Properties.SecuritySeverity != want {
			t.Errorf("rule %s: security-severity %q, want %q", rule.ID, rule.Properties.SecuritySeverity, want)
		}
	}
}

func TestSARIFFingerprintStable(t *testing.T) {
	f := finding.Finding{Pos: finding.Pos{File: "a.yaml", Line: 3}, Rule: "r", Severity: "high", Message: "m"}
	moved := f
	moved.Line = 30
	other := f
	other.Message = "n"
	fp := func(fs ...finding.Finding) []string {
		log := buildSARIF(Result{Findings: fs})
		var out []string
		for _, r := range log.Runs[0].Results {
			out = append(out, r.PartialFingerprints[fingerprintKey])
		}
		return out
	}
	if a, b := fp(f)[0], fp(moved)[0]; a != b {
		t.Errorf("fingerprint changed when the finding moved: %s vs %s", a, b)
	}
	if a, b := fp(f)[0], fp(other)[0]; a == b {
		t.Errorf("different messages share fingerprint %s", a)
	}
	if both := fp(f, moved); both[0] == both[1] {
		t.Errorf("two occurrences share fingerprint %s", both[0])
	}
}

func TestSARIFLocations(t *testing.T) {
	tests := []struct {
		root, file, uri, base string
	}{
		{"examples", "components/a.yaml", "examples/components/a.yaml", ""},
		{".", "a.yaml", "a.yaml", ""},
		{"", "./x/../a.yaml", "a.yaml", ""},
		{"/abs/repo", "a b.yaml", "a%20b.yaml", "file:///abs/repo/"},
		{"../other", "a.yaml", "a.yaml", ""},
		{".", "c:d.yaml", "./c:d.yaml", ""},
		{"x", "", "", ""},
	}
	for _, tt := range tests {
		uri, base := sarifLocationOf(tt.root, tt.file)
		if uri != tt.uri || base != tt.base {
			t.Errorf("sarifLocationOf(%q, %q) = %q, %q; want %q, %q", tt.root, tt.file, uri, base, tt.uri, tt.base)
		}
	}
}

// The schema check must be able to fail: a log that breaks it is rejected.
func TestSARIFSchemaRejectsInvalid(t *testing.T) {
	sch := loadSARIFSchema(t)
	for name, doc := range map[string]string{
		"bad level":    `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"kiln"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}`,
		"bad version":  `{"version":"2.0.0","runs":[]}`,
		"no message":   `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"kiln"}},"results":[{"ruleId":"r"}]}]}`,
		"line zero":    `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"kiln"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a"},"region":{"startLine":0}}}]}]}]}`,
		"unknown prop": `{"version":"2.1.0","runs":[],"extra":1}`,
	} {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(v) == nil {
			t.Errorf("%s: schema accepted an invalid log", name)
		}
	}
}
