package policy

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// A coverage profile is a catalogue, optionally narrowed to a benchmark
// level: what `kiln policy coverage --profile` reports on.
type profile struct {
	name, catalogue string
	levels          []string // nil: every control
	about           string
}

var profiles = []profile{
	{"cis-al2023-l1", CatalogueCISAL2023, []string{"l1_server"}, "CIS Amazon Linux 2023 Benchmark, Level 1 Server"},
	{"cis-al2023-l2", CatalogueCISAL2023, []string{"l1_server", "l2_server"}, "CIS Amazon Linux 2023 Benchmark, Level 2 Server (includes Level 1)"},
	{"stig-rhel8", CatalogueSTIGRHEL8, nil, "DISA RHEL 8 STIG, every CAT level"},
	{"stig-rhel9", CatalogueSTIGRHEL9, nil, "DISA RHEL 9 STIG, every CAT level"},
	{"srg", CatalogueSRG, nil, "DISA General Purpose OS SRG (ids the SSG rules reference)"},
}

// Profiles are the names `kiln policy coverage --profile` accepts.
func Profiles() []string {
	out := make([]string, len(profiles))
	for i, p := range profiles {
		out[i] = p.name
	}
	return out
}

// CoverageRow is one control of a profile: which rules check it before
// the build and what AWS-managed hardening automates it during the build.
type CoverageRow struct {
	Control     string   `json:"control"`
	Title       string   `json:"title,omitempty"`
	Level       string   `json:"level,omitempty"`
	Status      string   `json:"status,omitempty"` // the benchmark's: automated, manual, …
	CheckedBy   []string `json:"checked_by"`       // kiln rule ids
	AutomatedBy string   `json:"automated_by"`     // "" when nothing does
}

// Coverage is a profile's controls with what covers them.
type Coverage struct {
	Profile   string        `json:"profile"`
	About     string        `json:"about"`
	Catalogue string        `json:"catalogue"`
	Version   string        `json:"version"`
	Controls  int           `json:"controls"`
	Checked   int           `json:"checked"`   // by at least one kiln rule
	Automated int           `json:"automated"` // by an AWS-managed hardening component
	Uncovered int           `json:"uncovered"` // by neither
	Rows      []CoverageRow `json:"rows"`
}

// ComputeCoverage lists a profile's controls with the rules (of rules,
// built-in and users') that cite them and, where AWS documents one, the
// AWS-managed hardening component that applies them:
//
//   - RHEL STIG controls: the stig-build-linux components apply the RHEL
//     STIG settings by CAT level (high applies CAT I–III, medium CAT II–III,
//     low CAT III), for the controls ComplianceAsCode automates; AWS's STIG
//     component documentation lists the exact settings of each version;
//   - CIS controls: the CIS hardening components (AWS Marketplace) apply a
//     benchmark level's automated controls;
//   - SRG controls and manual ones: nothing.
func ComputeCoverage(name string, rules []RuleInfo) (*Coverage, error) {
	i := slices.IndexFunc(profiles, func(p profile) bool { return p.name == name })
	if i < 0 {
		return nil, fmt.Errorf("unknown profile %q (want one of %s)", name, strings.Join(Profiles(), ", "))
	}
	p := profiles[i]
	cats, err := Catalogues()
	if err != nil {
		return nil, err
	}
	cat := cats[p.catalogue]
	citing := map[string][]string{}
	for _, r := range rules {
		for _, c := range r.Controls {
			ref, err := ParseControlRef(c)
			if err != nil || ref.Catalogue != p.catalogue {
				continue
			}
			if !slices.Contains(citing[ref.ID], r.ID) {
				citing[ref.ID] = append(citing[ref.ID], r.ID)
			}
		}
	}
	cov := &Coverage{Profile: p.name, About: p.about, Catalogue: cat.Name, Version: cat.Version}
	for _, ctl := range cat.Controls {
		level := strings.Join(ctl.Levels, ", ")
		if p.levels != nil && !slices.ContainsFunc(ctl.Levels, func(l string) bool { return slices.Contains(p.levels, l) }) {
			continue
		}
		row := CoverageRow{Control: ctl.ID, Title: ctl.Title, Level: level, Status: ctl.Status, CheckedBy: citing[ctl.ID], AutomatedBy: automatedBy(p, ctl)}
		if row.CheckedBy == nil {
			row.CheckedBy = []string{}
		}
		slices.Sort(row.CheckedBy)
		cov.Rows = append(cov.Rows, row)
		cov.Controls++
		if len(row.CheckedBy) > 0 {
			cov.Checked++
		}
		if row.AutomatedBy != "" {
			cov.Automated++
		}
		if len(row.CheckedBy) == 0 && row.AutomatedBy == "" {
			cov.Uncovered++
		}
	}
	return cov, nil
}

func automatedBy(p profile, ctl Control) string {
	if ctl.Status != "automated" {
		return ""
	}
	switch p.catalogue {
	case CatalogueSTIGRHEL8, CatalogueSTIGRHEL9:
		switch {
		case slices.Contains(ctl.Levels, "low"):
			return "stig-build-linux-low (or -medium, -high)"
		case slices.Contains(ctl.Levels, "medium"):
			return "stig-build-linux-medium (or -high)"
		case slices.Contains(ctl.Levels, "high"):
			return "stig-build-linux-high"
		}
	case CatalogueCISAL2023:
		switch {
		case slices.Contains(ctl.Levels, "l1_server"):
			return "CIS Amazon Linux 2023 Level 1 hardening component (AWS Marketplace)"
		case slices.Contains(ctl.Levels, "l2_server"):
			return "CIS Amazon Linux 2023 Level 2 hardening component (AWS Marketplace)"
		}
	}
	return ""
}

// WriteMarkdown writes the coverage as a Markdown report.
func (c *Coverage) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Coverage of %s\n\n%s (%s %s): %d controls; %d checked by kiln before the build, %d automated by an AWS-managed hardening component, %d by neither.\n\n",
		c.Profile, c.About, c.Catalogue, c.Version, c.Controls, c.Checked, c.Automated, c.Uncovered)
	b.WriteString("\"Automated by\" is by level: the AWS-managed STIG components apply the RHEL STIG settings of their CAT levels that ComplianceAsCode automates (AWS's STIG component documentation lists each version's settings); the CIS components those of their benchmark level.\n\n")
	b.WriteString("| control | title | level | checked by kiln | automated by |\n| --- | --- | --- | --- | --- |\n")
	for _, r := range c.Rows {
		checked := "—"
		if len(r.CheckedBy) > 0 {
			checked = strings.Join(r.CheckedBy, ", ")
		}
		auto := r.AutomatedBy
		if auto == "" {
			auto = "nothing"
			if r.Status != "" && r.Status != "automated" {
				auto += " (" + r.Status + ")"
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.Control, cell(r.Title), r.Level, checked, cell(auto))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCoverageSummary writes one line per profile: what `kiln policy
// coverage` prints without --profile.
func WriteCoverageSummary(w io.Writer, covs []*Coverage) error {
	var b strings.Builder
	b.WriteString("| profile | controls | checked by kiln | automated by AWS-managed hardening | neither |\n| --- | --- | --- | --- | --- |\n")
	for _, c := range covs {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d |\n", c.Profile, c.Controls, c.Checked, c.Automated, c.Uncovered)
	}
	b.WriteString("\nDetails: kiln policy coverage --profile <profile>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
