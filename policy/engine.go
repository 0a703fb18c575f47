// Package policy evaluates compliance policies written in Rego against a
// loaded repository: kiln's built-in STIG/CIS bundle and the users' own
// conftest-style policies. The policy set is compiled and prepared once per
// Engine and evaluated many times with pre-converted inputs; an Engine is
// safe for concurrent use.
package policy

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// DefaultTimeout bounds one evaluation (one document, or the repository-wide
// pass) when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Options configure an Engine.
type Options struct {
	// Config is .kiln.yaml from the base commit: rule overrides, policy
	// data (data.kiln.config), waivers. Nil means the defaults.
	Config *model.Config
	// UserPolicies are the users' Rego files (path -> source), read from
	// the base commit by the caller (see ReadFiles); *_test.rego files are
	// skipped. They follow conftest's conventions: deny, violation and warn
	// rules (and deny_… variants) in any package, returning a message or an
	// object with msg (and optionally severity, id, title, controls,
	// remediation, path), evaluated with the document as written as input.
	// Rules users add to the kiln.<group> packages with a METADATA custom.id
	// are evaluated like built-in ones, with kiln's richer input.
	UserPolicies map[string][]byte
	// Builtin turns on the built-in bundle.
	Builtin bool
	// Environment the repository is checked for; production environments
	// get the stricter rules. Nil evaluates as non-production.
	Environment *model.Environment
	// Now decides which waivers have expired; zero means time.Now().
	Now time.Time
	// Timeout bounds each evaluation; zero means DefaultTimeout.
	Timeout time.Duration
	// Workers evaluating documents concurrently; zero means GOMAXPROCS.
	Workers int
}

// Engine is a compiled, prepared policy set.
type Engine struct {
	timeout time.Duration
	workers int
	now     time.Time
	env     map[string]any
	envTerm *ast.Term // env as policy input
	// repoKinds are the kinds the repository-wide rules look at (see
	// repositoryKinds); nil means all.
	repoKinds map[model.Kind]bool
	// eagerInputs turns off lazy inputs (see inputBuilder.build) for
	// policies that write into the input with `with input.… as`.
	eagerInputs bool
	rules       map[string]model.RuleConfig
	infos       map[string]RuleInfo // by ref
	waivers     []waiver
	// configFindings are problems with the policy settings themselves
	// (a waiver with a bad date), reported with every evaluation.
	configFindings []finding.Finding

	groups map[string]*querySet // kiln group ("component", …, "repository") -> rules
	user   *querySet
}

// querySet is one prepared query returning every rule's results of a group,
// plus one query per rule, used to isolate a rule that fails.
type querySet struct {
	all   rego.PreparedEvalQuery
	rules []*ruleQuery
}

// ruleQuery is one rule's query, prepared the first time a group's query
// fails: that is rare, and preparing them all up front was a quarter of
// the cost of New.
type ruleQuery struct {
	ref     string
	prepare func(context.Context) (rego.PreparedEvalQuery, error)

	once sync.Once
	q    rego.PreparedEvalQuery
	err  error
}

func (rq *ruleQuery) query(ctx context.Context) (rego.PreparedEvalQuery, error) {
	rq.once.Do(func() { rq.q, rq.err = rq.prepare(ctx) })
	return rq.q, rq.err
}

const repositoryGroup = "repository"

// isKindGroup reports whether g is the rule package of a kind
// (model.KindInfo.PolicyGroup).
func isKindGroup(g string) bool {
	for _, k := range model.Kinds() {
		if info, _ := k.Info(); info.PolicyGroup == g {
			return true
		}
	}
	return false
}

// wrapperFile names the generated module; no file of a repository can have
// this name, so it never replaces a user's policy.
const wrapperFile = "<kiln>/kiln_eval.rego"

