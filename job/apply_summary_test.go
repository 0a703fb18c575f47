package job

import (
	"testing"

	"github.com/kiln-gitops/kiln/reconciler"
)

func TestApplySummary(t *testing.T) {
	tests := []struct {
		name string
		out  reconciler.Outcome
		want string
	}{
		{"no adoptions", reconciler.Outcome{Created: []string{"a"}, Unchanged: []string{"b", "c"}},
			"Applied to prod: 1 created, 0 updated, 0 deleted, 2 unchanged."},
		{"adoptions", reconciler.Outcome{Updated: []string{"a"}, Adopted: []string{"b", "c", "d"}},
			"Applied to prod: 0 created, 1 updated, 3 adopted, 0 deleted, 0 unchanged."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := applySummary("prod", &tt.out); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
