package policy

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

func TestEvaluatePositions(t *testing.T) {
	repo := load(t, map[string]string{
		"infra/build.yaml":                imdsv1Infra,
		"components/ssh-config.yaml":      rootLoginComponent,
		"components/fetch-agent.yaml":     fetchComponent,
		"components/fetch-agent.toe.yaml": fetchDocument,
	})
	fs := evaluate(t, repo, Options{Builtin: true})

	tests := []struct {
		rule string
		pos  finding.Pos
		sev  finding.Severity
	}{
		{"KILN-INF-001", finding.Pos{File: "infra/build.yaml", Line: 15, Column: 17}, finding.SeverityHigh},
		{"KILN-CMP-001", finding.Pos{File: "components/ssh-config.yaml", Line: 22, Column: 19}, finding.SeverityHigh},
		{"KILN-CMP-015", finding.Pos{File: "components/fetch-agent.toe.yaml", Line: 10, Column: 15}, finding.SeverityHigh},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			f := one(t, fs, tt.rule)
			if f.Pos != tt.pos {
				t.Errorf("at %s, want %s", f.Pos, tt.pos)
			}
			if f.Severity != tt.sev || f.Source != finding.SourcePolicy {
				t.Errorf("severity %s source %s", f.Severity, f.Source)
			}
			if f.Title == "" || f.Remediation == "" || f.Description == "" {
				t.Errorf("metadata missing: %+v", f)
			}
			if f.Resource == "" {
				t.Errorf("no resource")
			}
		})
	}
	if got := one(t, fs, "KILN-CMP-001"); !reflect.DeepEqual(got.Controls[:1], []string{"cis-al2023:4.2.7"}) {
		t.Errorf("controls %v", got.Controls)
	}
}

func TestEvaluateCompliantIsClean(t *testing.T) {
	repo := load(t, map[string]string{"infra/build.yaml": goodInfra})
	if fs := evaluate(t, repo, Options{Builtin: true}); len(fs) != 0 {
		t.Errorf("want no findings, got:\n%s", dump(fs))
	}
}

func TestRulesConfig(t *testing.T) {
	repo := load(t, map[string]string{"infra/build.yaml": imdsv1Infra})
	tests := []struct {
		name  string
		rules map[string]model.RuleConfig
		want  finding.Severity // "" = no finding
	}{
		{"default", nil, finding.SeverityHigh},
		{"regraded", map[string]model.RuleConfig{"KILN-INF-001": {Severity: finding.SeverityCritical}}, finding.SeverityCritical},
		{"disabled", map[string]model.RuleConfig{"KILN-INF-001": {Disabled: true}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := model.DefaultConfig()
			cfg.Policy.Rules = tt.rules
			got := byRule(evaluate(t, repo, Options{Builtin: true, Config: cfg}), "KILN-INF-001")
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("disabled rule still reported: %v", got)
			case tt.want != "" && (len(got) != 1 || got[0].Severity != tt.want):
				t.Errorf("got %v, want one at %s", got, tt.want)
			}
		})
	}
}

func TestPolicyDataAllowlists(t *testing.T) {
	repo := load(t, map[string]string{"infra/build.yaml": goodInfra})
	cfg := model.DefaultConfig()
	cfg.Policy.Data = map[string]any{"allowedSubnets": []any{"subnet-private-*"}}
	f := one(t, evaluate(t, repo, Options{Builtin: true, Config: cfg}), "KILN-INF-008")
	if f.Line != 7 {
		t.Errorf("at %s, want line 7", f.Pos)
	}
}

func TestProductionRules(t *testing.T) {
	repo := load(t, map[string]string{
		"pipelines/base.yaml": `
apiVersion: kiln/v1
kind: ImagePipeline
metadata:
  name: base
spec:
  imageRecipe:
    name: base
    version: 1.x.x
  infrastructureConfiguration: build
  imageScanningConfiguration:
    imageScanningEnabled: true
`})
	if got := byRule(evaluate(t, repo, Options{Builtin: true}), "KILN-PPL-004"); len(got) != 0 {
		t.Errorf("non-production: %v", got)
	}
	prod := &model.Environment{Name: "prod", Production: true}
	f := one(t, evaluate(t, repo, Options{Builtin: true, Environment: prod}), "KILN-PPL-004")
	if f.Line != 8 {
		t.Errorf("at %s, want line 8", f.Pos)
	}
}

