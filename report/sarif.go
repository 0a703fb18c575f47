package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
)

const (
	sarifSchema    = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion   = "2.1.0"
	informationURI = "https://github.com/kiln-gitops/kiln"
	srcRoot        = "%SRCROOT%"
	// fingerprintKey names kiln's own partial fingerprint; GitHub keeps
	// alerts stable across runs when it does not change.
	fingerprintKey = "kiln/v1"
)

// The SARIF subset kiln writes. Field names follow the SARIF 2.1.0 schema;
// properties GitHub code scanning reads are noted.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool       sarifTool `json:"tool"`
		ColumnKind string    `json:"columnKind"`
		// OriginalURIBaseIDs declares %SRCROOT% when the root is absolute.
		OriginalURIBaseIDs map[string]sarifArtifactBase `json:"originalUriBaseIds,omitempty"`
		Results            []sarifResult                `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Version        string      `json:"version,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		Name                 string         `json:"name"`
		ShortDescription     sarifText      `json:"shortDescription"`
		FullDescription      sarifText      `json:"fullDescription"`
		Help                 sarifHelp      `json:"help"`
		DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
		Properties           sarifRuleProps `json:"properties"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifRuleProps struct {
		Tags []string `json:"tags"`
		// SecuritySeverity is a CVSS-like score as a string; GitHub maps it
		// to critical (≥ 9), high (≥ 7), medium (≥ 4) or low.
		SecuritySeverity string `json:"security-severity,omitempty"`
	}
	sarifResult struct {
		RuleID              string             `json:"ruleId"`
		RuleIndex           int                `json:"ruleIndex"`
		Level               string             `json:"level"`
		Message             sarifText          `json:"message"`
		Locations           []sarifLocation    `json:"locations,omitempty"`
		PartialFingerprints map[string]string  `json:"partialFingerprints"`
		Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
		Properties          *sarifResultProps  `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           sarifRegion   `json:"region"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId"`
	}
	sarifArtifactBase struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	sarifSuppression struct {
		Kind          string `json:"kind"`
		Justification string `json:"justification,omitempty"`
	}
	sarifResultProps struct {
		Severity string `json:"severity"`
		Resource string `json:"resource,omitempty"`
		Source   string `json:"source,omitempty"`
	}
)

// securitySeverity is the score GitHub code scanning ranks policy alerts by.
var securitySeverity = map[finding.Severity]string{
	finding.SeverityCritical: "9.5",
	finding.SeverityHigh:     "8.0",
	finding.SeverityMedium:   "5.5",
	finding.SeverityLow:      "3.0",
}

// WriteSARIF writes r as a SARIF 2.1.0 log with one run, as GitHub code
// scanning accepts it.
func WriteSARIF(w io.Writer, r Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(buildSARIF(r)); err != nil {
		return fmt.Errorf("write sarif report: %w", err)
	}
	return nil
}

func buildSARIF(r Result) sarifLog {
	fs := sorted(r.Findings)
	run := sarifRun{
		Tool:       sarifTool{Driver: sarifDriver{Name: "kiln", InformationURI: informationURI, Version: r.ToolVersion, Rules: []sarifRule{}}},
		ColumnKind: "unicodeCodePoints", // yaml.v3 counts columns in runes
		Results:    make([]sarifResult, 0, len(fs)),
	}
	if r.SourceRoot != "" {
		run.OriginalURIBaseIDs = map[string]sarifArtifactBase{srcRoot: {URI: sourceBase(r)}}
	}
	index := map[string]int{}
	seen := map[string]int{}
	for _, f := range fs {
		if f.Rule == "" {
			f.Rule = "kiln/unnamed" // GitHub needs a rule id on every result
		}
		i, ok := index[f.Rule]
		if !ok {
			i = len(run.Tool.Driver.Rules)
			index[f.Rule] = i
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(f))
		} else {
			mergeRule(&run.Tool.Driver.Rules[i], f)
		}
		res := sarifResult{
			RuleID:    f.Rule,
			RuleIndex: i,
			Level:     resultLevel(f, r.FailOn),
			Message:   sarifText{Text: sarifMessage(f)},
			Properties: &sarifResultProps{
				Severity: string(f.Severity), Resource: f.Resource, Source: string(f.Source),
			},
		}
		uri, base := sarifLocationOf(r.Root, f.File)
		if r.SourceRoot != "" {
			uri = sourceURI(r, f.File)
		} else if base != "" {
			run.OriginalURIBaseIDs = map[string]sarifArtifactBase{srcRoot: {URI: base}}
		}
		if uri != "" {
			res.Locations = []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: uri, URIBaseID: srcRoot},
				Region:           sarifRegion{StartLine: max(f.Line, 1), StartColumn: max(f.Column, 0)},
			}}}
		}
		fp := fingerprint(f.Rule, uri, f.Message)
		seen[fp]++
		// Identical findings in one file (same rule and message on other
		// lines) get an occurrence number, as GitHub's own hashes do.
		res.PartialFingerprints = map[string]string{fingerprintKey: fmt.Sprintf("%s:%d", fp, seen[fp])}
		if f.Waived() {
			res.Suppressions = []sarifSuppression{{Kind: "external", Justification: waiverJustification(f.Waiver)}}
		}
		run.Results = append(run.Results, res)
	}
	return sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
}

