package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/model"
)

// Node is one pipeline, recipe or component of the blast-radius graph.
type Node struct {
	// ID is the resource ID (model.Resource.ID) or, for a component named
	// by ARN, the ARN.
	ID       string     `json:"id"`
	Kind     model.Kind `json:"kind"`
	Label    string     `json:"label"`
	External bool       `json:"external,omitempty"` // AWS-managed or shared, named by ARN
	Missing  bool       `json:"missing,omitempty"`  // referenced, but not in the repository
}

// Edge says From uses To (pipeline → recipe, recipe → component).
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Graph is pipeline → recipe → component for the PR comment, with the
// nodes a change touches marked.
type Graph struct {
	Pipelines  []Node
	Recipes    []Node
	Components []Node
	Edges      []Edge
	// Changed holds the IDs of changed resources; Affected those that use
	// a changed resource (directly or not) without changing themselves,
	// including pipelines whose infrastructure or distribution
	// configuration changed.
	Changed  map[string]bool
	Affected map[string]bool
}

// BuildGraph builds the graph of repo: every pipeline, the recipes that
// pipelines use or that changed, and the components those recipes use or
// that changed. changed holds resource IDs as model.Resource.ID spells them.
func BuildGraph(repo *model.Repository, changed map[string]bool) Graph {
	g := Graph{Changed: map[string]bool{}, Affected: map[string]bool{}}
	for id, ok := range changed {
		if ok {
			g.Changed[id] = true
		}
	}
	if repo == nil {
		return g
	}
	b := graphBuilder{g: &g, seen: map[string]bool{}, edges: map[Edge]bool{}}
	var recipes []*model.Resource
	takeRecipe := func(r *model.Resource) {
		if !slices.Contains(recipes, r) {
			recipes = append(recipes, r)
		}
	}
	for _, p := range sortedResources(repo.ByKind(model.KindImagePipeline)) {
		b.add(&g.Pipelines, Node{ID: p.ID().String(), Kind: p.Kind, Label: p.Name()})
		spec, _ := p.Spec.(*model.ImagePipelineSpec)
		if spec == nil {
			continue
		}
		for _, cfg := range []struct {
			kind model.Kind
			name string
		}{{model.KindInfrastructureConfiguration, spec.InfrastructureConfiguration}, {model.KindDistributionConfiguration, spec.DistributionConfiguration}} {
			if cfg.name != "" && g.Changed[model.NewID(cfg.kind, cfg.name, "").String()] {
				g.Affected[p.ID().String()] = true
			}
		}
		kind, ref := spec.Recipe()
		if ref == nil {
			continue
		}
		if r := repo.Resolve(kind, ref.Name, ref.Version); r != nil {
			takeRecipe(r)
			b.edge(p.ID().String(), r.ID().String())
		} else {
			id := model.NewID(kind, ref.Name, ref.Version).String()
			b.add(&g.Recipes, Node{ID: id, Kind: kind, Label: ref.Name + "@" + ref.Version, Missing: true})
			b.edge(p.ID().String(), id)
		}
	}
	for _, k := range []model.Kind{model.KindImageRecipe, model.KindContainerRecipe} {
		for _, r := range sortedResources(repo.ByKind(k)) {
			if g.Changed[r.ID().String()] {
				takeRecipe(r)
			}
		}
	}
	var comps []*model.Resource
	for _, r := range recipes {
		b.add(&g.Recipes, Node{ID: r.ID().String(), Kind: r.Kind, Label: r.Name() + "@" + r.Version()})
		for _, ref := range recipeComponents(r) {
			switch {
			case ref.Arn != "":
				b.add(&g.Components, Node{ID: ref.Arn, Kind: model.KindComponent, Label: arnLabel(ref.Arn), External: true})
				b.edge(r.ID().String(), ref.Arn)
			default:
				if c := repo.Resolve(model.KindComponent, ref.Name, ref.Version); c != nil {
					if !slices.Contains(comps, c) {
						comps = append(comps, c)
					}
					b.edge(r.ID().String(), c.ID().String())
				} else {
					id := model.NewID(model.KindComponent, ref.Name, ref.Version).String()
					b.add(&g.Components, Node{ID: id, Kind: model.KindComponent, Label: ref.Name + "@" + ref.Version, Missing: true})
					b.edge(r.ID().String(), id)
				}
			}
		}
	}
	for _, c := range sortedResources(repo.ByKind(model.KindComponent)) {
		if g.Changed[c.ID().String()] && !slices.Contains(comps, c) {
			comps = append(comps, c)
		}
	}
	for _, c := range comps {
		b.add(&g.Components, Node{ID: c.ID().String(), Kind: c.Kind, Label: c.Name() + "@" + c.Version()})
	}
	sortNodes(g.Recipes)
	sortNodes(g.Components)
	g.propagate()
	return g
}

type graphBuilder struct {
	g     *Graph
	seen  map[string]bool
	edges map[Edge]bool
}

func (b *graphBuilder) add(list *[]Node, n Node) {
	if !b.seen[n.ID] {
		b.seen[n.ID] = true
		*list = append(*list, n)
	}
}

func (b *graphBuilder) edge(from, to string) {
	e := Edge{From: from, To: to}
	if !b.edges[e] {
		b.edges[e] = true
		b.g.Edges = append(b.g.Edges, e)
	}
}

