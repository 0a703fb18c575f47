package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// EvalErrorRule is the rule id of a finding for a policy that failed to
// evaluate (a runtime error or the deadline).
const EvalErrorRule = "policy/eval-error"

// docInput is one resource's inputs, converted once.
type docInput struct {
	kiln ast.Value // what built-in and kiln-style rules see
	raw  ast.Value // the document as written, what conftest policies see; nil without them
	doc  ast.Value // a component's AWSTOE document, also shown to conftest policies
	repo ast.Value // the resource in the repository-wide input; nil when left out
	err  error
}

// Evaluate runs every policy over every resource of repo, then the
// repository-wide rules, and returns the findings sorted, with waivers
// applied. Evaluation problems become findings (EvalErrorRule); the error
// is only for a cancelled ctx.
func (e *Engine) Evaluate(ctx context.Context, repo *model.Repository) ([]finding.Finding, error) {
	build := newInputBuilder(repo, e)
	// repoInputs are the resources in the repository-wide input, kept
	// from the per-document pass.
	repoInputs := make([]*ast.Term, len(repo.Resources))
	perDoc := make([][]finding.Finding, len(repo.Resources))

	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(e.workers, max(len(repo.Resources), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				res := repo.Resources[i]
				in := build.build(res)
				perDoc[i] = e.evalResource(ctx, res, in)
				if in.err == nil && in.repo != nil {
					repoInputs[i] = ast.NewTerm(in.repo)
				}
			}
		}()
	}
	for i := range repo.Resources {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("evaluate policies: %w", err)
	}

	var out []finding.Finding
	for _, fs := range perDoc {
		out = append(out, fs...)
	}
	byID := make(map[string]*model.Resource, len(repo.Resources))
	for _, r := range repo.Resources {
		byID[r.ID().String()] = r
	}
	out = append(out, e.evalRepository(ctx, repo, byID, repoInputs)...)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("evaluate policies: %w", err)
	}
	for i := range out {
		e.applyWaiver(&out[i], byID)
	}
	out = append(out, e.configFindings...)
	finding.Sort(out)
	return out, nil
}

func (e *Engine) evalResource(ctx context.Context, res *model.Resource, in docInput) []finding.Finding {
	if in.err != nil {
		return []finding.Finding{evalError(res, "input", in.err)}
	}
	var out []finding.Finding
	if info, _ := res.Kind.Info(); info.PolicyGroup == "" {
		// an unknown kind: the loader reports it
	} else if qs := e.groups[info.PolicyGroup]; qs != nil {
		pairs, errs := e.run(ctx, qs, in.kiln)
		for _, p := range pairs {
			if f, ok := e.builtinFinding(res, p); ok {
				out = append(out, f)
			}
		}
		for _, re := range errs {
			out = append(out, evalError(res, re.ref, re.err))
		}
	}
	if e.user != nil {
		inputs := []ast.Value{in.raw}
		if in.doc != nil {
			inputs = append(inputs, in.doc)
		}
		for i, input := range inputs {
			pairs, errs := e.run(ctx, e.user, input)
			for _, p := range pairs {
				if f, ok := e.userFinding(res, p, i == 1); ok {
					out = append(out, f)
				}
			}
			for _, re := range errs {
				out = append(out, evalError(res, re.ref, re.err))
			}
		}
	}
	return out
}

func (e *Engine) evalRepository(ctx context.Context, repo *model.Repository, byID map[string]*model.Resource, resources []*ast.Term) []finding.Finding {
	qs := e.groups[repositoryGroup]
	if qs == nil {
		return nil
	}
	terms := make([]*ast.Term, 0, len(resources))
	for _, t := range resources {
		if t != nil {
			terms = append(terms, t)
		}
	}
	input := ast.NewObject(
		ast.Item(keyResources, ast.ArrayTerm(terms...)),
		ast.Item(keyEnvironment, e.envTerm),
	)
	pairs, errs := e.run(ctx, qs, input)
	var out []finding.Finding
	for _, p := range pairs {
		obj, _ := p.value.(map[string]any)
		id, _ := obj["resource"].(string)
		res := byID[id]
		if res == nil {
			res = &model.Resource{File: configFile(repo)}
		}
		if f, ok := e.builtinFinding(res, p); ok {
			out = append(out, f)
		}
	}
	for _, re := range errs {
		out = append(out, evalError(&model.Resource{File: configFile(repo)}, re.ref, re.err))
	}
	return out
}

type pair struct {
	ref   string
	value any
}

type ruleError struct {
	ref string
	err error
}

// run evaluates the group's query; when it fails, each rule is evaluated on
// its own so one broken rule costs only its own results.
func (e *Engine) run(ctx context.Context, qs *querySet, input ast.Value) ([]pair, []ruleError) {
	pairs, err := e.eval(ctx, qs.all, input)
	if err == nil {
		return pairs, nil
	}
	if ctx.Err() != nil {
		return nil, nil
	}
	var errs []ruleError
	pairs = nil
	for _, rq := range qs.rules {
		q, err := rq.query(ctx)
		if err != nil {
			errs = append(errs, ruleError{ref: rq.ref, err: err})
			continue
		}
		p, err := e.eval(ctx, q, input)
		if err != nil {
			errs = append(errs, ruleError{ref: rq.ref, err: err})
			continue
		}
		pairs = append(pairs, p...)
	}
	return pairs, errs
}

func (e *Engine) eval(ctx context.Context, q rego.PreparedEvalQuery, input ast.Value) ([]pair, error) {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	rs, err := q.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		if topdown.IsCancel(err) || errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("evaluation exceeded the %s deadline", e.timeout)
		}
		return nil, err
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, nil
	}
	items, _ := rs[0].Expressions[0].Value.([]any)
	out := make([]pair, 0, len(items))
	for _, it := range items {
		pr, ok := it.([]any)
		if !ok || len(pr) != 2 {
			continue
		}
		ref, _ := pr[0].(string)
		out = append(out, pair{ref: ref, value: pr[1]})
	}
	return out, nil
}

func evalError(res *model.Resource, ref string, err error) finding.Finding {
	return finding.Finding{
		Pos:      res.Pos(),
		Rule:     EvalErrorRule,
		Severity: finding.SeverityError,
		Source:   finding.SourcePolicy,
		Message:  fmt.Sprintf("policy %s could not be evaluated: %s", ref, oneLine(err.Error())),
		Resource: resourceID(res),
	}
}

func resourceID(res *model.Resource) string {
	if res.Kind == "" {
		return ""
	}
	return res.ID().String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func configFile(repo *model.Repository) string {
	if repo.Config != nil && repo.Config.File != "" {
		return repo.Config.File
	}
	return model.ConfigFile
}
