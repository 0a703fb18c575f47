package policy

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kiln-gitops/kiln/model"
)

// Keys of the inputs, built once: looking a string up in OPA's interning
// table, or allocating it, for every key of every document shows in
// profiles. They are never modified.
var (
	keyID          = ast.StringTerm("id")
	keyKind        = ast.StringTerm("kind")
	keyName        = ast.StringTerm("name")
	keyVersion     = ast.StringTerm("version")
	keyFile        = ast.StringTerm("file")
	keyEnvironment = ast.StringTerm("environment")
	keyCommands    = ast.StringTerm("commands")
	keyResources   = ast.StringTerm("resources")
	keyIndex       = ast.StringTerm("index")
	keyArn         = ast.StringTerm("arn")
	keyResolved    = ast.StringTerm("resolved")
	keyDescription = ast.StringTerm("description")
	keyTags        = ast.StringTerm("tags")
	keyPlatform    = ast.StringTerm("platform")
	keyText        = ast.StringTerm("text")
	keyLower       = ast.StringTerm("lower")
	keyTarget      = ast.StringTerm("target")
	keyLine        = ast.StringTerm("line")
	keyLang        = ast.StringTerm("lang")
	keyHardening   = ast.StringTerm("hardening")
	keyPath        = ast.StringTerm("path")
	keyValue       = ast.StringTerm("value")
	keyPhases      = ast.StringTerm("phases")
	keySteps       = ast.StringTerm("steps")
	keyInputs      = ast.StringTerm("inputs")
	keyPhase       = ast.StringTerm("phase")
	keyAction      = ast.StringTerm("action")
)

// inputBuilder converts the resources of one repository into the inputs
// policies see. It is shared by the workers of one Evaluate and caches
// what many resources share: the summary of a component, which every recipe
// using it shows.
type inputBuilder struct {
	repo *model.Repository
	env  *ast.Term
	// raw keeps the document as written, for users' conftest policies.
	raw bool
	// repoKinds are the kinds the repository-wide rules look at; nil means
	// every kind.
	repoKinds map[model.Kind]bool
	// eager converts inputs at once instead of lazily (see build).
	eager bool

	mu       sync.Mutex
	resolved map[*model.Resource]*ast.Term
}

func newInputBuilder(repo *model.Repository, e *Engine) *inputBuilder {
	return &inputBuilder{
		repo: repo, env: e.envTerm, raw: e.user != nil, repoKinds: e.repoKinds, eager: e.eagerInputs,
		resolved: map[*model.Resource]*ast.Term{},
	}
}