func sarifRuleFor(f finding.Finding) sarifRule {
	short, full := f.Title, f.Description
	if doc, ok := finding.DescribeRule(f.Rule); ok && short == "" {
		short, full = doc.Title, doc.Description
		if f.Remediation == "" {
			f.Remediation = doc.Help
		}
	}
	if short == "" {
		short = f.Rule
	}
	if full == "" {
		full = short
	}
	rule := sarifRule{
		ID:                   f.Rule,
		Name:                 ruleName(f.Rule),
		ShortDescription:     sarifText{Text: short},
		FullDescription:      sarifText{Text: full},
		Help:                 ruleHelp(f, full),
		DefaultConfiguration: sarifConfig{Level: severityLevel(f.Severity)},
		Properties:           sarifRuleProps{Tags: ruleTags(f)},
	}
	if f.Source == finding.SourcePolicy {
		rule.Properties.SecuritySeverity = securitySeverity[normSeverity(f.Severity)]
	}
	return rule
}

// mergeRule keeps the most severe default level when one rule id is
// reported at several severities (validation rules are always "error";
// user policies may vary).
func mergeRule(r *sarifRule, f finding.Finding) {
	if levelRank(severityLevel(f.Severity)) > levelRank(r.DefaultConfiguration.Level) {
		r.DefaultConfiguration.Level = severityLevel(f.Severity)
	}
	if f.Source == finding.SourcePolicy {
		s := securitySeverity[normSeverity(f.Severity)]
		if score(s) > score(r.Properties.SecuritySeverity) {
			r.Properties.SecuritySeverity = s
		}
	}
}

func score(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return -1
	}
	return v
}

func levelRank(l string) int {
	switch l {
	case "error":
		return 2
	case "warning":
		return 1
	}
	return 0
}

// ruleName turns a rule id into the PascalCase identifier SARIF suggests
// for reportingDescriptor.name ("toe/unknown-action" → "ToeUnknownAction").
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	if b.Len() == 0 {
		return "Rule"
	}
	return b.String()
}

func ruleTags(f finding.Finding) []string {
	tags := []string{string(f.Source)}
	if f.Source == finding.SourcePolicy {
		tags = append(tags, "security", "compliance")
	}
	return append(tags, f.Controls...)
}

func ruleHelp(f finding.Finding, full string) sarifHelp {
	text := []string{full}
	md := []string{mdText(full)}
	if f.Remediation != "" {
		text = append(text, "Remediation: "+f.Remediation)
		md = append(md, "**Remediation:** "+mdText(f.Remediation))
	}
	if len(f.Controls) > 0 {
		text = append(text, "Controls: "+strings.Join(f.Controls, ", "))
		codes := make([]string, len(f.Controls))
		for i, c := range f.Controls {
			codes[i] = "`" + mdCode(c) + "`"
		}
		md = append(md, "**Controls:** "+strings.Join(codes, ", "))
	}
	return sarifHelp{Text: strings.Join(text, "\n\n"), Markdown: strings.Join(md, "\n\n")}
}

// severityLevel maps a severity to a SARIF level for a rule's default.
func severityLevel(s finding.Severity) string {
	switch normSeverity(s) {
	case finding.SeverityError, finding.SeverityCritical, finding.SeverityHigh:
		return "error"
	case finding.SeverityInfo:
		return "note"
	}
	return "warning"
}

// resultLevel says what the finding does at this threshold: "error" fails
// the check, "warning" does not, "note" is informational.
func resultLevel(f finding.Finding, failOn finding.Severity) string {
	switch {
	case f.Fails(failOn):
		return "error"
	case normSeverity(f.Severity) == finding.SeverityInfo:
		return "note"
	}
	return "warning"
}

func sarifMessage(f finding.Finding) string {
	msg := f.Message
	if msg == "" {
		msg = f.Rule
	}
	if f.Resource != "" {
		msg += " (" + f.Resource + ")"
	}
	if f.Waiver != nil && f.Waiver.Expired {
		msg += " [" + waiverText(f.Waiver) + "]"
	}
	return msg
}

func waiverJustification(w *finding.Waiver) string {
	s := w.Justification
	if !w.Expires.IsZero() {
		s += " (until " + w.Expires.Format("2006-01-02") + ")"
	}
	return strings.TrimSpace(s)
}

// fingerprint is a stable hash of what identifies a finding across runs
// and line moves.
func fingerprint(rule, uri, message string) string {
	h := sha256.New()
	for _, s := range []string{rule, uri, message} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