func TestRepositoryWideRule(t *testing.T) {
	repo := load(t, map[string]string{
		"infra/build.yaml": strings.Replace(goodInfra, "httpPutResponseHopLimit: 1", "httpPutResponseHopLimit: 2", 1),
		"pipelines/base.yaml": `
apiVersion: kiln/v1
kind: ImagePipeline
metadata:
  name: base
spec:
  imageRecipe:
    name: base
    version: 1.0.0
  infrastructureConfiguration: build
  imageScanningConfiguration:
    imageScanningEnabled: true
`})
	f := one(t, evaluate(t, repo, Options{Builtin: true}), "KILN-INF-002")
	if f.File != "infra/build.yaml" || f.Line != 16 || f.Resource != "InfrastructureConfiguration/build" {
		t.Errorf("got %s (%s)", f.Pos, f.Resource)
	}
}

func TestWaivers(t *testing.T) {
	files := map[string]string{
		"infra/build.yaml":        imdsv1Infra,
		"infra/legacy-build.yaml": strings.Replace(imdsv1Infra, "name: build", "name: legacy-build", 1),
		".kiln.yaml": `
policy:
  waivers:
    - rule: KILN-INF-001
      resource: InfrastructureConfiguration/build
      justification: vendor agent needs IMDSv1 until 3.2 ships
      expires: 2026-06-01
    - rule: KILN-INF-001
      resource: legacy-*
      justification: decommissioned in Q1
      expires: 2026-03-31
`,
	}
	repo := load(t, files)
	tests := []struct {
		name            string
		now             time.Time
		buildWaived     bool
		legacyExpiredOn string
	}{
		{"expiry day is still waived", time.Date(2026, 6, 1, 23, 59, 0, 0, time.UTC), true, "2026-03-31"},
		{"day after expiry", time.Date(2026, 6, 2, 0, 0, 1, 0, time.UTC), false, "2026-03-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := evaluate(t, repo, Options{Builtin: true, Now: tt.now})
			var build, legacy finding.Finding
			for _, f := range byRule(fs, "KILN-INF-001") {
				switch f.Resource {
				case "InfrastructureConfiguration/build":
					build = f
				case "InfrastructureConfiguration/legacy-build":
					legacy = f
				}
			}
			if build.Waiver == nil || build.Waived() != tt.buildWaived {
				t.Fatalf("build waiver %+v, want waived=%v", build.Waiver, tt.buildWaived)
			}
			if build.Waiver.Justification == "" || build.Waiver.File != ".kiln.yaml" || build.Waiver.Line == 0 {
				t.Errorf("waiver details %+v", build.Waiver)
			}
			if build.Fails(finding.SeverityHigh) == tt.buildWaived {
				t.Errorf("Fails = %v with waived = %v", build.Fails(finding.SeverityHigh), tt.buildWaived)
			}
			if legacy.Waiver == nil || !legacy.Waiver.Expired || legacy.Waived() {
				t.Fatalf("legacy waiver %+v, want expired", legacy.Waiver)
			}
			if !strings.Contains(legacy.Message, "waiver expired on "+tt.legacyExpiredOn) {
				t.Errorf("message %q does not say the waiver expired", legacy.Message)
			}
		})
	}
}

func TestInvalidWaiver(t *testing.T) {
	cfg := model.DefaultConfig()
	cfg.Policy.Waivers = []model.Waiver{{Rule: "KILN-INF-001", Resource: "build", Justification: "x", Expires: "next week", Pos: finding.Pos{File: ".kiln.yaml", Line: 4, Column: 7}}}
	repo := load(t, map[string]string{"infra/build.yaml": imdsv1Infra})
	fs := evaluate(t, repo, Options{Builtin: true, Config: cfg})
	bad := one(t, fs, WaiverInvalidRule)
	if bad.Line != 4 || !strings.Contains(bad.Message, "YYYY-MM-DD") {
		t.Errorf("got %s", bad)
	}
	if f := one(t, fs, "KILN-INF-001"); f.Waiver != nil {
		t.Errorf("an invalid waiver waived %s", f)
	}
}