// propagate marks every node that reaches a changed node as affected.
func (g *Graph) propagate() {
	for grew := true; grew; {
		grew = false
		for _, e := range g.Edges {
			if (g.Changed[e.To] || g.Affected[e.To]) && !g.Changed[e.From] && !g.Affected[e.From] {
				g.Affected[e.From] = true
				grew = true
			}
		}
	}
	for id := range g.Changed {
		delete(g.Affected, id)
	}
}

func recipeComponents(r *model.Resource) []model.ComponentRef {
	switch s := r.Spec.(type) {
	case *model.ImageRecipeSpec:
		if s != nil {
			return s.Components
		}
	case *model.ContainerRecipeSpec:
		if s != nil {
			return s.Components
		}
	}
	return nil
}

// arnLabel shortens a component ARN to "name/version".
func arnLabel(arn string) string {
	if i := strings.Index(arn, ":component/"); i >= 0 {
		return arn[i+len(":component/"):]
	}
	return arn
}

func sortedResources(rs []*model.Resource) []*model.Resource {
	out := slices.Clone(rs)
	slices.SortStableFunc(out, func(a, b *model.Resource) int { return strings.Compare(a.ID().String(), b.ID().String()) })
	return out
}

func sortNodes(ns []Node) {
	slices.SortStableFunc(ns, func(a, b Node) int { return strings.Compare(a.ID, b.ID) })
}

// Nodes returns all nodes, pipelines first.
func (g Graph) Nodes() []Node {
	return slices.Concat(g.Pipelines, g.Recipes, g.Components)
}

// Focus returns the part of g a change touches: changed and affected nodes
// and the edges between them.
func (g Graph) Focus() Graph {
	keep := func(id string) bool { return g.Changed[id] || g.Affected[id] }
	out := Graph{Changed: g.Changed, Affected: g.Affected}
	for _, part := range []struct{ in, out *[]Node }{{&g.Pipelines, &out.Pipelines}, {&g.Recipes, &out.Recipes}, {&g.Components, &out.Components}} {
		for _, n := range *part.in {
			if keep(n.ID) {
				*part.out = append(*part.out, n)
			}
		}
	}
	for _, e := range g.Edges {
		if keep(e.From) && keep(e.To) {
			out.Edges = append(out.Edges, e)
		}
	}
	return out
}

// Mermaid renders g as a Mermaid flowchart (left to right), changed nodes
// highlighted, nodes that use them outlined.
func (g Graph) Mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	ids := map[string]string{}
	used := map[string]bool{}
	var changed, affected, external, missing []string
	for _, n := range g.Nodes() {
		id := mermaidID(n, used)
		ids[n.ID] = id
		label := n.Label
		if g.Changed[n.ID] {
			label += " (changed)"
		}
		if n.Missing {
			label += " (missing)"
		}
		open, close := `["`, `"]`
		switch {
		case n.Kind == model.KindImagePipeline:
			open, close = `(["`, `"])`
		case n.External:
			open, close = `[["`, `"]]`
		case n.Kind == model.KindComponent:
			open, close = `("`, `")`
		}
		fmt.Fprintf(&b, "  %s%s%s%s\n", id, open, mermaidLabel(label), close)
		switch {
		case g.Changed[n.ID]:
			changed = append(changed, id)
		case g.Affected[n.ID]:
			affected = append(affected, id)
		}
		if n.External {
			external = append(external, id)
		}
		if n.Missing {
			missing = append(missing, id)
		}
	}
	for _, e := range g.Edges {
		from, to := ids[e.From], ids[e.To]
		if from != "" && to != "" {
			fmt.Fprintf(&b, "  %s --> %s\n", from, to)
		}
	}
	for _, c := range []struct {
		name, style string
		ids         []string
	}{
		{"changed", "fill:#fff3bf,stroke:#e67700,stroke-width:3px", changed},
		{"affected", "stroke:#e67700,stroke-width:2px,stroke-dasharray:5 3", affected},
		{"external", "fill:#f1f3f5,stroke:#868e96", external},
		{"missing", "fill:#ffe3e3,stroke:#c92a2a", missing},
	} {
		if len(c.ids) > 0 {
			fmt.Fprintf(&b, "  classDef %s %s\n  class %s %s\n", c.name, c.style, strings.Join(c.ids, ","), c.name)
		}
	}
	return b.String()
}

// mermaidID is a Mermaid-safe node id derived from the resource: a kind
// prefix and the ID with everything but letters, digits and _ replaced, made
// unique. Words Mermaid reserves ("end", "graph", …) cannot occur because
// of the prefix.
func mermaidID(n Node, used map[string]bool) string {
	prefix := "c_"
	switch {
	case n.Kind == model.KindImagePipeline:
		prefix = "p_"
	case n.Kind == model.KindImageRecipe || n.Kind == model.KindContainerRecipe:
		prefix = "r_"
	case n.External:
		prefix = "x_"
	}
	src := n.Label
	if n.External {
		src = arnLabel(n.ID)
	}
	var b strings.Builder
	b.WriteString(prefix)
	for _, r := range src {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	id := b.String()
	for i := 2; used[id]; i++ {
		id = fmt.Sprintf("%s_%d", b.String(), i)
	}
	used[id] = true
	return id
}

// mermaidLabel makes text safe inside a quoted Mermaid label: characters
// that end the label, start an entity, or would render as HTML or Markdown
// become Mermaid entity codes (#34; and so on).
func mermaidLabel(s string) string {
	var b strings.Builder
	for _, r := range textLine(s) {
		switch r {
		case '"', '#', '&', '<', '>', '`':
			fmt.Fprintf(&b, "#%d;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
