package main

import (
	"context"

	"github.com/kiln-gitops/kiln/policy"
)

// policyRules are the rules `kiln policy doc` and `kiln policy coverage`
// report on: the built-in bundle's (unless builtin is false) and the
// kiln-style rules (METADATA custom.id in a kiln.<group> package) of the
// policies in dirs.
func policyRules(ctx context.Context, dirs []string, builtin bool) ([]policy.RuleInfo, error) {
	files, err := readPolicyDirs(dirs)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	if !builtin && len(files) == 0 {
		return nil, usageErrorf("no .rego files found and --builtin=false")
	}
	e, err := policy.New(ctx, policy.Options{Builtin: builtin, UserPolicies: files})
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return e.Rules(), nil
}
