// Package validate checks a loaded repository as a whole: every resource
// against its schema, every component's AWSTOE document, version syntax,
// the references between resources, and, against the base commit of a pull
// request, that no versioned resource changed without a version bump.
package validate

import (
	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/schemas"
	"github.com/kiln-gitops/kiln/workflowdoc"
)

// Repository validates repo: settings and resources against the schemas,
// the bake settings against the environments,
// component documents against the AWSTOE rules, workflow documents against
// theirs, versions, and references.
// The findings are sorted by position.
func Repository(repo *model.Repository, v *schemas.Validator) []finding.Finding {
	if repo == nil {
		return nil
	}
	var out []finding.Finding
	out = append(out, v.Config(repo.Config)...)
	out = append(out, settings(repo.Config)...)
	for _, r := range repo.Resources {
		out = append(out, v.Resource(r)...)
		switch {
		case r.Document == nil:
		case r.Kind == model.KindComponent:
			out = append(out, document(r, v)...)
		case r.Kind == model.KindWorkflow:
			out = append(out, withResource(r, workflowdoc.Validate(r.Document))...)
		}
		out = append(out, versions(r)...)
	}
	out = append(out, references(repo)...)
	out = append(out, service(repo)...)
	finding.Sort(out)
	return out
}

// document checks a component's AWSTOE document. Where the AWSTOE rules
// and the document's schema both object to the same value, only the AWSTOE
// finding is kept: it knows the action modules and says more.
func document(r *model.Resource, v *schemas.Validator) []finding.Finding {
	out := toe(r.Document)
	seen := make(map[finding.Pos]bool, len(out))
	for _, f := range out {
		seen[f.Pos] = true
	}
	for _, f := range v.Document(r.Document) {
		if !seen[f.Pos] {
			out = append(out, f)
		}
	}
	return withResource(r, out)
}

// withResource names r on the findings about its document.
func withResource(r *model.Resource, out []finding.Finding) []finding.Finding {
	for i := range out {
		if out[i].Resource == "" {
			out[i].Resource = r.ID().String()
		}
	}
	return out
}

func newFinding(r *model.Resource, pos finding.Pos, rule, msg string) finding.Finding {
	return finding.Finding{
		Pos:      pos,
		Rule:     rule,
		Severity: finding.SeverityError,
		Source:   finding.SourceValidate,
		Message:  msg,
		Resource: r.ID().String(),
	}
}
