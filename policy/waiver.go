package policy

import (
	"fmt"
	"path"
	"time"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// WaiverInvalidRule is the rule id of a finding for a waiver kiln cannot use.
const WaiverInvalidRule = "policy/waiver-invalid"

type waiver struct {
	model.Waiver
	expires time.Time // the last instant the waiver applies
}

// parseWaivers reads the waivers of cfg; an unusable one (no rule, no
// resource, a bad date) is reported and ignored, so it never waives.
func parseWaivers(cfg *model.Config) ([]waiver, []finding.Finding) {
	var out []waiver
	var bad []finding.Finding
	for _, w := range cfg.Policy.Waivers {
		pos := w.Pos
		if pos.File == "" {
			pos.File = cfg.File
		}
		var problem string
		day, err := time.Parse(time.DateOnly, w.Expires)
		switch {
		case w.Rule == "":
			problem = "waiver has no rule"
		case w.Resource == "":
			problem = fmt.Sprintf("waiver for %s has no resource", w.Rule)
		case w.Justification == "":
			problem = fmt.Sprintf("waiver for %s on %s has no justification", w.Rule, w.Resource)
		case err != nil:
			problem = fmt.Sprintf("waiver for %s on %s: expires must be a date (YYYY-MM-DD), got %q", w.Rule, w.Resource, w.Expires)
		}
		if problem == "" {
			if _, err := path.Match(w.Resource, ""); err != nil {
				problem = fmt.Sprintf("waiver for %s: resource %q is not a valid pattern: %v", w.Rule, w.Resource, err)
			}
		}
		if problem != "" {
			bad = append(bad, finding.Finding{Pos: pos, Rule: WaiverInvalidRule, Severity: finding.SeverityError, Source: finding.SourcePolicy, Message: problem})
			continue
		}
		// A waiver is good through the whole expiry day, in UTC.
		out = append(out, waiver{Waiver: w, expires: day.UTC().Add(24*time.Hour - time.Nanosecond)})
	}
	return out, bad
}

// applyWaiver attaches the best matching waiver to f: a live one if any,
// else an expired one, which no longer waives and says so in the message.
func (e *Engine) applyWaiver(f *finding.Finding, byID map[string]*model.Resource) {
	if f.Rule == EvalErrorRule || f.Source != finding.SourcePolicy || len(e.waivers) == 0 {
		return
	}
	res := byID[f.Resource]
	if res == nil {
		return
	}
	var expired *waiver
	for i := range e.waivers {
		w := &e.waivers[i]
		if !matchRule(w.Rule, f.Rule) || !matchResource(w.Resource, res) {
			continue
		}
		if !e.now.After(w.expires) {
			f.Waiver = &finding.Waiver{Justification: w.Justification, Expires: w.expires, File: w.Pos.File, Line: w.Pos.Line}
			return
		}
		if expired == nil {
			expired = w
		}
	}
	if expired != nil {
		f.Waiver = &finding.Waiver{Justification: expired.Justification, Expires: expired.expires, File: expired.Pos.File, Line: expired.Pos.Line, Expired: true}
		f.Message += fmt.Sprintf(" (waiver expired on %s)", expired.Expires)
	}
}

func matchRule(pattern, rule string) bool {
	if pattern == rule {
		return true
	}
	ok, _ := path.Match(pattern, rule)
	return ok
}

// WaiverCovers reports whether a waiver's rule and resource patterns
// match rule and res, as a finding is matched.
func WaiverCovers(w model.Waiver, rule string, res *model.Resource) bool {
	return matchRule(w.Rule, rule) && matchResource(w.Resource, res)
}

// matchResource matches a waiver's resource against the resource's name,
// Kind/name and Kind/name@version, exactly or as a glob.
func matchResource(pattern string, res *model.Resource) bool {
	for _, cand := range []string{res.Metadata.Name, string(res.Kind) + "/" + res.Metadata.Name, res.ID().String()} {
		if pattern == cand {
			return true
		}
		if ok, _ := path.Match(pattern, cand); ok {
			return true
		}
	}
	return false
}
