package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
)

// The JUnit XML shape most CI parsers (Jenkins, GitLab, GitHub test
// reporters, Azure DevOps) read: testsuites > testsuite > testcase with
// <failure>, <skipped> and <system-out>.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Time     string      `xml:"time,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Classname string        `xml:"classname,attr"`
		Name      string        `xml:"name,attr"`
		File      string        `xml:"file,attr,omitempty"`
		Line      int           `xml:"line,attr,omitempty"`
		Time      string        `xml:"time,attr"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		Skipped   *junitSkipped `xml:"skipped,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Body    string `xml:",chardata"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
)

// WriteJUnit writes one testsuite per file and one testcase per finding.
// Failing findings are failures, waived ones are skipped, the others pass
// with their message in system-out; a file without findings gets one
// passing test case. Plans are not part of this format.
func WriteJUnit(w io.Writer, r Result) error {
	doc := buildJUnit(r)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	return nil
}

func buildJUnit(r Result) junitSuites {
	byFile := map[string][]finding.Finding{}
	for _, f := range sorted(r.Findings) {
		byFile[f.File] = append(byFile[f.File], f)
	}
	names := make([]string, 0, len(byFile)+len(r.Paths))
	for name := range byFile {
		names = append(names, name)
	}
	for _, p := range r.Paths {
		if _, ok := byFile[p]; !ok {
			byFile[p] = nil
			names = append(names, p)
		}
	}
	slices.Sort(names)
	doc := junitSuites{Name: "kiln", Time: "0"}
	for _, name := range names {
		shown := displayPath(r.Root, name)
		s := junitSuite{Name: xmlSafe(shown), Time: "0"}
		if name == "" {
			s.Name = noFile
		}
		for _, f := range byFile[name] {
			c := junitCase{Classname: s.Name, Name: junitName(f), File: xmlSafe(shown), Line: f.Line, Time: "0"}
			switch {
			case f.Waived():
				c.Skipped = &junitSkipped{Message: waiverText(f.Waiver)}
				s.Skipped++
			case f.Fails(r.FailOn):
				c.Failure = &junitFailure{Message: xmlSafe(f.Message), Type: xmlSafe(f.Rule), Body: xmlSafe(junitBody(shown, f))}
				s.Failures++
			default:
				c.SystemOut = xmlSafe(junitBody(shown, f))
			}
			s.Cases = append(s.Cases, c)
		}
		if len(s.Cases) == 0 {
			s.Cases = []junitCase{{Classname: s.Name, Name: "no findings", File: xmlSafe(shown), Time: "0"}}
		}
		s.Tests = len(s.Cases)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, s)
	}
	if len(doc.Suites) == 0 {
		// An empty report reads as "no tests ran" in several CI parsers.
		doc.Suites = []junitSuite{{Name: "kiln", Tests: 1, Time: "0", Cases: []junitCase{{Classname: "kiln", Name: "no findings", Time: "0"}}}}
		doc.Tests = 1
	}
	return doc
}

func junitName(f finding.Finding) string {
	name := f.Rule
	if p := textPos(f); p != "-" {
		name += " at " + p
	}
	if f.Resource != "" {
		name += " (" + f.Resource + ")"
	}
	return xmlSafe(name)
}

func junitBody(file string, f finding.Finding) string {
	head := fmt.Sprintf("%s [%s] %s", f.Severity, f.Rule, f.Message)
	if file != "" {
		pos := f.Pos
		pos.File = file
		head = pos.String() + ": " + head
	}
	lines := []string{head}
	lines = append(lines, textDetails(f)...)
	return strings.Join(lines, "\n")
}

// xmlSafe drops characters XML 1.0 cannot carry at all (encoding/xml
// would replace them with U+FFFD; dropping keeps messages readable).
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
