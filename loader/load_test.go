package loader

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

func TestComponentWithDocumentFile(t *testing.T) {
	fsys := mapFS(map[string]string{
		"components/ssh/component.yaml":         componentHead + "spec:\n  platform: Linux\n  document: ./ssh-hardening.toe.yaml\n",
		"components/ssh/ssh-hardening.toe.yaml": toeDoc,
		"components/ssh/unrelated.yaml":         "foo: bar\n",
	})
	repo, fs := load(t, fsys, Options{})
	checkFindings(t, fs, nil)
	if len(repo.Resources) != 1 {
		t.Fatalf("%d resources", len(repo.Resources))
	}
	r := repo.Resources[0]
	if r.ID().String() != "Component/ssh-hardening@1.2.0" || r.File != "components/ssh/component.yaml" {
		t.Errorf("resource %s in %s", r.ID(), r.File)
	}
	spec, ok := r.Spec.(*model.ComponentSpec)
	if !ok || spec.Platform != "Linux" || spec.Document != "./ssh-hardening.toe.yaml" {
		t.Errorf("spec %#v", r.Spec)
	}
	d := r.Document
	if d == nil {
		t.Fatal("no document")
	}
	if d.File != "components/ssh/ssh-hardening.toe.yaml" || d.Text != toeDoc || d.LineOffset != 0 || d.ColumnOffset != 0 {
		t.Errorf("document %s offsets %d,%d", d.File, d.LineOffset, d.ColumnOffset)
	}
	if got := d.At("phases", 0, "steps", 0, "action"); got != (finding.Pos{File: d.File, Line: 8, Column: 17}) {
		t.Errorf("action at %v", got)
	}
	if d.Value["schemaVersion"] != 1.0 || d.Value["name"] != "ssh-hardening" {
		t.Errorf("document value %v", d.Value)
	}
	wantFiles := []string{"components/ssh/component.yaml", "components/ssh/ssh-hardening.toe.yaml", "components/ssh/unrelated.yaml"}
	if !reflect.DeepEqual(repo.Files, wantFiles) {
		t.Errorf("files %v", repo.Files)
	}
	if r.Value["metadata"].(map[string]any)["version"] != "1.2.0" {
		t.Errorf("value %v", r.Value)
	}
}

// TestInlineDataPositions: a position inside inline data is the line and
// column in the component's file.
func TestInlineDataPositions(t *testing.T) {
	tests := []struct {
		name       string
		spec       string
		path       []any
		line, col  int
		wantOffset [2]int
	}{
		{
			name: "literal block",
			spec: "spec:\n  platform: Linux\n  data: |\n    name: inline\n    schemaVersion: 1.0\n    phases:\n      - name: build\n        steps:\n          - name: First\n            action: ExecuteBash\n          - name: Second\n            action: Reboot\n",
			path: []any{"phases", 0, "steps", 1, "name"}, line: 16, col: 19, wantOffset: [2]int{8, 4},
		},
		{
			name: "literal block with blank first line and strip chomping",
			spec: "spec:\n  platform: Linux\n  data: |-\n\n      name: inline\n      phases: []\n",
			path: []any{"phases"}, line: 11, col: 15, wantOffset: [2]int{8, 6},
		},
		{
			name: "alias to a block elsewhere",
			spec: "spec:\n  platform: Linux\n  x-doc: &doc |\n    name: aliased\n    phases: []\n  data: *doc\n",
			path: []any{"phases"}, line: 10, col: 13, wantOffset: [2]int{8, 4},
		},
		{
			name: "single-quoted flow mapping",
			spec: "spec:\n  platform: Linux\n  data: '{name: inline, phases: [x]}'\n",
			path: []any{"phases"}, line: 8, col: 33, wantOffset: [2]int{7, 9},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			repo, fs := load(t, mapFS(map[string]string{"c.yaml": componentHead + tc.spec}), Options{})
			checkFindings(t, fs, nil)
			d := repo.Resources[0].Document
			if d == nil {
				t.Fatal("no document")
			}
			if [2]int{d.LineOffset, d.ColumnOffset} != tc.wantOffset {
				t.Errorf("offsets %d,%d want %v", d.LineOffset, d.ColumnOffset, tc.wantOffset)
			}
			if got := d.At(tc.path...); got != (finding.Pos{File: "c.yaml", Line: tc.line, Column: tc.col}) {
				t.Errorf("At(%v) = %v, want c.yaml:%d:%d", tc.path, got, tc.line, tc.col)
			}
		})
	}
}

