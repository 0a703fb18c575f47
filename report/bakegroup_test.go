package report

import (
	"strings"
	"testing"
	"time"
)

func TestBakeGroupOutput(t *testing.T) {
	avail := Bake{Pipeline: "al2023-base", State: "AVAILABLE", Elapsed: 42 * time.Minute,
		Images:   []BakeImage{{Region: "us-east-1", Account: "111111111111", ImageID: "ami-0abc"}, {Region: "us-west-2", Account: "111111111111", ImageID: "ami-0def"}},
		Timeline: []BakeStep{{State: "PENDING"}, {State: "AVAILABLE", After: 42 * time.Minute}}}
	building := Bake{Pipeline: "app-runtime", State: "BUILDING", Elapsed: 5 * time.Minute}
	failed := Bake{Pipeline: "java", State: "FAILED", Reason: "step RunTests failed", Log: "s3://logs/java/1.0.0/1/"}
	cancelled := Bake{Pipeline: "other", State: "CANCELLED"}
	tests := []struct {
		name           string
		bakes          []Bake
		conclusion     string
		title          string
		inText, inSumm []string
	}{
		{"running", []Bake{avail, building}, "", "Baking in staging: 1 of 2 done", []string{"ami-0abc", "ami-0def", "us-west-2"}, []string{"BUILDING"}},
		{"all available", []Bake{avail}, ConclusionSuccess, "Baked in staging: 1 image(s) available", []string{"ami-0abc", "timeline"}, []string{"AVAILABLE", "42m0s"}},
		{"one failed", []Bake{avail, failed}, ConclusionFailure, "Bake in staging: 1 of 2 failed", []string{"step RunTests failed", "s3://logs/java/1.0.0/1/"}, []string{"FAILED"}},
		{"cancelled", []Bake{cancelled}, ConclusionCancelled, "Bake in staging: 1 of 1 cancelled", nil, []string{"CANCELLED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := BakeGroupOutput("staging", tt.bakes)
			if out.Conclusion != tt.conclusion || out.Title != tt.title {
				t.Fatalf("conclusion %q title %q, want %q %q", out.Conclusion, out.Title, tt.conclusion, tt.title)
			}
			for _, s := range tt.inText {
				if !strings.Contains(out.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, out.Text)
				}
			}
			for _, s := range tt.inSumm {
				if !strings.Contains(out.Summary, s) {
					t.Errorf("summary lacks %q:\n%s", s, out.Summary)
				}
			}
		})
	}
}

func TestBakeGroupOutputEscapesNames(t *testing.T) {
	out := BakeGroupOutput("staging", []Bake{{Pipeline: "a|b`c", State: "FAILED", Reason: "<script>x</script> @team"}})
	if strings.Contains(out.Summary, "a|b") {
		t.Errorf("pipe not escaped in table:\n%s", out.Summary)
	}
	if strings.Contains(out.Text, "<script>") {
		t.Errorf("HTML not escaped:\n%s", out.Text)
	}
}
