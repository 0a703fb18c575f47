package check

import (
	"fmt"
	"path"
	"slices"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/policy"
)

// Rule ids of the warnings for settings in .kiln.yaml that have no effect.
const (
	UnusedWaiverRule = "config/unused-waiver"
	UnknownRuleRule  = "config/unknown-rule"
)

// unmatchedSettings warns about waivers whose rule or resource matches
// nothing and rule settings that name no rule: a typo there silently
// waives or re-grades nothing. A waiver that matches an existing rule and
// resource is kept quiet even when that rule does not fire now: it may
// fire for another environment (production rules).
func unmatchedSettings(cfg *model.Config, repo *model.Repository, ids []string, results []finding.Finding) []finding.Finding {
	var out []finding.Finding
	file := cfg.File
	if file == "" {
		file = model.ConfigFile
	}
	known := func(pattern string) bool {
		return slices.ContainsFunc(ids, func(id string) bool {
			ok, _ := path.Match(pattern, id)
			return ok || pattern == id
		})
	}
	warn := func(pos finding.Pos, rule, msg string) {
		out = append(out, finding.Finding{Pos: pos, Rule: rule, Severity: finding.SeverityLow, Source: finding.SourcePolicy, Message: msg})
	}
	for i, w := range cfg.Policy.Waivers {
		pos := w.Pos
		if pos.File == "" {
			pos.File = file
		}
		if pos.Line == 0 {
			pos = model.Locate(file, cfg.Node, "policy", "waivers", i)
		}
		// An unusable waiver (no rule, a bad date) is an error already.
		if w.Rule == "" || w.Resource == "" || slices.ContainsFunc(results, func(f finding.Finding) bool {
			return f.Rule == policy.WaiverInvalidRule && f.File == pos.File && f.Line == pos.Line
		}) {
			continue
		}
		switch {
		case !known(w.Rule):
			warn(pos, UnusedWaiverRule, fmt.Sprintf("waiver for %s on %s: no rule has the id %s, so it waives nothing; fix the rule id", w.Rule, w.Resource, w.Rule))
		case !slices.ContainsFunc(repo.Resources, func(r *model.Resource) bool {
			return policy.WaiverCovers(model.Waiver{Rule: "*", Resource: w.Resource}, "", r)
		}):
			warn(pos, UnusedWaiverRule, fmt.Sprintf("waiver for %s on %s: no resource is %s, so it waives nothing; fix the resource (a name, Kind/name or Kind/name@version, globs allowed) or remove the waiver", w.Rule, w.Resource, w.Resource))
		}
	}
	names := make([]string, 0, len(cfg.Policy.Rules))
	for id := range cfg.Policy.Rules {
		names = append(names, id)
	}
	slices.Sort(names)
	for _, id := range names {
		if !slices.Contains(ids, id) {
			warn(model.LocateKey(file, cfg.Node, "policy", "rules", id), UnknownRuleRule,
				fmt.Sprintf("policy.rules.%s: no rule has this id, so the setting does nothing; fix the id (see policy/README.md for the built-in rules)", id))
		}
	}
	return out
}
