package validate

import (
	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// service checks what the schemas cannot express and Image Builder would
// refuse only after the merge: schedules, per-build AMI names, ARNs that
// name another environment's region or account, duplicate regions.
func service(repo *model.Repository) []finding.Finding {
	var out []finding.Finding
	for _, r := range repo.Resources {
		switch r.Kind {
		case model.KindImagePipeline:
			out = append(out, schedule(r)...)
		case model.KindDistributionConfiguration:
			out = append(out, distributions(r)...)
		}
		out = append(out, arns(r, repo.Config.Environments)...)
	}
	return out
}

// str is the string at path in a plain value, if there is one.
func str(v any, path ...any) (string, bool) {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return "", false
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return "", false
			}
			v = l[k]
		}
	}
	s, ok := v.(string)
	return s, ok
}

func list(v any, path ...any) []any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p.(string)]
	}
	l, _ := v.([]any)
	return l
}
