package reconciler_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// edited is r with its spec copied and then changed by edit, as a live
// resource read back in kiln's shape would be.
func edited(t *testing.T, r *model.Resource, edit func(spec any)) *model.Resource {
	t.Helper()
	spec := model.NewSpec(r.Kind)
	b, err := json.Marshal(r.Spec)
	if err != nil || json.Unmarshal(b, spec) != nil {
		t.Fatalf("copy %s: %v", r.ID(), err)
	}
	out := *r
	if r.Document != nil { // read back, the document is the spec's data
		spec.(interface{ SetData(string) }).SetData(r.Document.Text)
		out.Document = nil
	}
	if edit != nil {
		edit(spec)
	}
	out.Spec = spec
	return &out
}

// TestAdopt: a resource made outside kiln under a name the repository
// uses is adopted when it matches field by field, for every kind (the
// versioned, immutable ones too), and stays an error naming the fields
// when it differs or cannot be read.
func TestAdopt(t *testing.T) {
	repo, env := loadExamples(t)
	tests := []struct {
		name string
		id   string
		// managed: the resource carries kiln:managed without a digest (an
		// adoption cut short).
		managed bool
		edit    func(spec any)
		noSpec  bool
		want    reconciler.Action
		reason  []string
	}{
		{name: "component", id: "Component/stig-al2023@2.0.1", want: reconciler.ActionAdopt},
		{name: "image recipe", id: "ImageRecipe/al2023-base@1.4.0", want: reconciler.ActionAdopt},
		{name: "container recipe", id: "ContainerRecipe/app-runtime-container@1.1.0", want: reconciler.ActionAdopt},
		{name: "workflow", id: "Workflow/build-with-approval@1.0.0", want: reconciler.ActionAdopt},
		{name: "infrastructure", id: "InfrastructureConfiguration/build-ami", want: reconciler.ActionAdopt},
		{name: "distribution", id: "DistributionConfiguration/ami-distribution", want: reconciler.ActionAdopt},
		{name: "pipeline", id: "ImagePipeline/al2023-base", want: reconciler.ActionAdopt},
		{name: "lifecycle policy", id: "LifecyclePolicy/al2023-base-retention", want: reconciler.ActionAdopt},
		{name: "adoption cut short", id: "InfrastructureConfiguration/build-ami", managed: true, want: reconciler.ActionAdopt},
		{name: "versioned kind that differs", id: "ImageRecipe/al2023-base@1.4.0",
			edit: func(s any) { s.(*model.ImageRecipeSpec).WorkingDirectory = "/var/tmp" },
			want: reconciler.ActionError, reason: []string{"not managed by kiln", "spec.workingDirectory (live \"/var/tmp\"", "import it again"}},
		{name: "in-place kind that differs", id: "InfrastructureConfiguration/build-ami",
			edit: func(s any) { s.(*model.InfrastructureConfigurationSpec).InstanceTypes = []string{"t3.nano"} },
			want: reconciler.ActionError, reason: []string{"spec.instanceTypes (live [\"t3.nano\"]", "change the YAML to match"}},
		{name: "component whose document differs", id: "Component/stig-al2023@2.0.1",
			edit: func(s any) { s.(*model.ComponentSpec).SetData("name: other\nschemaVersion: 1.0\n") },
			want: reconciler.ActionError, reason: []string{"spec.data"}},
		{name: "unreadable", id: "ImagePipeline/al2023-base", noSpec: true,
			want: reconciler.ActionError, reason: []string{"not managed by kiln; import it (kiln import)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			actual := liveFrom(repo)
			specs := map[model.ID]*model.Resource{}
			for i := range actual {
				r := repo.Resources[i] // liveFrom keeps the repository's order
				if actual[i].ID().String() != tt.id {
					continue
				}
				actual[i].Managed, actual[i].Digest = tt.managed, ""
				if !tt.noSpec {
					specs[r.ID()] = edited(t, r, tt.edit)
				}
			}
			p := reconciler.Build(env, repo, actual)
			if got := actions(p)[tt.id]; got != reconciler.ActionError {
				t.Fatalf("Build: %s is %s, want error before Adopt", tt.id, got)
			}
			reconciler.Adopt(repo, p, specs)
			var c reconciler.Change
			for _, x := range p.Changes {
				if x.ID().String() == tt.id {
					c = x
				} else if x.Action != reconciler.ActionUnchanged {
					t.Errorf("%s: %s, want unchanged", x.ID(), x.Action)
				}
			}
			if c.Action != tt.want {
				t.Fatalf("%s: %s (%s), want %s", tt.id, c.Action, c.Reason, tt.want)
			}
			for _, s := range tt.reason {
				if !strings.Contains(c.Reason, s) {
					t.Errorf("reason %q lacks %q", c.Reason, s)
				}
			}
			if tt.want == reconciler.ActionAdopt && (p.HasErrors() || len(c.Fields) != 0) {
				t.Errorf("adoption with errors %v or fields %v", p.HasErrors(), c.Fields)
			}
			// Adopting changes nothing that is built.
			if len(p.Bakes) != 0 {
				t.Errorf("bakes %+v", p.Bakes)
			}
		})
	}
}
