package reconciler

import (
	"context"
	"fmt"

	"github.com/kiln-gitops/kiln/model"
)

// PlanOptions tunes PlanEnvironment.
type PlanOptions struct {
	// Fields compares every resource with the repository field by field
	// (CompareFields), as drift detection does; without it only the live
	// resources kiln did not make are read, to settle their adoption.
	Fields bool
}

// PlanEnvironment is the plan every caller makes: it lists env through ib,
// plans desired against it (Build) and, when ib can read live specs
// (SpecReader), settles the adoption of what kiln did not make (Adopt)
// and, with opts.Fields, compares the rest field by field. Without a
// SpecReader, a resource kiln did not make stays an error.
func PlanEnvironment(ctx context.Context, ib ImageBuilder, env model.Environment, desired *model.Repository, opts PlanOptions) (*Plan, error) {
	actual, err := ib.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", env.Name, err)
	}
	plan := Build(env, desired, actual)
	sr, ok := ib.(SpecReader)
	if !ok {
		return plan, nil
	}
	read := actual
	if !opts.Fields {
		// Reading a spec costs a call per resource: only the few kiln has
		// to compare before adopting are read.
		if read = plan.unadopted(); len(read) == 0 {
			return plan, nil
		}
	}
	specs, err := sr.LiveSpecs(ctx, actual, read)
	if err != nil {
		return nil, fmt.Errorf("read %s field by field: %w", env.Name, err)
	}
	Adopt(desired, plan, specs)
	if opts.Fields {
		CompareFields(desired, plan, specs)
	}
	return plan, nil
}
