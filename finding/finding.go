// Package finding is the one result shape every stage of kiln produces:
// loader and validator errors, policy results and plan errors all become
// Findings, so reports (text, SARIF, check-run annotations, the PR comment)
// handle them in one way.
package finding

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Severity orders findings. Validation problems are always SeverityError;
// policy rules carry one of the graded severities.
type Severity string

const (
	SeverityError    Severity = "error" // the repository is invalid: always fails
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
	SeverityInfo     Severity = "info"
)

// Rank gives a comparable weight; unknown severities rank as medium so a
// typo in a user's policy never silently hides a result.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 5
	case SeverityCritical:
		return 4
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	case SeverityInfo:
		return 0
	}
	return 2
}

// Valid reports whether s is one of the known severities.
func (s Severity) Valid() bool {
	switch s {
	case SeverityError, SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo:
		return true
	}
	return false
}

// AtLeast reports whether s is as severe as threshold or more.
func (s Severity) AtLeast(threshold Severity) bool { return s.Rank() >= threshold.Rank() }

// Source says which stage produced a finding.
type Source string

const (
	SourceValidate Source = "validate"
	SourcePolicy   Source = "policy"
	SourcePlan     Source = "plan"
)

// Pos is a place in a file of the repository. Line and Column are 1-based;
// zero means unknown (the finding is about the whole file).
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// String is "file:line:column". Control and bidirectional formatting
// characters in the file name are escaped (`\x1b`, `\u202e`): a file name
// is the repository author's text and must not drive a terminal or hide
// what a check run shows.
func (p Pos) String() string {
	file := EscapeControl(p.File)
	switch {
	case p.Line == 0:
		return file
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", file, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", file, p.Line, p.Column)
}

// EscapeControl writes control characters (C0, DEL, C1) and Unicode's
// bidirectional formatting characters in s as Go escapes, leaving the
// rest as it is.
func EscapeControl(s string) string {
	if !strings.ContainsFunc(s, needsEscape) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !needsEscape(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return unicode.IsControl(r) || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// Waiver records why a policy finding does not count.
type Waiver struct {
	Justification string    `json:"justification"`
	Expires       time.Time `json:"expires"`
	File          string    `json:"file,omitempty"`
	Line          int       `json:"line,omitempty"`
	Expired       bool      `json:"expired,omitempty"` // matched, but no longer waives
}

// Finding is one problem at one place.
type Finding struct {
	Pos
	Rule     string   `json:"rule"`     // stable id: "schema", "toe/unknown-action", "KILN-INF-001"
	Severity Severity `json:"severity"` // see Severity
	Source   Source   `json:"source"`
	Message  string   `json:"message"`
	Resource string   `json:"resource,omitempty"` // "Component/ssh-hardening@1.2.0"

	// Policy metadata; empty for validation findings.
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Controls    []string `json:"controls,omitempty"`
	Remediation string   `json:"remediation,omitempty"`
	Waiver      *Waiver  `json:"waiver,omitempty"`
	// Suggestion is replacement text for the line at Pos (for example a bumped
	// version) that a review comment can offer as a suggested change.
	Suggestion string `json:"suggestion,omitempty"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: %s [%s] %s", f.Pos, f.Severity, f.Rule, f.Message)
}

// Waived reports whether a live (not expired) waiver covers the finding.
func (f Finding) Waived() bool { return f.Waiver != nil && !f.Waiver.Expired }

// Fails reports whether the finding fails a check whose threshold is failOn.
// Validation errors always fail; waived findings never do.
func (f Finding) Fails(failOn Severity) bool {
	if f.Waived() {
		return false
	}
	if f.Severity == SeverityError {
		return true
	}
	return f.Severity.AtLeast(failOn)
}

// Sort orders findings by file, line, column, rule and message, so every
// output is deterministic.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Count tallies findings that fail at failOn, and the rest.
func Count(fs []Finding, failOn Severity) (failing, other int) {
	for _, f := range fs {
		if f.Fails(failOn) {
			failing++
		} else {
			other++
		}
	}
	return failing, other
}