// New compiles and prepares the policy set. A policy that does not parse or
// compile returns a *CompileError.
func New(ctx context.Context, opts Options) (*Engine, error) {
	cfg := opts.Config
	if cfg == nil {
		cfg = model.DefaultConfig()
	}
	e := &Engine{
		timeout: opts.Timeout,
		workers: opts.Workers,
		now:     opts.Now,
		rules:   cfg.Policy.Rules,
		env:     map[string]any{"name": "", "production": false},
	}
	if e.timeout <= 0 {
		e.timeout = DefaultTimeout
	}
	if e.workers <= 0 {
		e.workers = min(runtime.GOMAXPROCS(0), 8)
	}
	if e.now.IsZero() {
		e.now = time.Now()
	}
	if opts.Environment != nil {
		e.env = map[string]any{"name": opts.Environment.Name, "production": opts.Environment.Production}
	}
	e.waivers, e.configFindings = parseWaivers(cfg)
	envVal, err := ast.InterfaceToValue(e.env)
	if err != nil {
		return nil, fmt.Errorf("environment input: %w", err)
	}
	e.envTerm = ast.NewTerm(envVal)

	files := map[string][]byte{}
	if opts.Builtin {
		b, err := bundleFiles(false)
		if err != nil {
			return nil, fmt.Errorf("read built-in bundle: %w", err)
		}
		maps.Copy(files, b)
	}
	user := map[string][]byte{}
	for name, src := range opts.UserPolicies {
		// Users' tests are for `kiln policy test`; they are not policies.
		if !strings.HasSuffix(name, "_test.rego") {
			user[name] = src
		}
	}
	maps.Copy(files, user)
	mods, err := parseModules(files, true)
	if err != nil {
		return nil, err
	}
	for name, m := range mods {
		if _, isUser := user[name]; isUser && len(m.Package.Path) > 1 && ast.StringTerm("kiln_eval").Equal(m.Package.Path[1]) {
			return nil, &CompileError{Problems: []Problem{{Pos: finding.Pos{File: name, Line: m.Package.Location.Row, Column: m.Package.Location.Col}, Message: "package kiln_eval is reserved"}}}
		}
	}
	// The rules' METADATA is read from the parsed modules: compiling them
	// on their own first, only to report their errors before the generated
	// wrapper's, cost a third of New. That compile now runs only when
	// something is wrong (see policyErrors).
	annotations, errs := ast.BuildAnnotationSet(sortedModules(mods))
	if len(errs) > 0 {
		return nil, policyErrors(mods, errs)
	}
	e.infos = ruleInfos(annotations)
	groups, userRefs, problems := e.discover(mods)
	if len(problems) > 0 {
		return nil, policyErrors(mods, &CompileError{Problems: problems})
	}

	e.repoKinds = e.repositoryKinds(groups[repositoryGroup], mods, user)
	e.eagerInputs = replacesInputParts(mods)

	wrapper := wrapperModule(groups, userRefs)
	wm, err := ast.ParseModuleWithOpts(wrapperFile, wrapper, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, fmt.Errorf("generated wrapper: %w", err)
	}
	withWrapper := maps.Clone(mods)
	withWrapper[wrapperFile] = wm
	compiler := ast.NewCompiler()
	if compiler.Compile(withWrapper); compiler.Failed() {
		return nil, policyErrors(mods, compiler.Errors)
	}

	data := cfg.Policy.Data
	if data == nil {
		data = map[string]any{}
	}
	store := inmem.NewFromObject(map[string]any{"kiln": map[string]any{"config": data}})

	e.groups = map[string]*querySet{}
	for g, refs := range groups {
		qs, err := prepare(ctx, compiler, store, "data.kiln_eval."+g, refs)
		if err != nil {
			return nil, err
		}
		e.groups[g] = qs
	}
	if len(userRefs) > 0 {
		if e.user, err = prepare(ctx, compiler, store, "data.kiln_eval.user", userRefs); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// policyErrors reports what is wrong with the policies: the errors of
// compiling them on their own when there are any (so a broken policy is
// reported as written, not as the generated wrapper sees it), otherwise
// err.
func policyErrors(mods map[string]*ast.Module, err error) error {
	c := ast.NewCompiler()
	if c.Compile(mods); c.Failed() {
		return compileErrorFrom(c.Errors)
	}
	return compileErrorFrom(err)
}

func sortedModules(mods map[string]*ast.Module) []*ast.Module {
	out := make([]*ast.Module, 0, len(mods))
	for _, name := range slices.Sorted(maps.Keys(mods)) {
		out = append(out, mods[name])
	}
	return out
}

// discover lists the rules that produce findings: in the kiln.<group>
// packages, rules with a METADATA custom.id; anywhere else, conftest's
// deny/violation/warn rules (and their deny_… variants). Disabled rules are
// left out so they cost nothing.
func (e *Engine) discover(mods map[string]*ast.Module) (groups map[string][]string, user []string, problems []Problem) {
	groups = map[string][]string{}
	seen := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(mods)) {
		m := mods[name]
		pkg := refString(m.Package.Path)
		for _, r := range m.Rules {
			head := r.Head.Ref()
			if !head.IsGround() {
				continue
			}
			ref := pkg + "." + refString(head)
			if seen[ref] {
				continue
			}
			if g, ok := strings.CutPrefix(pkg, "kiln."); ok && (isKindGroup(g) || g == repositoryGroup) {
				info, ok := e.infos[ref]
				if !ok || info.ID == ref || e.rules[info.ID].Disabled {
					continue
				}
				if r.Head.RuleKind() != ast.MultiValue {
					problems = append(problems, Problem{
						Pos:     finding.Pos{File: r.Location.File, Line: r.Location.Row, Column: r.Location.Col},
						Message: fmt.Sprintf("rule %s has a METADATA custom.id but is not a set rule: write `%s contains result if { … }`", info.ID, refString(head)),
					})
					continue
				}
				seen[ref] = true
				groups[g] = append(groups[g], ref)
				continue
			}
			if pkg == "kiln" || strings.HasPrefix(pkg, "kiln.") {
				continue
			}
			if conftestKind(refString(head)) == "" || e.rules[ref].Disabled {
				continue
			}
			seen[ref] = true
			user = append(user, ref)
		}
	}
	return groups, user, problems
}

// repositoryKinds are the kinds of resources the repository-wide input
// needs: those the rules name in METADATA custom.input_kinds. Leaving out
// the others (the thousands of components, mostly) keeps the input, which
// lives until the end of the evaluation, small. Any rule without the
// declaration, or any user module in the package (it may add a body to a
// built-in rule), means every kind.
func (e *Engine) repositoryKinds(refs []string, mods map[string]*ast.Module, user map[string][]byte) map[model.Kind]bool {
	for name := range user {
		if m := mods[name]; m != nil && refString(m.Package.Path) == "kiln."+repositoryGroup {
			return nil
		}
	}
	kinds := map[model.Kind]bool{}
	for _, ref := range refs {
		info := e.infos[ref]
		if info.inputKinds == nil {
			return nil
		}
		for _, k := range info.inputKinds {
			kinds[model.Kind(k)] = true
		}
	}
	return kinds
}

// replacesInputParts reports whether a policy replaces part of the input
// (`with input.x as y`): OPA then inserts into a copy of the input, which
// for a lazy input is the input itself.
func replacesInputParts(mods map[string]*ast.Module) bool {
	found := false
	for _, m := range mods {
		ast.WalkWiths(m, func(w *ast.With) bool {
			if ref, ok := w.Target.Value.(ast.Ref); ok && len(ref) > 1 && ref.HasPrefix(ast.InputRootRef) {
				found = true
			}
			return found
		})
	}
	return found
}

// conftestKind classifies a rule name as conftest does.
func conftestKind(name string) string {
	for _, k := range []string{"deny", "violation", "warn"} {
		if name == k || strings.HasPrefix(name, k+"_") {
			return k
		}
	}
	return ""
}

// wrapperModule collects every finding rule of a group into one set of
// [ref, result] pairs so one evaluation serves the whole group.
func wrapperModule(groups map[string][]string, user []string) string {
	var b strings.Builder
	b.WriteString("package kiln_eval\n\n")
	for _, g := range slices.Sorted(maps.Keys(groups)) {
		for _, ref := range groups[g] {
			fmt.Fprintf(&b, "%s contains [%q, r] if { some r in %s }\n", g, ref, dataRef(ref))
		}
	}
	for _, ref := range user {
		fmt.Fprintf(&b, "user contains [%q, r] if { some r in %s }\n", ref, dataRef(ref))
	}
	return b.String()
}

// dataRef turns "a.b-c.d" into data.a["b-c"].d.
func dataRef(ref string) string {
	r := ast.Ref{ast.DefaultRootDocument}
	for _, p := range strings.Split(ref, ".") {
		r = append(r, ast.StringTerm(p))
	}
	return r.String()
}

func prepare(ctx context.Context, c *ast.Compiler, store storage.Store, query string, refs []string) (*querySet, error) {
	opts := func(q string) []func(*rego.Rego) {
		return []func(*rego.Rego){rego.Compiler(c), rego.Store(store), rego.Query(q)}
	}
	all, err := rego.New(opts(query)...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", query, compileErrorFrom(err))
	}
	qs := &querySet{all: all}
	for _, ref := range refs {
		query := fmt.Sprintf("[[%q, r] | some r in %s]", ref, dataRef(ref))
		qs.rules = append(qs.rules, &ruleQuery{ref: ref, prepare: func(ctx context.Context) (rego.PreparedEvalQuery, error) {
			q, err := rego.New(opts(query)...).PrepareForEval(ctx)
			if err != nil {
				return q, fmt.Errorf("prepare %s: %w", ref, compileErrorFrom(err))
			}
			return q, nil
		}})
	}
	return qs, nil
}

// Rules describes every rule the engine evaluates, for `kiln policy list`
// and SARIF rule metadata.
func (e *Engine) Rules() []RuleInfo {
	var out []RuleInfo
	for _, qs := range e.groups {
		for _, rq := range qs.rules {
			out = append(out, e.infos[rq.ref])
		}
	}
	slices.SortFunc(out, func(a, b RuleInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// RuleIDs are the ids (custom.id, else the ref) of every rule of the loaded
// policies, also those .kiln.yaml disables: a setting or waiver for a rule
// that does not exist is a typo to report.
func (e *Engine) RuleIDs() []string {
	out := make([]string, 0, len(e.infos))
	for _, info := range e.infos {
		out = append(out, info.ID)
	}
	// Rules without METADATA (conftest's deny, warn, …) go by their ref.
	for _, qs := range e.groups {
		for _, rq := range qs.rules {
			out = append(out, rq.ref)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
