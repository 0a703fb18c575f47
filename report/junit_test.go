package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/finding"
)

type parsedSuites struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, r Result) parsedSuites {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc parsedSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, buf.String())
	}
	return doc
}

func TestJUnit(t *testing.T) {
	tests := []struct {
		name                     string
		r                        Result
		suites, tests, fail, skp int
	}{
		{"fixture", fixtureResult(), 8, 10, 5, 1},
		{"nothing at all", Result{}, 1, 1, 0, 0},
		{"passing files", Result{Paths: []string{"b.yaml", "a.yaml"}}, 2, 2, 0, 0},
		{"control characters", Result{FailOn: "high", Findings: []finding.Finding{
			{Pos: finding.Pos{File: "a\x01.yaml", Line: 1}, Rule: "r\x00", Severity: "error", Message: "bad \x1b[31m\xff byte"},
		}}, 1, 1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := parseJUnit(t, tt.r)
			if len(doc.Suites) != tt.suites || doc.Tests != tt.tests || doc.Failures != tt.fail || doc.Skipped != tt.skp {
				t.Errorf("got %d suites, %d tests, %d failures, %d skipped; want %d, %d, %d, %d",
					len(doc.Suites), doc.Tests, doc.Failures, doc.Skipped, tt.suites, tt.tests, tt.fail, tt.skp)
			}
			tests, fails := 0, 0
			for _, s := range doc.Suites {
				if s.Tests != len(s.Cases) {
					t.Errorf("suite %s: tests=%d but %d cases", s.Name, s.Tests, len(s.Cases))
				}
				n := 0
				for _, c := range s.Cases {
					if c.Failure != nil {
						n++
						if c.Failure.Message == "" || c.Failure.Type == "" {
							t.Errorf("suite %s: failure without message or type", s.Name)
						}
					}
				}
				if n != s.Failures {
					t.Errorf("suite %s: failures=%d but %d failing cases", s.Name, s.Failures, n)
				}
				tests += s.Tests
				fails += n
			}
			if tests != doc.Tests || fails != doc.Failures {
				t.Errorf("totals %d/%d do not add up to %d/%d", doc.Tests, doc.Failures, tests, fails)
			}
		})
	}
}

func TestJUnitSuitesSortedAndNamed(t *testing.T) {
	doc := parseJUnit(t, Result{Root: "repo", Paths: []string{"b.yaml", "a.yaml"}, Findings: []finding.Finding{
		{Pos: finding.Pos{File: "b.yaml", Line: 2}, Rule: "r", Severity: "error", Message: "m <&> \"q\""},
	}})
	var names []string
	for _, s := range doc.Suites {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "repo/a.yaml,repo/b.yaml" {
		t.Errorf("suites %s", got)
	}
	if f := doc.Suites[1].Cases[0].Failure; f == nil || f.Message != `m <&> "q"` || !strings.Contains(f.Body, "repo/b.yaml:2") {
		t.Errorf("failure %+v", f)
	}
}
