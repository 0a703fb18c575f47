package check

import (
	"context"
	"fmt"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
	"github.com/kiln-gitops/kiln/report"
)

// Plan lists env's actual state through ib, plans the checked head against
// it and, for new components, asks Image Builder's dryRun for a verdict
// (only CreateComponent takes dryRun; the other kinds rely on kiln's own
// validation). It returns the plan, its section for reports, and the plan's
// errors as findings.
func Plan(ctx context.Context, res *Result, env model.Environment, ib reconciler.ImageBuilder) (*reconciler.Plan, report.PlanSection, []finding.Finding, error) {
	actual, err := ib.List(ctx)
	if err != nil {
		sec := Section(&reconciler.Plan{Environment: env})
		sec.Note = fmt.Sprintf("could not read Image Builder: %v", err)
		return nil, sec, nil, fmt.Errorf("list %s: %w", env.Name, err)
	}
	plan := reconciler.Build(env, res.Head, actual)
	for i, c := range plan.Changes {
		if c.Action != reconciler.ActionCreate || c.Kind != model.KindComponent {
			continue
		}
		_, err := ib.Create(ctx, c.Resource, nil, reconciler.ClientToken("dry-run", env.Name, c.ID(), c.Digest), nil, true)
		if err != nil {
			plan.Changes[i].DryRun = "would fail: " + err.Error()
		} else {
			plan.Changes[i].DryRun = "would succeed"
		}
	}
	return plan, Section(plan), plan.Findings(), nil
}

// Section is a plan as the reports show it.
func Section(p *reconciler.Plan) report.PlanSection {
	sec := report.PlanSection{Environment: p.Environment.Name, Account: p.Environment.Account, Region: p.Environment.Region}
	for _, c := range p.Changes {
		a := report.Action(c.Action)
		reason := c.Reason
		if c.Action == reconciler.ActionDelete {
			a = report.ActionOrphaned
		}
		sec.Changes = append(sec.Changes, report.Change{Action: a, Kind: c.Kind, Name: c.Name, Version: c.Version, Reason: reason, DryRun: c.DryRun})
	}
	for _, b := range p.Bakes {
		sec.Bakes = append(sec.Bakes, report.BakeOn{Pipeline: b.Pipeline, Reasons: b.Reasons})
	}
	return sec
}
