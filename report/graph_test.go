package report

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/model"
)

func TestBuildGraph(t *testing.T) {
	g := BuildGraph(fixtureRepo(), map[string]bool{"Component/ssh-hardening@1.2.0": true, "InfrastructureConfiguration/build": true, "Component/unused@1.0.0": false})
	ids := func(ns []Node) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.ID)
		}
		return out
	}
	wantPipelines := []string{"ImagePipeline/al2023", "ImagePipeline/app", "ImagePipeline/end", "ImagePipeline/undecoded"}
	if got := ids(g.Pipelines); !slices.Equal(got, wantPipelines) {
		t.Errorf("pipelines %v", got)
	}
	// "broken" (no spec, unused, unchanged) is left out; the missing recipe
	// the "end" pipeline names is a node.
	if got := ids(g.Recipes); !slices.Equal(got, []string{"ContainerRecipe/app-base@2.0.0", "ImageRecipe/al2023@1.3.0", "ImageRecipe/nope@1.0.0"}) {
		t.Errorf("recipes %v", got)
	}
	// 1.x.x resolves to the newest 1.y.z (1.2.0, not 2.0.0 or 1.1.0); the
	// unused, unchanged component is left out.
	wantComps := []string{
		"Component/auditd@1.0.0", "Component/gone@3.0.0", "Component/ssh-hardening@1.2.0", `Component/weird"name#<b>@1.0.0`,
		"arn:aws:imagebuilder:{region}:aws:component/amazon-cloudwatch-agent-linux/x.x.x",
	}
	if got := ids(g.Components); !slices.Equal(got, wantComps) {
		t.Errorf("components %v", got)
	}
	for _, n := range g.Components {
		if n.External != strings.HasPrefix(n.ID, "arn:") || n.Missing != (n.ID == "Component/gone@3.0.0") {
			t.Errorf("node %+v", n)
		}
	}
	wantEdges := map[Edge]bool{
		{"ImagePipeline/al2023", "ImageRecipe/al2023@1.3.0"}:                                                            true,
		{"ImagePipeline/app", "ContainerRecipe/app-base@2.0.0"}:                                                         true,
		{"ImagePipeline/end", "ImageRecipe/nope@1.0.0"}:                                                                 true,
		{"ImageRecipe/al2023@1.3.0", "Component/ssh-hardening@1.2.0"}:                                                   true,
		{"ImageRecipe/al2023@1.3.0", "Component/auditd@1.0.0"}:                                                          true,
		{"ImageRecipe/al2023@1.3.0", "Component/gone@3.0.0"}:                                                            true,
		{"ContainerRecipe/app-base@2.0.0", "Component/auditd@1.0.0"}:                                                    true,
		{"ContainerRecipe/app-base@2.0.0", `Component/weird"name#<b>@1.0.0`}:                                            true,
		{"ImageRecipe/al2023@1.3.0", "arn:aws:imagebuilder:{region}:aws:component/amazon-cloudwatch-agent-linux/x.x.x"}: true,
	}
	if len(g.Edges) != len(wantEdges) {
		t.Errorf("%d edges, want %d: %v", len(g.Edges), len(wantEdges), g.Edges)
	}
	for _, e := range g.Edges {
		if !wantEdges[e] {
			t.Errorf("unexpected edge %v", e)
		}
	}
	// Changed: the component. Affected: the recipe and pipeline using it,
	// and the pipelines whose infrastructure configuration changed.
	if !g.Changed["Component/ssh-hardening@1.2.0"] || g.Changed["Component/unused@1.0.0"] {
		t.Errorf("changed %v", g.Changed)
	}
	var affected []string
	for id := range g.Affected {
		affected = append(affected, id)
	}
	slices.Sort(affected)
	if want := []string{"ImagePipeline/al2023", "ImagePipeline/end", "ImageRecipe/al2023@1.3.0"}; !slices.Equal(affected, want) {
		t.Errorf("affected %v, want %v", affected, want)
	}
}

func TestBuildGraphChangedUnreferenced(t *testing.T) {
	g := BuildGraph(fixtureRepo(), map[string]bool{"Component/unused@1.0.0": true, "ImageRecipe/broken@1.0.0": true})
	var found []string
	for _, n := range g.Nodes() {
		if n.ID == "Component/unused@1.0.0" || n.ID == "ImageRecipe/broken@1.0.0" {
			found = append(found, n.ID)
		}
	}
	if len(found) != 2 {
		t.Errorf("changed but unreferenced resources missing from the graph: %v", found)
	}
	if len(BuildGraph(nil, nil).Nodes()) != 0 {
		t.Error("nil repository gave nodes")
	}
}

var mermaidNodeID = regexp.MustCompile(`^  ([A-Za-z0-9_]+)[\[\(]`)

func TestMermaidEscapingAndIDs(t *testing.T) {
	g := Graph{
		Pipelines: []Node{{ID: "ImagePipeline/end", Kind: model.KindImagePipeline, Label: "end"}},
		Components: []Node{
			{ID: "Component/a-b@1.0.0", Kind: model.KindComponent, Label: "a-b@1.0.0"},
			{ID: "Component/a.b@1.0.0", Kind: model.KindComponent, Label: "a.b@1.0.0"},
			{ID: "Component/q@1", Kind: model.KindComponent, Label: "say \"hi\" #1 <b>&amp;</b> `tick` é\nnext"},
		},
		Edges:   []Edge{{"ImagePipeline/end", "Component/a-b@1.0.0"}, {"ImagePipeline/end", "Component/nowhere"}},
		Changed: map[string]bool{"Component/a.b@1.0.0": true},
	}
	m := g.Mermaid()
	seen := map[string]bool{}
	for _, line := range strings.Split(m, "\n") {
		if sub := mermaidNodeID.FindStringSubmatch(line); sub != nil {
			if seen[sub[1]] {
				t.Errorf("duplicate id %s", sub[1])
			}
			seen[sub[1]] = true
			label := line[strings.Index(line, `"`)+1 : strings.LastIndex(line, `"`)]
			if strings.ContainsAny(label, "\"<>`&\n") {
				t.Errorf("unescaped label %q", label)
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("%d node ids in\n%s", len(seen), m)
	}
	for _, want := range []string{
		`say #34;hi#34; #35;1 #60;b#62;#38;amp;#60;/b#62; #96;tick#96; é next`,
		"p_end --> c_a_b_1_0_0\n",
		"class c_a_b_1_0_0_2 changed",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("missing %q in\n%s", want, m)
		}
	}
	if strings.Contains(m, "nowhere") {
		t.Error("an edge to an unknown node was drawn")
	}
}
