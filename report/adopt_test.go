package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// TestPlanAdopt: an adoption is listed after updates with its own symbol
// and word, in every plan rendering, and counted; plans without one keep
// their counts line as it was.
func TestPlanAdopt(t *testing.T) {
	reason := "exists in Image Builder, made outside kiln; apply tags it as kiln's"
	plan := &reconciler.Plan{Environment: model.Environment{Name: "prod", Account: "111122223333", Region: "us-east-1"},
		Changes: []reconciler.Change{
			{Action: reconciler.ActionUnchanged, Kind: model.KindInfrastructureConfiguration, Name: "build"},
			{Action: reconciler.ActionAdopt, Kind: model.KindComponent, Name: "motd", Version: "1.0.0", Reason: reason},
			{Action: reconciler.ActionUpdate, Kind: model.KindImagePipeline, Name: "web", Reason: "spec changed"},
		}}
	var text bytes.Buffer
	if err := WriteText(&text, Result{Plan: []*reconciler.Plan{plan}}, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	md := PlanMarkdown([]*reconciler.Plan{plan})
	var js bytes.Buffer
	if err := WriteJSON(&js, Result{Plan: []*reconciler.Plan{plan}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, out string
		want      []string
	}{
		{"text", text.String(), []string{"  ~ update     ImagePipeline/web", "  < adopt      Component/motd@1.0.0", reason,
			"0 to create, 1 to update, 1 to adopt, 0 orphaned, 1 unchanged, 0 errors"}},
		{"markdown", md, []string{"| &lt; | adopt | `Component/motd@1.0.0` | exists in Image Builder, made outside kiln; apply tags it as kiln's |",
			"0 to create, 1 to update, 1 to adopt, 0 orphaned, 1 unchanged, 0 errors"}},
		{"json", js.String(), []string{`"action": "adopt"`}},
		{"comment summary", planSummaryMarkdown([]*reconciler.Plan{plan}), []string{"1 to adopt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range tt.want {
				if !strings.Contains(tt.out, w) {
					t.Errorf("no %q in\n%s", w, tt.out)
				}
			}
			if tt.name == "text" && strings.Index(tt.out, "~ update") > strings.Index(tt.out, "< adopt") {
				t.Errorf("adoption before the update:\n%s", tt.out)
			}
		})
	}
	plan.Changes = plan.Changes[:1]
	if got := tallyLine(plan); strings.Contains(got, "adopt") {
		t.Errorf("a plan without adoptions: %q", got)
	}
}
