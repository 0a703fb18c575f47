package policy

import (
	"fmt"
	"io"
	"strings"
)

// Doc writes the rule catalogue (id, title, severity, controls with their
// catalogue titles, description, remediation) from the rules' METADATA as
// Markdown, as `conftest doc` does for a conftest bundle. `kiln policy doc`
// prints it and the built-in rules section of policy/README.md is it.
func Doc(w io.Writer, rules []RuleInfo) error {
	cats, err := Catalogues()
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("| id | severity | title | controls |\n| --- | --- | --- | --- |\n")
	for _, r := range rules {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s |\n", r.ID, anchor(r.ID), r.Severity, cell(r.Title), cell(strings.Join(r.Controls, ", ")))
	}
	for _, r := range rules {
		fmt.Fprintf(&b, "\n### %s\n\n**%s** (%s; %s)\n\n", r.ID, r.Title, r.Severity, scopeText(r.Scope))
		if r.Description != "" {
			fmt.Fprintf(&b, "%s\n\n", oneParagraph(r.Description))
		}
		if len(r.Controls) > 0 {
			b.WriteString("Controls:\n\n")
			for _, c := range r.Controls {
				fmt.Fprintf(&b, "- `%s`%s\n", c, controlTitle(cats, c))
			}
			b.WriteString("\n")
		}
		if r.Remediation != "" {
			fmt.Fprintf(&b, "Remediation: %s\n\n", oneParagraph(r.Remediation))
		}
		fmt.Fprintf(&b, "Rule: `data.%s` in `%s`\n", r.Ref, strings.TrimPrefix(r.File, "builtin/"))
	}
	_, err = io.WriteString(w, b.String())
	return err
}

func scopeText(scope string) string {
	switch scope {
	case ScopeOS:
		return "image content"
	case ScopeAWS:
		return "AWS settings"
	}
	return scope
}

// controlTitle is " — <title>" for a control the catalogues name.
func controlTitle(cats map[string]*Catalogue, c string) string {
	ref, err := ParseControlRef(c)
	if err != nil {
		return ""
	}
	cat, ok := cats[ref.Catalogue]
	if !ok {
		return ""
	}
	ctl, ok := cat.Control(ref.ID)
	if !ok || ctl.Title == "" {
		return ""
	}
	return " — " + ctl.Title
}

// anchor is the GitHub heading anchor of an id.
func anchor(id string) string { return strings.ToLower(id) }

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func oneParagraph(s string) string { return strings.Join(strings.Fields(s), " ") }