func TestMultiDocumentFile(t *testing.T) {
	text := "# two recipes\napiVersion: kiln/v1\nkind: InfrastructureConfiguration\nmetadata:\n  name: small\nspec:\n  instanceProfileName: p\n" +
		"---\napiVersion: kiln/v1\nkind: InfrastructureConfiguration\nmetadata:\n  name: large\nspec:\n  instanceProfileName: q\n  terminateInstanceOnFailure: true\n" +
		"---\nnot: kiln\n"
	repo, fs := load(t, mapFS(map[string]string{"infra.yaml": text}), Options{})
	checkFindings(t, fs, nil)
	if len(repo.Resources) != 2 {
		t.Fatalf("%d resources", len(repo.Resources))
	}
	second := repo.Resources[1]
	if second.Name() != "large" || second.Pos().Line != 9 || second.At("spec", "terminateInstanceOnFailure").Line != 15 {
		t.Errorf("second at %v, %v", second.Pos(), second.At("spec", "terminateInstanceOnFailure"))
	}
	spec := second.Spec.(*model.InfrastructureConfigurationSpec)
	if spec.TerminateInstanceOnFailure == nil || !*spec.TerminateInstanceOnFailure {
		t.Errorf("spec %+v", spec)
	}
}

// TestTypeMismatch: a number or list where a string belongs leaves Spec nil
// without a finding (the schema validator reports it) and never panics.
func TestTypeMismatch(t *testing.T) {
	for name, text := range map[string]string{
		"list for string":   componentHead + "spec:\n  platform: [Linux]\n  data: x\n",
		"spec is a number":  componentHead + "spec: 42\n",
		"mapping for list":  "apiVersion: kiln/v1\nkind: ImageRecipe\nmetadata: {name: r, version: 1.0.0}\nspec:\n  components: {name: x}\n",
		"number for struct": "apiVersion: kiln/v1\nkind: ImagePipeline\nmetadata: {name: p}\nspec:\n  imageRecipe: 7\n",
		"metadata list":     "apiVersion: kiln/v1\nkind: DistributionConfiguration\nmetadata: [a]\nspec:\n  distributions: 3\n",
	} {
		t.Run(name, func(t *testing.T) {
			repo, fs := load(t, mapFS(map[string]string{"r.yaml": text}), Options{})
			checkFindings(t, fs, nil)
			if len(repo.Resources) != 1 {
				t.Fatalf("%d resources", len(repo.Resources))
			}
			r := repo.Resources[0]
			if r.Spec != nil {
				t.Errorf("spec %#v", r.Spec)
			}
			if r.Value == nil || r.Node() == nil {
				t.Error("no value or node")
			}
		})
	}
	// Both document and data, or a number for data: the schema validator's
	// business; the loader attaches no document and says nothing.
	for _, spec := range []string{"  data: 12\n", "  data: x\n  document: y\n", "  data:\n  document: null\n"} {
		repo, fs := load(t, mapFS(map[string]string{"r.yaml": componentHead + "spec:\n  platform: Linux\n" + spec}), Options{})
		checkFindings(t, fs, nil)
		if repo.Resources[0].Document != nil {
			t.Errorf("%q: document %+v", spec, repo.Resources[0].Document)
		}
	}
	// A number where a string belongs decodes as its text: Spec is set.
	repo, _ := load(t, mapFS(map[string]string{"r.yaml": componentHead + "spec:\n  platform: 12\n  data: x\n"}), Options{})
	if s, ok := repo.Resources[0].Spec.(*model.ComponentSpec); !ok || s.Platform != "12" {
		t.Errorf("spec %#v", repo.Resources[0].Spec)
	}
	if v := repo.Resources[0].Value["spec"].(map[string]any)["platform"]; v != 12 {
		t.Errorf("value platform %#v", v)
	}
}

