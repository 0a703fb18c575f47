package validate

import (
	"fmt"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// settings checks what the schema of .kiln.yaml cannot: that the
// environment pull requests bake into is one of the environments, and not
// a production one.
func settings(c *model.Config) []finding.Finding {
	if c == nil || c.Bake.PREnvironment == "" {
		return nil
	}
	name := c.Bake.PREnvironment
	at := model.Locate(c.File, c.Node, "bake", "prEnvironment")
	env, ok := c.Environments.Get(name)
	switch {
	case !ok:
		names := make([]string, len(c.Environments))
		for i, e := range c.Environments {
			names[i] = e.Name
		}
		have := "there are none"
		if len(names) > 0 {
			have = "the environments are " + strings.Join(names, ", ")
		}
		return []finding.Finding{configFinding(at, "ref/environment",
			fmt.Sprintf("bake.prEnvironment: environment %s is not defined; %s", name, have))}
	case env.Production:
		return []finding.Finding{configFinding(at, "config/pr-environment",
			fmt.Sprintf("bake.prEnvironment: %s is a production environment; pull requests may only bake into a non-production one", name))}
	}
	return nil
}

func configFinding(pos finding.Pos, rule, msg string) finding.Finding {
	return finding.Finding{
		Pos:      pos,
		Rule:     rule,
		Severity: finding.SeverityError,
		Source:   finding.SourceValidate,
		Message:  msg,
	}
}