// conftestPolicy is shaped like policies teams keep for `conftest test`:
// package main, deny/warn/violation, a message or an object with msg, and
// pre-1.0 syntax in one file.
var conftestPolicies = map[string][]byte{
	"policy/images.rego": []byte(`package main

import rego.v1

deny contains msg if {
	input.kind == "InfrastructureConfiguration"
	not startswith(input.spec.instanceProfileName, "EC2InstanceProfile")
	msg := sprintf("%s: instance profile must follow the naming standard", [input.metadata.name])
}

warn contains msg if {
	input.kind == "InfrastructureConfiguration"
	count(input.spec.instanceTypes) == 0
	msg := "pin instance types so builds are reproducible"
}

violation contains {"msg": "costly instance types", "severity": "medium", "id": "ACME-001"} if {
	some t in input.spec.instanceTypes
	startswith(t, "p4")
}
`),
	"policy/legacy.rego": []byte(`package tags

deny_missing_owner[msg] {
	input.kind == "InfrastructureConfiguration"
	not input.spec.resourceTags.owner
	msg := "resourceTags.owner is required"
}
`),
	"policy/images_test.rego": []byte(`package main
import rego.v1
test_ok if { count(deny) == 0 with input as {"kind": "x"} }
`),
}

func TestConftestCompatibility(t *testing.T) {
	infra := strings.Replace(goodInfra, "EC2InstanceProfileForImageBuilder", "AdminRole", 1)
	infra = strings.Replace(infra, "  subnetId:", "  instanceTypes: [p4d.24xlarge]\n  subnetId:", 1)
	repo := load(t, map[string]string{"infra/build.yaml": infra})
	fs := evaluate(t, repo, Options{UserPolicies: conftestPolicies})

	deny := one(t, fs, "main.deny")
	if deny.Severity != finding.SeverityHigh || deny.Message != "build: instance profile must follow the naming standard" {
		t.Errorf("deny: %s", deny)
	}
	if deny.Pos != (finding.Pos{File: "infra/build.yaml", Line: 1, Column: 1}) {
		t.Errorf("deny at %s, want the document start", deny.Pos)
	}
	if v := one(t, fs, "ACME-001"); v.Severity != finding.SeverityMedium || v.Message != "costly instance types" {
		t.Errorf("violation: %s", v)
	}
	if l := one(t, fs, "tags.deny_missing_owner"); l.Severity != finding.SeverityHigh {
		t.Errorf("v0 policy: %s", l)
	}
	if got := byRule(fs, "main.warn"); len(got) != 0 {
		t.Errorf("warn fired on a configuration with instance types: %v", got)
	}
	// Built-in rules are off: only the users' rules ran.
	for _, f := range fs {
		if strings.HasPrefix(f.Rule, "KILN-") {
			t.Errorf("built-in rule ran: %s", f)
		}
	}
}

func TestCompileError(t *testing.T) {
	_, err := New(context.Background(), Options{Builtin: true, UserPolicies: map[string][]byte{
		"policy/ok.rego":     []byte("package ok\n\ndeny contains \"x\" if false\n"),
		"policy/broken.rego": []byte("package broken\n\ndeny contains msg if {\n\tmsg := no_such_function(input)\n}\n"),
	}})
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("want *CompileError, got %v", err)
	}
	p := ce.Problems[0]
	if p.File != "policy/broken.rego" || p.Line != 4 || p.Column == 0 {
		t.Errorf("problem at %s: %s", p.Pos, p.Message)
	}
	if !strings.Contains(err.Error(), "policy/broken.rego:4:") {
		t.Errorf("error text %q", err)
	}
	if fs := ce.Findings(); len(fs) == 0 || fs[0].Severity != finding.SeverityError {
		t.Errorf("findings %v", fs)
	}
}

func TestCompileErrorUnsafe(t *testing.T) {
	_, err := New(context.Background(), Options{UserPolicies: map[string][]byte{
		"policy/unsafe.rego": []byte("package main\n\ndeny contains msg if {\n\tx > 1\n\tmsg := \"m\"\n}\n"),
	}})
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Problems[0].Line != 4 {
		t.Fatalf("want a compile error at line 4, got %v", err)
	}
}

func TestEvalErrorIsolation(t *testing.T) {
	repo := load(t, map[string]string{"infra/build.yaml": imdsv1Infra})
	// f returns two values for one argument: an eval error when deny_conflict runs.
	fs := evaluate(t, repo, Options{Builtin: true, UserPolicies: map[string][]byte{"policy/bad.rego": []byte(`package main

deny contains "always" if true

f(_) := 1

f(_) := 2

deny_conflict contains msg if {
	f(input.kind) == 1
	msg := "unreachable"
}
`)}})
	e := one(t, fs, EvalErrorRule)
	if !strings.Contains(e.Message, "main.deny_conflict") || e.Severity != finding.SeverityError {
		t.Errorf("eval error: %s", e)
	}
	one(t, fs, "main.deny")    // the user's other rule still ran
	one(t, fs, "KILN-INF-001") // and so did the built-in bundle
}