// build converts a resource into the inputs policies see, once:
//
//   - kiln-style rules get {id, kind, name, version, file, metadata, spec,
//     environment{name, production}} plus, for components, "document" (the
//     resolved AWSTOE document), "commands" (effective shell commands, see
//     extractCommands) with "command_index" (the same commands by the words
//     the built-in rules look for), "step_index" (the document's steps by
//     action) and "secret_candidates", and for recipes
//     "components" (each reference with the repository component it
//     resolves to);
//   - conftest-style rules get the document exactly as written, which is
//     what `conftest test` passes for a YAML file, and, for components, the
//     AWSTOE document too, as conftest would see a separate AWSTOE file;
//   - the repository-wide input gets the identifying fields, metadata and
//     spec of the resources of the kinds its rules look at.
//
// The inputs are lazy objects (ast.LazyObject) over the loader's values:
// OPA converts a value only when a rule first reads it, and rules read a
// small part of most documents (the indexes and commands are built in Go),
// while converting everything was most of the cost of building inputs. A
// lazy object caches what it converts, so it must not be read by two
// evaluations at once: each input is evaluated by one goroutine, and an
// eager object would convert a lazy value inside it at once (to hash it),
// so lazy values only ever sit inside lazy objects. OPA's `with input.x as
// y` writes into a copy of the input, but a lazy object's copy is itself:
// an engine whose policies use it builds its inputs eagerly (see
// Engine.eagerInputs).
func (b *inputBuilder) build(res *model.Resource) docInput {
	var in docInput
	value, err := plain(res.Value)
	if err != nil {
		return docInput{err: fmt.Errorf("convert %s: %w", res.File, err)}
	}
	if b.raw {
		in.raw = b.object(value)
	}
	fields := make(map[string]any, 14)
	fields["id"] = res.ID().String()
	fields["kind"] = string(res.Kind)
	fields["name"] = res.Metadata.Name
	fields["version"] = res.Metadata.Version
	fields["file"] = res.File
	fields["metadata"] = field(value, "metadata")
	fields["spec"] = field(value, "spec")
	fields["environment"] = b.env.Value
	if b.repoKinds == nil || b.repoKinds[res.Kind] {
		// The repository-wide input keeps only what identifies a resource
		// and its spec: documents and commands would stay in memory for the
		// whole evaluation and make every garbage collection slower.
		in.repo = b.object(maps.Clone(fields))
	}
	if res.Kind == model.KindImageRecipe || res.Kind == model.KindContainerRecipe {
		fields["components"] = b.recipeComponents(res).Value
	}
	if res.Document != nil {
		doc, err := plain(res.Document.Value)
		if err != nil {
			return docInput{err: fmt.Errorf("convert %s: %w", res.Document.File, err)}
		}
		if b.raw {
			in.doc = b.object(doc)
		}
		steps, ok, err := stepIndex(res.Document.Value)
		if err != nil {
			return docInput{err: fmt.Errorf("convert %s: %w", res.Document.File, err)}
		}
		if ok {
			fields["step_index"] = steps
		}
		cmds, index := extractCommands(res.Document.Value)
		fields["document"] = doc
		fields["commands"] = cmds
		fields["command_index"] = index
		fields["secret_candidates"] = secretCandidates(res.Document.Value)
	}
	in.kiln = b.object(fields)
	return in
}

// plain returns v itself when it holds only plain YAML data, which
// ast.LazyObject converts without error, and otherwise its conversion, so
// that an unexpected value is an error here rather than a panic in OPA.
func plain(v any) (any, error) {
	if plainData(v, 0) {
		return v, nil
	}
	return ast.InterfaceToValue(v)
}

// field is doc[key] of a plain or converted document; nil (null) when absent.
func field(doc any, key string) any {
	switch d := doc.(type) {
	case map[string]any:
		return d[key]
	case ast.Object:
		if t := d.Get(ast.StringTerm(key)); t != nil {
			return t.Value
		}
	}
	return nil
}

// object is the policy value of a plain or converted document: a lazy
// object over a plain one, unless the builder is eager.
func (b *inputBuilder) object(doc any) ast.Value {
	if d, ok := doc.(map[string]any); ok && !b.eager {
		return ast.LazyObject(d)
	}
	// Plain data, or values already converted: this cannot fail.
	return ast.MustInterfaceToValue(doc)
}

