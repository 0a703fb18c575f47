// Package check runs the read-only half of kiln's data flow on one
// repository: load → validate → policy. `kiln check` and the pull-request
// job both call it, so what a user sees locally is what the PR shows.
package check

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"sync"
	"time"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/policy"
	"github.com/kiln-gitops/kiln/schemas"
	"github.com/kiln-gitops/kiln/validate"
)

// Input names the trees to check.
type Input struct {
	// Head is the tree under review.
	Head fs.FS
	// Base, when set, is the commit Head is compared against (see
	// Checker.LoadBase): immutability is checked against it and policies,
	// waivers and .kiln.yaml are read from it, never from Head, so a change
	// cannot weaken the rules judging it.
	Base *Base
	// ExtraPolicies are policy files given outside the repository (path →
	// source), e.g. `kiln check --policy DIR`.
	ExtraPolicies map[string][]byte
	// Environment selects environment-dependent rules (production pinning).
	Environment string
	// Now decides waiver expiry; zero means time.Now().
	Now time.Time
	// Limits bound what the loader reads.
	Limits loader.Options
	// Folder, when set, is the part of Head (slash-separated, relative to
	// its root) whose findings are reported; the whole repository is still
	// loaded, so references from the folder resolve.
	Folder string
	// Hold keeps the run's share of the Checker's memory budget after Run
	// returns, until Result.Release: for a caller that goes on working with
	// the result (a pull-request job planning and reporting), so that other
	// jobs wait until it is done with the trees. Without it the share ends
	// with Run.
	Hold bool
	// AllowEmpty lets a check without any resource (in Folder) pass; by
	// default that is a failing finding, so a wrong folder or roots setting
	// never passes as green.
	AllowEmpty bool
}

// Result is everything a report needs.
type Result struct {
	Head *model.Repository
	Base *Base // nil without a base
	// Config is the effective configuration: the base's when there is a base.
	Config *model.Config
	// Validation holds loader, schema, AWSTOE, reference and immutability
	// findings; Policy holds policy results, including config-change notices.
	Validation []finding.Finding
	Policy     []finding.Finding
	// Changed are the resources new or changed against the base (all
	// resources without a base).
	Changed []*model.Resource

	folder  string // Input.Folder
	release func() // the budget share held for Input.Hold
}

// Release gives back the memory budget a run with Input.Hold kept; it is
// safe to call more than once, and on a nil Result.
func (r *Result) Release() {
	if r != nil && r.release != nil {
		r.release()
	}
}

// FailOn is the effective failing severity.
func (r *Result) FailOn() finding.Severity { return r.Config.Policy.FailThreshold() }

// Findings returns validation and policy findings together, sorted: those
// of the checked folder and of .kiln.yaml.
func (r *Result) Findings() []finding.Finding {
	all := make([]finding.Finding, 0, len(r.Validation)+len(r.Policy))
	all = append(all, r.Validation...)
	all = append(all, r.Policy...)
	finding.Sort(all)
	return scoped(r.folder, all)
}

// Failed reports whether the check fails.
func (r *Result) Failed() bool {
	failing, _ := finding.Count(r.Findings(), r.FailOn())
	return failing > 0
}

// Checker holds what is compiled once and reused across runs, and the
// memory budget its runs share.
type Checker struct {
	schemas *schemas.Validator
	budget  *Budget
}

// Option configures a Checker.
type Option func(*Checker)

// WithBudget shares a memory budget of total estimated bytes among the
// Checker's loads (the default is DefaultBudget; <= 0: unbounded).
func WithBudget(total int64) Option {
	return func(c *Checker) { c.budget = NewBudget(total) }
}

