package validate

import (
	"strings"
	"testing"
)

func TestImmutability(t *testing.T) {
	cases := []struct {
		name       string
		file       string
		old, new   string
		add        map[string]string
		wants      []want
		suggestion string
	}{
		{name: "unchanged"},
		{name: "document changed", file: "components/ssh-1.2.0.yaml", old: `echo ssh-hardening`, new: `echo hardened`,
			wants:      []want{{"components/ssh-1.2.0.yaml", 5, 12, "immutable/changed", "Component ssh-hardening 1.2.0 changed but kept its version; versions are immutable in Image Builder: bump it to 1.3.1"}},
			suggestion: "  version: 1.3.1"},
		{name: "recipe changed, next free above a new head version", file: "recipes/base.yaml", old: "parentImage: ami-0123456789abcdef0", new: "parentImage: ami-0fedcba9876543210",
			add:        map[string]string{"recipes/base-1.4.0.yaml": strings.Replace(baseRecipe, "version: 1.0.0", "version: 1.4.0", 1)},
			wants:      []want{{"recipes/base.yaml", 5, 12, "immutable/changed", "ImageRecipe base 1.0.0 changed but kept its version; versions are immutable in Image Builder: bump it to 1.4.1"}},
			suggestion: "  version: 1.4.1"},
		{name: "quoted version with comment", file: "recipes/web.yaml", old: "  version: 1.0.0\n", new: "  version: \"1.0.0\"  # web image\n  description: changed\n",
			wants:      []want{{"recipes/web.yaml", 5, 12, "immutable/changed", "ContainerRecipe web 1.0.0 changed"}},
			suggestion: `  version: "1.0.1" # web image`},
		{name: "flow metadata gets no suggestion", file: "recipes/web.yaml", old: "metadata:\n  name: web\n  version: 1.0.0\n", new: "metadata: {name: web, version: 1.0.0, description: changed}\n",
			wants: []want{{"recipes/web.yaml", 3, 32, "immutable/changed", "bump it to 1.0.1"}}},
		{name: "tags may change in place", file: "recipes/web.yaml", old: "  version: 1.0.0\n", new: "  version: 1.0.0\n  tags: {team: web}\n"},
		{name: "moved file is no change", file: "", add: map[string]string{"moved/ssh-1.2.0.yaml": componentYAML("ssh-hardening", "1.2.0", "build")}},
		{name: "bumped version is no change", file: "components/ssh-1.3.0.yaml", old: "version: 1.3.0\n", new: "version: 1.3.1\n"},
		{name: "unversioned kinds change in place", file: "infra.yaml", old: "instanceProfileName: ImageBuilderInstance", new: "instanceProfileName: Other"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := repository(t, baseFiles())
			files := baseFiles()
			if c.file != "" {
				if !strings.Contains(files[c.file], c.old) {
					t.Fatalf("%q not in %s", c.old, c.file)
				}
				files[c.file] = strings.Replace(files[c.file], c.old, c.new, 1)
			}
			if c.name == "moved file is no change" {
				delete(files, "components/ssh-1.2.0.yaml")
			}
			for k, v := range c.add {
				files[k] = v
			}
			got := Immutability(NewBaseline(base), repository(t, files))
			check(t, got, c.wants)
			if len(got) == 1 && got[0].Suggestion != c.suggestion {
				t.Errorf("suggestion %q, want %q", got[0].Suggestion, c.suggestion)
			}
		})
	}
}

func TestImmutabilityIgnoresUnreadDocuments(t *testing.T) {
	files := map[string]string{"c.yaml": strings.Replace(componentYAML("c-one", "1.0.0", "build"), "  data: |", "  document: c.toe.yaml\n  x: |", 1)}
	base := repository(t, files)
	head := repository(t, files)
	base.Resources[0].Document = parseDocument(t, "c.toe.yaml", "schemaVersion: 1.0\n")
	head.Resources[0].Document = nil // the head's document could not be read
	if got := Immutability(NewBaseline(base), head); len(got) != 0 {
		t.Errorf("got %v", got)
	}
	if got := Immutability(nil, head); got != nil {
		t.Errorf("no base: %v", got)
	}
}

func TestChangedResources(t *testing.T) {
	base := repository(t, baseFiles())
	files := baseFiles()
	files["recipes/web.yaml"] = strings.Replace(webRecipe, "repositoryName: web", "repositoryName: web2", 1)
	files["infra.yaml"] = strings.Replace(infraYAML, "ImageBuilderInstance", "Other", 1)
	files["components/new.yaml"] = componentYAML("new-one", "0.1.0", "build")
	files["components/ssh-1.3.0.yaml"] = strings.Replace(files["components/ssh-1.3.0.yaml"], "metadata:", "metadata:\n  tags: {a: b}", 1)
	var ids []string
	for _, r := range ChangedResources(NewBaseline(base), repository(t, files)) {
		ids = append(ids, r.ID().String())
	}
	want := "Component/new-one@0.1.0 InfrastructureConfiguration/build-small ContainerRecipe/web@1.0.0"
	if strings.Join(ids, " ") != want {
		t.Errorf("changed %v, want %s", ids, want)
	}
	if got := ChangedResources(nil, base); len(got) != len(base.Resources) {
		t.Errorf("no base: %d changed, want all %d", len(got), len(base.Resources))
	}
}
