// Package report renders findings and plans for every place users see
// them: the `kiln check` outputs (text, JSON, SARIF, JUnit, GitHub Actions
// workflow commands), check-run outputs and annotations, and the sticky pull
// request comment. Every function is a pure renderer: no I/O beyond the
// io.Writer it is given, no clock, no environment.
package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/reconciler"
)

// Format is a `kiln check` output format.
type Format string

const (
	FormatText   Format = "text"
	FormatJSON   Format = "json"
	FormatSARIF  Format = "sarif"
	FormatJUnit  Format = "junit"
	FormatGitHub Format = "github"
)

// Formats lists every format, in the order help texts show them.
func Formats() []Format {
	return []Format{FormatText, FormatJSON, FormatSARIF, FormatJUnit, FormatGitHub}
}

// ParseFormat reads a --format value (case-insensitive).
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	all := Formats()
	if slices.Contains(all, f) {
		return f, nil
	}
	return "", fmt.Errorf("unknown output format %q: want one of %s", s, strings.Join(FormatNames(), ", "))
}

// FormatNames are the formats' names, for help texts and completion.
func FormatNames() []string {
	all := Formats()
	names := make([]string, len(all))
	for i, f := range all {
		names[i] = string(f)
	}
	return names
}

// Result is what one `kiln check` run found.
type Result struct {
	// Root is the directory checked, as the user named it. Finding files
	// are relative to it; text, JUnit and GitHub outputs show root/file so
	// paths work from where kiln ran, and SARIF URIs are relative to
	// %SRCROOT% (declared as Root when Root is absolute).
	Root string
	// SourceRoot, when set, is the absolute folder code scanning resolves
	// paths against (the Git top level, else Root), declared in SARIF as
	// %SRCROOT%; RootInSource is Root's slash path below it ("." or
	// "images"), so SARIF URIs are relative to the repository, wherever
	// kiln ran and however Root was named.
	SourceRoot   string
	RootInSource string
	Findings     []finding.Finding
	FailOn       finding.Severity
	Files        int // files looked at
	// Paths optionally lists the files checked (relative to Root), so that
	// JUnit can report files without findings as passing test cases.
	Paths       []string
	Resources   int
	Plan        []*reconciler.Plan // nil when no plan was computed
	ToolVersion string
}

// Write renders r in format to w. Text is written without colour; use
// WriteText for colour.
func Write(w io.Writer, format Format, r Result) error {
	switch format {
	case FormatText:
		return WriteText(w, r, TextOptions{})
	case FormatJSON:
		return WriteJSON(w, r)
	case FormatSARIF:
		return WriteSARIF(w, r)
	case FormatJUnit:
		return WriteJUnit(w, r)
	case FormatGitHub:
		return WriteGitHub(w, r)
	}
	return fmt.Errorf("write report: unknown format %q", format)
}

// sorted returns a sorted copy, so renderers never reorder the caller's
// slice.
func sorted(fs []finding.Finding) []finding.Finding {
	out := slices.Clone(fs)
	finding.Sort(out)
	return out
}

// severityOrder is the order summaries list severities in.
var severityOrder = []finding.Severity{
	finding.SeverityError, finding.SeverityCritical, finding.SeverityHigh,
	finding.SeverityMedium, finding.SeverityLow, finding.SeverityInfo,
}

// Counts tallies findings for summaries.
type Counts struct {
	Total   int
	Failing int // findings that fail at the threshold
	Waived  int // covered by a live waiver; counted nowhere else
	Expired int // matched an expired waiver (and so count as usual)
	// BySeverity counts findings that are not waived, by severity; unknown
	// severities count as medium, as finding.Severity.Rank does.
	BySeverity map[finding.Severity]int
}

// Count tallies fs against failOn.
func Count(fs []finding.Finding, failOn finding.Severity) Counts {
	c := Counts{Total: len(fs), BySeverity: map[finding.Severity]int{}}
	for _, f := range fs {
		switch {
		case f.Waived():
			c.Waived++
			continue
		case f.Waiver != nil && f.Waiver.Expired:
			c.Expired++
		}
		if f.Fails(failOn) {
			c.Failing++
		}
		c.BySeverity[normSeverity(f.Severity)]++
	}
	return c
}

// Pass reports whether nothing fails.
func (c Counts) Pass() bool { return c.Failing == 0 }

func normSeverity(s finding.Severity) finding.Severity {
	if s.Valid() {
		return s
	}
	return finding.SeverityMedium
}

// severityList renders "2 errors, 0 critical, 1 high, …".
func (c Counts) severityList() string {
	parts := make([]string, 0, len(severityOrder))
	for _, s := range severityOrder {
		n := c.BySeverity[s]
		name := string(s)
		if s == finding.SeverityError && n != 1 {
			name = "errors"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, name))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// failOnLabel names the threshold as finding.Fails applies it.
func failOnLabel(s finding.Severity) string {
	if s.Valid() {
		return string(s)
	}
	return string(finding.SeverityMedium)
}