func TestValue(t *testing.T) {
	text := `apiVersion: kiln/v1
kind: InfrastructureConfiguration
metadata:
  name: infra
  tags: &tags {team: platform, cost: "42"}
spec:
  instanceProfileName: p
  resourceTags:
    <<: *tags
    team: security
  instanceTypes: [m7i.large, ~, true, 0x1F, 1_000, 2.5, .inf, 2024-01-02, !custom x, !!str 7]
`
	repo, fs := load(t, mapFS(map[string]string{"i.yaml": text}), Options{})
	checkFindings(t, fs, nil)
	spec := repo.Resources[0].Value["spec"].(map[string]any)
	if got := spec["resourceTags"]; !reflect.DeepEqual(got, map[string]any{"team": "security", "cost": "42"}) {
		t.Errorf("merged %v", got)
	}
	want := []any{"m7i.large", nil, true, 31, 1000, 2.5, ".inf", "2024-01-02", "x", "7"}
	if got := spec["instanceTypes"]; !reflect.DeepEqual(got, want) {
		t.Errorf("scalars %#v", got)
	}
}

func TestConfig(t *testing.T) {
	cfg := `# settings
roots: [images]
environments:
  staging:
    account: "111111111111"
    region: us-east-1
    branch: main
  prod:
    account: "222222222222"
    region: eu-west-1
    branch: release
    production: true
  dev:
    account: "333333333333"
    region: us-west-2
    branch: dev
policy:
  bundles: [policies, ../shared-policies, /opt/kiln/policy]
  failOn: medium
  waivers:
    - rule: KILN-INF-001
      resource: InfrastructureConfiguration/legacy
      justification: migrating
      expires: "2030-01-01"
`
	fsys := mapFS(map[string]string{
		".kiln.yaml":              cfg,
		"images/c.yaml":           componentHead + "spec:\n  platform: Linux\n  data: x\n",
		"elsewhere/c.yaml":        "apiVersion: kiln/v1\nkind: Nope\n",
		"policies/ami.rego":       "package kiln\n",
		"policies/sub/ami.rego":   "package kiln.sub\n",
		"policies/notes.md":       "#",
		"policies/.hidden/x.rego": "package x\n",
	})
	repo, fs := load(t, fsys, Options{})
	checkFindings(t, fs, nil)
	c := repo.Config
	var names []string
	for _, e := range c.Environments {
		names = append(names, e.Name)
	}
	if !reflect.DeepEqual(names, []string{"staging", "prod", "dev"}) || !c.Environments[1].Production {
		t.Errorf("environments %+v", c.Environments)
	}
	if c.File != model.ConfigFile || c.Node == nil || c.Policy.FailOn != finding.SeverityMedium {
		t.Errorf("config %+v", c)
	}
	if w := c.Policy.Waivers[0]; w.Pos != (finding.Pos{File: ".kiln.yaml", Line: 21, Column: 7}) {
		t.Errorf("waiver at %v", w.Pos)
	}
	if len(repo.Resources) != 1 || repo.Resources[0].File != "images/c.yaml" {
		t.Errorf("roots not applied: %v", repo.Resources)
	}
	if !reflect.DeepEqual(repo.PolicyFiles, []string{"policies/ami.rego", "policies/sub/ami.rego"}) {
		t.Errorf("policy files %v", repo.PolicyFiles)
	}
}

