package check

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/validate"
)

// Base is what a check against a base commit keeps of it: the rules in
// force there (.kiln.yaml and the policy sources) and a digest per
// resource. The base's YAML is gone once LoadBase returns, so a pull
// request's base and head are never both loaded at once.
type Base struct {
	// Config is the base's .kiln.yaml, which judges the head.
	Config *model.Config
	// Policies are the base's policy files (path → source).
	Policies map[string][]byte

	baseline *validate.Baseline
}

// LoadBase loads the base tree under the Checker's memory budget and keeps
// only what Run needs of it. Problems inside the base are not reported:
// the pull request did not write them.
func (c *Checker) LoadBase(ctx context.Context, fsys fs.FS, limits loader.Options) (*Base, error) {
	release, err := c.budget.Reserve(ctx, estimate(fsys))
	if err != nil {
		return nil, fmt.Errorf("wait for memory to load the base: %w", err)
	}
	defer release()
	repo, _, err := loader.Load(ctx, fsys, limits)
	if err != nil {
		return nil, fmt.Errorf("load base: %w", err)
	}
	policies, err := readPolicies(fsys, repo)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	return &Base{Config: repo.Config, Policies: policies, baseline: validate.NewBaseline(repo)}, nil
}
