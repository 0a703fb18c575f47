package check

import (
	"context"
	"errors"
	"fmt"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// Plan lists env's actual state through ib, plans the checked head against
// it (settling the adoption of resources made outside kiln) and, for new
// resources of kinds whose create takes dryRun, asks Image Builder for a
// verdict (the other kinds rely on kiln's own validation).
// It returns the plan and the plan's errors as findings; when Image
// Builder cannot be read, the plan carries the reason as its Note.
func Plan(ctx context.Context, res *Result, env model.Environment, ib reconciler.ImageBuilder) (*reconciler.Plan, []finding.Finding, error) {
	plan, err := reconciler.PlanEnvironment(ctx, ib, env, res.Head, reconciler.PlanOptions{})
	if err != nil {
		plan := &reconciler.Plan{Environment: env, Note: fmt.Sprintf("could not read Image Builder: %v", err)}
		return plan, nil, err
	}
	for i, c := range plan.Changes {
		if c.Action != reconciler.ActionCreate {
			continue
		}
		_, err := ib.Create(ctx, c.Resource, nil, reconciler.ClientToken("dry-run", env.Name, c.ID().String(), c.Digest), nil, true)
		switch {
		case errors.Is(err, reconciler.ErrNoDryRun):
		case err != nil:
			plan.Changes[i].DryRun = "would fail: " + err.Error()
		default:
			plan.Changes[i].DryRun = "would succeed"
		}
	}
	return plan, plan.Findings(), nil
}