// New compiles the embedded schemas.
func New(opts ...Option) (*Checker, error) {
	v, err := schemas.New()
	if err != nil {
		return nil, fmt.Errorf("compile schemas: %w", err)
	}
	c := &Checker{schemas: v, budget: NewBudget(DefaultBudget)}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Run checks in.Head. A returned error means the check could not run
// (unreadable tree, policy that does not compile, cancelled context);
// problems in the repository are findings.
func (c *Checker) Run(ctx context.Context, in Input) (*Result, error) {
	release, err := c.budget.Reserve(ctx, estimate(in.Head))
	if err != nil {
		return nil, fmt.Errorf("wait for memory to load: %w", err)
	}
	res, err := c.run(ctx, in)
	if err != nil || !in.Hold {
		release()
		return res, err
	}
	res.release = release
	return res, nil
}

func (c *Checker) run(ctx context.Context, in Input) (*Result, error) {
	head, headFindings, err := loader.Load(ctx, in.Head, in.Limits)
	if err != nil {
		return nil, fmt.Errorf("load head: %w", err)
	}
	res := &Result{Head: head, Base: in.Base, Config: head.Config, folder: in.Folder}
	res.Validation = append(res.Validation, headFindings...)

	// Validation only reads head, as the policies do: it runs while they
	// compile and evaluate.
	var (
		validation []finding.Finding
		validating sync.WaitGroup
	)
	validating.Go(func() { validation = validate.Repository(head, c.schemas) })
	policyFindings, err := c.evaluatePolicies(ctx, in, res)
	validating.Wait()
	if err != nil {
		return nil, err
	}
	res.Validation = append(res.Validation, validation...)
	res.Policy = append(res.Policy, withoutSchemaInvalid(policyFindings, validation)...)
	if !in.AllowEmpty && len(res.Resources()) == 0 {
		res.Validation = append(res.Validation, emptyFinding(in.Folder, res.Config))
	}
	finding.Sort(res.Validation)
	finding.Sort(res.Policy)
	return res, nil
}

// evaluatePolicies sets res.Config and res.Changed, and returns the policy
// findings: config-change notices against the base, then every policy's
// results on the head. Policies are read from the base when there is one,
// never the head.
func (c *Checker) evaluatePolicies(ctx context.Context, in Input, res *Result) ([]finding.Finding, error) {
	head, base := res.Head, res.Base
	var out []finding.Finding
	userPolicies, err := readPolicies(in.Head, head)
	if err != nil {
		return nil, err
	}
	if base != nil {
		res.Config = base.Config
		res.Validation = append(res.Validation, validate.Immutability(base.baseline, head)...)
		res.Changed = validate.ChangedResources(base.baseline, head)
		out = append(out, policy.ConfigChangeFindings(
			policy.Sources{Config: base.Config, Policies: base.Policies},
			policy.Sources{Config: head.Config, Policies: userPolicies})...)
		userPolicies = maps.Clone(base.Policies)
	} else {
		res.Changed = head.Resources
	}

	for p, src := range in.ExtraPolicies {
		userPolicies[p] = src
	}
	opts := policy.Options{
		Config:       res.Config,
		UserPolicies: userPolicies,
		Builtin:      res.Config.Policy.BuiltinEnabled(),
		Now:          in.Now,
	}
	if in.Environment != "" {
		env, ok := res.Config.Environments.Get(in.Environment)
		if !ok {
			return nil, fmt.Errorf("environment %q is not in %s", in.Environment, res.Config.File)
		}
		opts.Environment = &env
	}
	engine, err := policy.New(ctx, opts)
	if err != nil {
		return nil, err
	}
	results, err := engine.Evaluate(ctx, head)
	if err != nil {
		return nil, fmt.Errorf("evaluate policies: %w", err)
	}
	out = append(out, results...)
	return append(out, unmatchedSettings(res.Config, head, engine.RuleIDs(), results)...), nil
}

// withoutSchemaInvalid drops the policy findings about resources that fail
// their schema: a policy reading a misspelt or misshapen field sees it as
// absent and reports a false finding ("no component installs OS updates")
// next to the schema error that is the real problem.
func withoutSchemaInvalid(policy, validation []finding.Finding) []finding.Finding {
	invalid := map[string]bool{}
	for _, f := range validation {
		if f.Rule == "schema" && f.Resource != "" {
			invalid[f.Resource] = true
		}
	}
	if len(invalid) == 0 {
		return policy
	}
	out := policy[:0:0]
	for _, f := range policy {
		if !invalid[f.Resource] {
			out = append(out, f)
		}
	}
	return out
}

func readPolicies(fsys fs.FS, repo *model.Repository) (map[string][]byte, error) {
	out := make(map[string][]byte, len(repo.PolicyFiles))
	for _, p := range repo.PolicyFiles {
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("read policy %s: %w", p, err)
		}
		out[p] = b
	}
	return out, nil
}