func TestConfigFindings(t *testing.T) {
	tests := []struct {
		name string
		cfg  string
		want []wantFinding
	}{
		{"unknown key", "enviroments:\n  prod: {}\n", []wantFinding{{Rule: ruleConfig, File: ".kiln.yaml", Line: 1, Column: 1, Contains: `unknown setting "enviroments"`}}},
		{"unknown environment key", "environments:\n  prod:\n    acount: x\n", []wantFinding{{Rule: ruleConfig, File: ".kiln.yaml", Line: 3, Column: 5, Contains: `unknown setting "acount" for environment "prod"`}}},
		{"wrong type", "bake:\n  onMerge: [yes]\n", []wantFinding{{Rule: ruleConfig, File: ".kiln.yaml", Line: 2, Column: 12, Contains: "expected true or false, found a list"}}},
		{"environments list", "environments:\n  - prod\n", []wantFinding{{Rule: ruleConfig, File: ".kiln.yaml", Line: 2, Column: 3, Contains: "environments must be a mapping"}}},
		{"syntax", "policy: [\n", []wantFinding{{Rule: ruleYAML, File: ".kiln.yaml", Line: 1, Contains: "invalid YAML"}}},
		{"duplicate", "roots: [a]\nroots: [b]\n", []wantFinding{{Rule: ruleDuplicateKey, File: ".kiln.yaml", Line: 2, Column: 1}}},
		{"not a mapping", "- a\n", []wantFinding{{Rule: ruleConfig, File: ".kiln.yaml", Line: 1, Column: 1, Contains: "must be a mapping"}}},
		{"root outside", "roots: [../up]\n", []wantFinding{{Rule: ruleConfig, File: ".kiln.yaml", Line: 1, Column: 9, Contains: "outside the repository"}}},
		{"root missing", "roots: [a, nowhere]\n", []wantFinding{{Rule: ruleConfig, File: ".kiln.yaml", Line: 1, Column: 12, Contains: `root "nowhere" does not exist`}}},
		{"bundle missing", "policy:\n  bundles:\n    - policy\n", []wantFinding{{Rule: ruleConfig, File: ".kiln.yaml", Line: 3, Column: 7, Contains: `policy bundle "policy" does not exist`}}},
		{"empty", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			repo, fs := load(t, mapFS(map[string]string{".kiln.yaml": tc.cfg, "a/x.yaml": "x: 1"}), Options{})
			checkFindings(t, fs, tc.want)
			if repo.Config == nil || repo.Config.File != model.ConfigFile {
				t.Errorf("config %+v", repo.Config)
			}
		})
	}
	repo, _ := load(t, fstest.MapFS{}, Options{})
	if !reflect.DeepEqual(repo.Config, model.DefaultConfig()) {
		t.Errorf("default config %+v", repo.Config)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Load(ctx, mapFS(map[string]string{"a.yaml": componentHead}), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
	// Cancelled while walking: the walk notices.
	files := map[string]string{}
	for i := range 50 {
		files[fmt.Sprintf("d%02d/c.yaml", i)] = componentHead
	}
	ctx, cancel = context.WithCancel(context.Background())
	fsys := &cancelFS{FS: mapFS(files), cancel: cancel, after: 10}
	if _, _, err := Load(ctx, fsys, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
}

// TestNoFalseAlarms: brackets in scripts, strings and comments, and nesting
// just under the limit, are not mistaken for deep nesting.
func TestNoFalseAlarms(t *testing.T) {
	opens := strings.Repeat("[", 300)
	nested := strings.Repeat("[", 60) + strings.Repeat("]", 60)
	text := componentHead + "# a comment with " + opens + "\n" +
		"  description: 'quoted " + opens + "'\n" +
		"spec:\n  platform: Linux\n  changeDescription: \"also " + opens + "\"\n" +
		"  kmsKeyId: plain" + opens + "\n" +
		"  nested: " + nested + "\n" +
		"  multiline: [\n\"a" + opens + "\",\n'b" + opens + "'\n    ]\n" +
		"  data: |\n    name: x\n    phases:\n      - name: build\n        steps:\n          - name: S\n            action: ExecuteBash\n            inputs:\n              commands:\n" +
		"                - |\n                  if [[ -f /etc/x ]]; then echo " + opens + "; fi\n                  echo ${arr[0]} {{{{\n"
	repo, fs := load(t, mapFS(map[string]string{"c.yaml": text}), Options{})
	checkFindings(t, fs, nil)
	if len(repo.Resources) != 1 || repo.Resources[0].Document == nil {
		t.Fatalf("resources %+v", repo.Resources)
	}
	// 61 levels: the list is 60 deep under spec under the document.
	_, fs = load(t, mapFS(map[string]string{"c.yaml": text}), Options{MaxDepth: 61})
	checkFindings(t, fs, []wantFinding{{Rule: ruleDepth, File: "c.yaml", Contains: "deeper than 61"}})
}
