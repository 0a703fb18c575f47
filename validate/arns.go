package validate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

const (
	ruleLiteralRegion  = "arn/literal-region"
	ruleLiteralAccount = "arn/literal-account"
)

// arnParts splits arn:partition:service:region:account:resource.
var arnParts = regexp.MustCompile(`^arn:(aws[a-z-]*):([a-z0-9-]+):([^:]*):([^:]*):(.+)$`)

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// arns finds ARNs whose literal region or account differs from an
// environment the repository is applied to. Every environment reconciles
// the whole repository, so such an ARN names the wrong resource in at
// least one of them; {region} and {account} are filled in per environment.
//
// Regions are not checked inside a distribution's entries (each names its
// own region), accounts only when they are another environment's (a
// shared-services account that is no environment is a deliberate choice),
// and Organizations ARNs not at all (their account is the management one).
// KMS keys are exempt from the account check: a key in one account that
// other accounts may use through its key policy is the usual way to share
// encrypted AMIs.
func arns(r *model.Resource, envs model.Environments) []finding.Finding {
	if len(envs) == 0 {
		return nil
	}
	accounts := map[string]string{} // account → environment
	for _, e := range envs {
		accounts[e.Account] = e.Name
	}
	var out []finding.Finding
	walkStrings(r.Value, nil, func(path []any, s string) {
		m := arnParts.FindStringSubmatch(s)
		if m == nil || m[2] == "organizations" {
			return
		}
		region, account := m[3], m[4]
		inDistribution := r.Kind == model.KindDistributionConfiguration && len(path) > 1 && path[1] == "distributions"
		where := "spec" + pathText(path[1:])
		if region != "" && !strings.Contains(region, "{") && !inDistribution {
			if e := firstEnv(envs, func(e model.Environment) bool { return e.Region != region }); e != nil {
				out = append(out, newFinding(r, r.At(path...), ruleLiteralRegion, fmt.Sprintf(
					"%s: the ARN names region %s, but environment %s is in %s; write {region}: %s",
					where, region, e.Name, e.Region, replaceField(m, 3, "{region}"))))
			}
		}
		if owner, ok := accounts[account]; ok && accountID.MatchString(account) && m[2] != "kms" {
			if e := firstEnv(envs, func(e model.Environment) bool { return e.Account != account }); e != nil {
				out = append(out, newFinding(r, r.At(path...), ruleLiteralAccount, fmt.Sprintf(
					"%s: the ARN names account %s of environment %s, but environment %s is account %s; write {account}: %s",
					where, account, owner, e.Name, e.Account, replaceField(m, 4, "{account}"))))
			}
		}
	})
	return out
}

func firstEnv(envs model.Environments, pred func(model.Environment) bool) *model.Environment {
	i := slices.IndexFunc(envs, pred)
	if i < 0 {
		return nil
	}
	return &envs[i]
}

// replaceField is the ARN with one field replaced by a placeholder.
func replaceField(m []string, i int, placeholder string) string {
	parts := slices.Clone(m[1:])
	parts[i-1] = placeholder
	return "arn:" + strings.Join(parts, ":")
}

// walkStrings calls fn with the path of every string under spec.
func walkStrings(v map[string]any, _ []any, fn func(path []any, s string)) {
	var walk func(v any, path []any)
	walk = func(v any, path []any) {
		switch x := v.(type) {
		case string:
			fn(path, x)
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(x[k], append(slices.Clone(path), k))
			}
		case []any:
			for i, e := range x {
				walk(e, append(slices.Clone(path), i))
			}
		}
	}
	if spec, ok := v["spec"]; ok {
		walk(spec, []any{"spec"})
	}
}

// pathText renders a path below spec as .a.b[0].c.
func pathText(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch k := p.(type) {
		case string:
			b.WriteString("." + k)
		case int:
			fmt.Fprintf(&b, "[%d]", k)
		}
	}
	return b.String()
}