// plainData reports whether v holds only the types the YAML loader
// produces, which ast.LazyObject converts without error.
func plainData(v any, depth int) bool {
	if depth > 10000 {
		return false
	}
	switch x := v.(type) {
	case nil, string, bool, int, int64, uint64, float64:
		return true
	case map[string]any:
		for _, c := range x {
			if !plainData(c, depth+1) {
				return false
			}
		}
		return true
	case []any:
		for _, c := range x {
			if !plainData(c, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// recipeComponents lists a recipe's component references, each with the
// repository component it resolves to, so rules can judge a recipe by what
// its components are (a STIG hardening component, say).
func (b *inputBuilder) recipeComponents(res *model.Resource) *ast.Term {
	var refs []model.ComponentRef
	switch s := res.Spec.(type) {
	case *model.ImageRecipeSpec:
		refs = s.Components
	case *model.ContainerRecipeSpec:
		refs = s.Components
	}
	out := make([]*ast.Term, 0, len(refs))
	for i, ref := range refs {
		resolved := ast.InternedNullTerm
		if ref.Arn == "" && b.repo != nil {
			if r := b.repo.Resolve(model.KindComponent, ref.Name, ref.Version); r != nil {
				resolved = b.componentSummary(r)
			}
		}
		out = append(out, ast.ObjectTerm(
			[2]*ast.Term{keyIndex, ast.InternedTerm(i)},
			[2]*ast.Term{keyName, ast.StringTerm(ref.Name)},
			[2]*ast.Term{keyVersion, ast.StringTerm(ref.Version)},
			[2]*ast.Term{keyArn, ast.StringTerm(ref.Arn)},
			[2]*ast.Term{keyResolved, resolved},
		))
	}
	return ast.ArrayTerm(out...)
}

// componentSummary is what a recipe's input says about a component it
// uses, built once per component: recipes share components.
func (b *inputBuilder) componentSummary(r *model.Resource) *ast.Term {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t, ok := b.resolved[r]; ok {
		return t
	}
	tags := make([][2]*ast.Term, 0, len(r.Metadata.Tags))
	for _, k := range slices.Sorted(maps.Keys(r.Metadata.Tags)) {
		tags = append(tags, [2]*ast.Term{ast.StringTerm(k), ast.StringTerm(r.Metadata.Tags[k])})
	}
	items := [][2]*ast.Term{
		{keyID, ast.StringTerm(r.ID().String())},
		{keyName, ast.StringTerm(r.Metadata.Name)},
		{keyVersion, ast.StringTerm(r.Metadata.Version)},
		{keyDescription, ast.StringTerm(r.Metadata.Description)},
		{keyTags, ast.ObjectTerm(tags...)},
		{keyFile, ast.StringTerm(r.File)},
	}
	if cs, ok := r.Spec.(*model.ComponentSpec); ok {
		items = append(items, [2]*ast.Term{keyPlatform, ast.StringTerm(cs.Platform)})
	}
	hardening := ast.ArrayTerm()
	if r.Document != nil {
		hardening = hardeningTerm(r.Document.Value)
	}
	items = append(items, [2]*ast.Term{keyHardening, hardening})
	t := ast.ObjectTerm(items...)
	b.resolved[r] = t
	return t
}

// secretMarkers are fixed parts of the secret formats of the built-in
// rule KILN-CMP-009 (case-sensitive); secretWords the words of its
// password-like positions (lower-cased), and secretPosition what must
// follow or precede one of them there. A string that passes neither cannot
// match, so Rego only runs its regular expressions on the few that do.
var (
	secretMarkers  = []string{"AKIA", "ASIA", "PRIVATE KEY", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "k_live_", "AIza"}
	secretWords    = []string{"pass", "secret", "token", "key"}
	secretPosition = regexp.MustCompile(`(?i)(password|passwd|secret|token|api_?key)[a-z0-9_]*["']?\s*[=:]|--?(password|passwd|secret|token|api-?key|client-secret)(=|\s)|\$[a-z0-9_]*(password|passwd|secret|token|api_?key)|aws_?secret_?access_?key`)
)

func mayHoldSecret(s string) bool {
	for _, m := range secretMarkers {
		if strings.Contains(s, m) {
			return true
		}
	}
	lower := strings.ToLower(s)
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return secretPosition.MatchString(s)
		}
	}
	return false
}

// secretCandidates lists the strings of an AWSTOE document that contain a
// secret marker, with their paths.
func secretCandidates(doc map[string]any) *ast.Array {
	var out []*ast.Term
	var path []any
	var visit func(v any)
	visit = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				path = append(path, k)
				visit(c)
				path = path[:len(path)-1]
			}
		case []any:
			for i, c := range x {
				path = append(path, i)
				visit(c)
				path = path[:len(path)-1]
			}
		case string:
			if !mayHoldSecret(x) {
				return
			}
			p := make([]*ast.Term, len(path))
			for i, e := range path {
				if s, ok := e.(string); ok {
					p[i] = ast.StringTerm(s)
				} else {
					p[i] = ast.InternedTerm(e.(int))
				}
			}
			out = append(out, ast.ObjectTerm(
				[2]*ast.Term{keyPath, ast.ArrayTerm(p...)},
				[2]*ast.Term{keyValue, ast.StringTerm(x)},
			))
		}
	}
	visit(doc)
	return ast.NewArray(out...)
}
