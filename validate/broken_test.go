package validate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/model"
)

// TestBrokenExamples checks that each broken example of this package's
// rules fails for the reason its name gives, and for no other.
func TestBrokenExamples(t *testing.T) {
	cases := map[string]string{
		"schema-number-for-string.yaml":   "schema",
		"schema-too-many-components.yaml": "schema",
		"ref-missing-component.yaml":      "ref/component",
		"ref-wildcard-left.yaml":          "version/wildcard",
	}
	v := validator(t)
	for name, rule := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("..", "examples", "broken", name)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			repo := &model.Repository{Config: model.DefaultConfig()}
			for i, doc := range strings.Split(string(b), "\n---\n") {
				repo.Resources = append(repo.Resources, resource(t, fmt.Sprintf("%s#%d", name, i), doc))
			}
			got := Repository(repo, v)
			if len(got) != 1 || got[0].Rule != rule {
				t.Errorf("want one %s finding, got %v", rule, got)
			}
			for _, f := range got {
				t.Log(f)
			}
		})
	}
}