func TestTimeout(t *testing.T) {
	repo := load(t, map[string]string{"infra/build.yaml": goodInfra})
	start := time.Now()
	fs := evaluate(t, repo, Options{Builtin: true, Timeout: 200 * time.Millisecond, UserPolicies: map[string][]byte{"policy/slow.rego": []byte(`package main

deny contains msg if {
	some i in numbers.range(1, 1000000000)
	i < 0
	msg := "never"
}
`)}})
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %s: the deadline did not cut the policy off", d)
	}
	e := one(t, fs, EvalErrorRule)
	if !strings.Contains(e.Message, "deadline") {
		t.Errorf("message %q", e.Message)
	}
}

func TestEvaluateCancelled(t *testing.T) {
	repo := load(t, map[string]string{"infra/build.yaml": goodInfra})
	e, err := New(context.Background(), Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Evaluate(ctx, repo); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestConcurrentEvaluate(t *testing.T) {
	repo := load(t, map[string]string{
		"infra/build.yaml":                imdsv1Infra,
		"components/ssh-config.yaml":      rootLoginComponent,
		"components/fetch-agent.yaml":     fetchComponent,
		"components/fetch-agent.toe.yaml": fetchDocument,
	})
	e, err := New(context.Background(), Options{Builtin: true, UserPolicies: conftestPolicies, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Evaluate(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := e.Evaluate(context.Background(), repo)
			if err == nil && !reflect.DeepEqual(got, want) {
				err = fmt.Errorf("run %d differs:\n%s\nwant:\n%s", i, dump(got), dump(want))
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestUserKilnStyleRule(t *testing.T) {
	repo := load(t, map[string]string{"infra/build.yaml": goodInfra})
	fs := evaluate(t, repo, Options{Builtin: true, UserPolicies: map[string][]byte{
		"policy/acme.rego": []byte(`package kiln.infrastructure

import data.kiln.lib

# METADATA
# title: Build instances use Graviton
# description: Cost standard.
# custom:
#   id: ACME-INF-001
#   severity: low
#   controls: [ACME-COST-7]
#   remediation: Use m7g instance types.
graviton contains r if {
	input.environment.production == false
	some i, t in object.get(input.spec, "instanceTypes", ["none"])
	not startswith(t, "m7g")
	r := lib.result("not a Graviton instance type", ["spec", "subnetId"])
}
`),
		"policy/paths.rego": []byte(`package main

import rego.v1

deny contains {"msg": "subnet must be tagged", "path": ["spec", "securityGroupIds", 0]} if input.kind == "InfrastructureConfiguration"
`),
	}})
	f := one(t, fs, "ACME-INF-001")
	if f.Severity != finding.SeverityLow || f.Line != 7 || f.Controls[0] != "ACME-COST-7" || f.Title != "Build instances use Graviton" {
		t.Errorf("kiln-style user rule: %+v", f)
	}
	if d := one(t, fs, "main.deny"); d.Line != 8 || d.Column != 22 {
		t.Errorf("conftest result with path at %s, want line 8 column 22", d.Pos)
	}
}

// A conftest policy written for AWSTOE files sees components' documents,
// as `conftest test` would see the .toe.yaml file.
func TestConftestSeesDocuments(t *testing.T) {
	repo := load(t, map[string]string{
		"components/fetch-agent.yaml":     fetchComponent,
		"components/fetch-agent.toe.yaml": fetchDocument,
		"components/ssh-config.yaml":      rootLoginComponent,
	})
	fs := evaluate(t, repo, Options{UserPolicies: map[string][]byte{"policy/toe.rego": []byte(`package main

import rego.v1

warn contains {"msg": sprintf("step %s runs bash", [step.name]), "path": ["phases", i, "steps", j, "action"]} if {
	some i, phase in input.phases
	some j, step in phase.steps
	step.action == "ExecuteBash"
}
`)}})
	got := byRule(fs, "main.warn")
	want := map[finding.Pos]string{
		{File: "components/fetch-agent.toe.yaml", Line: 7, Column: 17}: "step Install runs bash",
		{File: "components/ssh-config.yaml", Line: 15, Column: 21}:     "step Sshd runs bash",
	}
	if len(got) != len(want) {
		t.Fatalf("got:\n%s", dump(fs))
	}
	for _, f := range got {
		if want[f.Pos] != f.Message || f.Severity != finding.SeverityLow {
			t.Errorf("unexpected %s", f)
		}
	}
}
