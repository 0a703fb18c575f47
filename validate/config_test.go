package validate

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/model"
)

func TestSettings(t *testing.T) {
	const base = `environments:
  staging: {account: "111111111111", region: us-east-1, branch: main}
  prod: {account: "222222222222", region: us-east-1, branch: release, production: true}
bake:
  prEnvironment: staging
`
	cases := []struct {
		name, old, new string
		rule, msg      string
	}{
		{name: "valid"},
		{name: "undefined", old: "prEnvironment: staging", new: "prEnvironment: stage",
			rule: "ref/environment", msg: "bake.prEnvironment: environment stage is not defined; the environments are staging, prod"},
		{name: "production", old: "prEnvironment: staging", new: "prEnvironment: prod",
			rule: "config/pr-environment", msg: "bake.prEnvironment: prod is a production environment"},
		{name: "no environments", old: "environments:\n  staging: {account: \"111111111111\", region: us-east-1, branch: main}\n  prod: {account: \"222222222222\", region: us-east-1, branch: release, production: true}\n", new: "",
			rule: "ref/environment", msg: "there are none"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(base, c.old, c.new, 1)
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
				t.Fatal(err)
			}
			cfg := &model.Config{File: ".kiln.yaml", Node: doc.Content[0]}
			if err := doc.Content[0].Decode(cfg); err != nil {
				t.Fatal(err)
			}
			repo := repository(t, baseFiles())
			repo.Config = cfg
			got := Repository(repo, validator(t))
			if c.rule == "" {
				if len(got) != 0 {
					t.Errorf("got %v", got)
				}
				return
			}
			line := strings.Count(src[:strings.Index(src, "prEnvironment")], "\n") + 1
			if len(got) != 1 || got[0].Rule != c.rule || !strings.Contains(got[0].Message, c.msg) ||
				got[0].File != ".kiln.yaml" || got[0].Line != line || got[0].Column != 18 {
				t.Errorf("got %v, want %s at line %d: %s", got, c.rule, line, c.msg)
			}
		})
	}
}
