package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// ConfigChangedRule is the rule id of a finding for a pull request that
// changes the settings or policies that judge it.
const ConfigChangedRule = "policy/config-changed"

// Sources are the policy inputs at one commit: .kiln.yaml and the users'
// policy files (path -> source).
type Sources struct {
	Config   *model.Config
	Policies map[string][]byte
}

// ConfigChangeFindings reports what a pull request changes in .kiln.yaml
// (environments, policy settings, waivers) and in policy files. A pull
// request is always judged by its base's rules, so these changes cannot
// weaken its own check; they take effect after merge, which is why a human
// must review them. The findings are medium: visible on the PR and in the
// summary, but not failing the default threshold (high), since a
// legitimate policy change would otherwise never pass; teams that want a
// hard gate set failOn: medium or guard the files with CODEOWNERS.
func ConfigChangeFindings(base, head Sources) []finding.Finding {
	var out []finding.Finding
	bc, hc := base.Config, head.Config
	if bc == nil {
		bc = model.DefaultConfig()
	}
	if hc == nil {
		hc = model.DefaultConfig()
	}
	file := hc.File
	if file == "" {
		file = model.ConfigFile
	}
	sections := []struct {
		path       []any
		what       string
		base, head any
	}{
		{[]any{"environments"}, "environments (accounts, regions, production flags)", bc.Environments, hc.Environments},
		{[]any{"policy", "waivers"}, "policy waivers", bc.Policy.Waivers, hc.Policy.Waivers},
		{[]any{"policy", "rules"}, "rule overrides (disabled or re-graded rules)", bc.Policy.Rules, hc.Policy.Rules},
		{[]any{"policy", "failOn"}, "the failing severity", bc.Policy.FailThreshold(), hc.Policy.FailThreshold()},
		{[]any{"policy", "data"}, "policy data (allowlists and thresholds)", bc.Policy.Data, hc.Policy.Data},
		{[]any{"policy", "bundles"}, "policy bundles", bc.Policy.Bundles, hc.Policy.Bundles},
		{[]any{"policy", "builtin"}, "the built-in bundle switch", bc.Policy.BuiltinEnabled(), hc.Policy.BuiltinEnabled()},
	}
	for _, s := range sections {
		if sameJSON(s.base, s.head) {
			continue
		}
		pos := finding.Pos{File: file}
		if hc.Node != nil {
			pos = model.LocateKey(file, hc.Node, s.path...)
		}
		out = append(out, changeFinding(pos, fmt.Sprintf("this pull request changes %s in %s; it is checked with the base branch's settings, and the change applies after merge: review it", s.what, file)))
	}
	for _, p := range slices.Sorted(maps.Keys(head.Policies)) {
		old, ok := base.Policies[p]
		switch {
		case !ok:
			out = append(out, changeFinding(finding.Pos{File: p}, "this pull request adds a policy file; it applies after merge: review it"))
		case !bytes.Equal(old, head.Policies[p]):
			out = append(out, changeFinding(finding.Pos{File: p}, "this pull request changes a policy file; the base version judged this pull request, the new one applies after merge: review it"))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(base.Policies)) {
		if _, ok := head.Policies[p]; !ok {
			out = append(out, changeFinding(finding.Pos{File: p}, "this pull request deletes a policy file; its rules stop applying after merge: review it"))
		}
	}
	finding.Sort(out)
	return out
}

func changeFinding(pos finding.Pos, msg string) finding.Finding {
	return finding.Finding{
		Pos: pos, Rule: ConfigChangedRule, Severity: finding.SeverityMedium, Source: finding.SourcePolicy,
		Message: msg, Title: "Policy settings changed",
		Remediation: "Have a security reviewer approve changes to .kiln.yaml, waivers and policies.",
	}
}

func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
