package policy

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/kiln-gitops/kiln/internal/testgen"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/model"
)

// commandCorpus trips, or nearly trips, every rule that reads commands:
// each line is one ExecuteBash command of a test component.
var commandCorpus = []string{
	"sed -i 's/^#PermitRootLogin.*/PermitRootLogin yes/' /etc/ssh/sshd_config",
	"echo 'PermitRootLogin no' >> /etc/ssh/sshd_config",
	"echo 'PermitEmptyPasswords yes' | tee -a /etc/ssh/sshd_config.d/10.conf",
	"cat > /etc/ssh/sshd_config.d/20.conf <<'EOF'\nPermitUserEnvironment yes\nPasswordAuthentication yes\nEOF",
	"# PasswordAuthentication yes\nsystemctl reload sshd",
	"dnf remove -y audit",
	"systemctl disable --now auditd && systemctl mask auditd",
	"dnf install -y audit && systemctl enable --now auditd",
	"yum install -y telnet-server vsftpd-3.0.3",
	"apt-get install -y tftpd-hpa",
	"dnf install -y ftp telnet",
	"dnf install --nogpgcheck -y ./agent.rpm",
	"sed -i 's/gpgcheck=1/gpgcheck=0/' /etc/yum.repos.d/x.repo",
	"apt-get install --allow-unauthenticated -y foo",
	"setenforce 0",
	"sed -i 's/^SELINUX=.*/SELINUX=permissive/' /etc/selinux/config",
	"grubby --update-kernel ALL --args selinux=0",
	"curl -k https://example.com/x -o /tmp/x",
	"curl -fsSL https://example.com/install.sh | sudo bash",
	"bash -c \"$(curl -fsSL https://example.com/i.sh)\"",
	"wget --no-check-certificate https://example.com/y",
	"curl --insecure https://example.com/z; wget -q https://example.com/ok",
	"echo curl -k is forbidden",
	"export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
	"Telnet-Server CURL SELinux AUDITD Gpg mentioned in passing",
}

func corpusComponent(cmds []string) string {
	var b strings.Builder
	b.WriteString(`apiVersion: kiln/v1
kind: Component
metadata:
  name: corpus
  version: 1.0.0
spec:
  platform: Linux
  data: |
    name: corpus
    schemaVersion: 1.0
    phases:
      - name: build
        steps:
          - name: Run
            action: ExecuteBash
            inputs:
              commands:
`)
	for _, c := range cmds {
		b.WriteString("                - |\n")
		for _, l := range strings.Split(c, "\n") {
			b.WriteString("                  " + l + "\n")
		}
	}
	b.WriteString(corpusSteps)
	return b.String()
}

// corpusSteps trip, or nearly trip, every rule about steps, and include the
// shapes lib.steps leaves out (a step without a name or action, a phase
// without a name).
const corpusSteps = `          - name: Fetch
            action: WebDownload
            inputs:
              - source: http://example.com/a.tgz
                destination: /tmp/a.tgz
              - source: https://example.com/b.tgz
                destination: /tmp/b.tgz
                checksum: abc
                ignoreCertificateErrors: true
          - name: FetchOne
            action: WebDownload
            inputs:
              source: HTTP://example.com/c.tgz
              destination: /tmp/c.tgz
          - name: Pull
            action: S3Download
            inputs:
              - source: s3://bucket/key
                destination: /tmp/key
              - source: s3://bucket/other
                destination: /tmp/other
                expectedBucketOwner: "111122223333"
          - name: Push
            action: S3Upload
            inputs:
              - source: /var/log/x
                destination: s3://bucket/logs/
          - name: Msi
            action: InstallMSI
            inputs:
              path: C:\\agent.msi
              allowUnsignedInstaller: true
          - action: WebDownload
            inputs:
              - source: http://example.com/nameless
                destination: /tmp/n
          - name: NoAction
            inputs:
              - source: http://example.com/actionless
      - steps:
          - name: InPhaseWithoutName
            action: WebDownload
            inputs:
              - source: http://example.com/phaseless
                destination: /tmp/p
      - name: test
        steps:
          - name: Again
            action: S3Download
            inputs:
              - source: s3://bucket/again
                destination: /tmp/again
`

// The command and step indexes are optimisations only: every component rule
// gives the same results with them as without them (lib.mentions and
// lib.by_action are then computed in Rego, as in the bundle's unit tests).
func TestIndexesSameResults(t *testing.T) {
	ctx := context.Background()
	repos := map[string]*model.Repository{
		"corpus": load(t, map[string]string{"components/corpus.yaml": corpusComponent(commandCorpus)}),
	}
	gen, _, err := loader.Load(ctx, testgen.Repository(20, 4, 2), loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	repos["generated"] = gen
	for name, repo := range repos {
		e, err := New(ctx, Options{Builtin: true, Config: repo.Config})
		if err != nil {
			t.Fatal(err)
		}
		b := newInputBuilder(repo, e)
		qs := e.groups["component"]
		total := 0
		for _, res := range repo.ByKind(model.KindComponent) {
			in := b.build(res)
			if in.err != nil {
				t.Fatal(in.err)
			}
			with, errs := e.run(ctx, qs, in.kiln)
			if len(errs) > 0 {
				t.Fatalf("%s: %v", res.ID(), errs)
			}
			without := ast.NewObject()
			in.kiln.(ast.Object).Foreach(func(k, v *ast.Term) {
				if !k.Equal(ast.StringTerm("command_index")) && !k.Equal(ast.StringTerm("step_index")) {
					without.Insert(k, v)
				}
			})
			plain, errs := e.run(ctx, qs, without)
			if len(errs) > 0 {
				t.Fatalf("%s: %v", res.ID(), errs)
			}
			if got, want := pairStrings(with), pairStrings(plain); !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: with the index\n%s\nwithout\n%s", name, res.ID(), strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			total += len(with)
		}
		if name == "corpus" && total < 25 {
			t.Errorf("corpus trips only %d results; it is meant to exercise every command and step rule", total)
		}
	}
}

func pairStrings(ps []pair) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s %v", p.ref, p.value))
	}
	slices.Sort(out)
	return out
}

// The indexes kiln builds are the ones the bundle expects (lib.mentions,
// lib.by_action), and every rule looks up an indexed word or action: one
// that is not would find nothing.
func TestIndexesCoverBundle(t *testing.T) {
	ctx := context.Background()
	files, err := bundleFiles(false)
	if err != nil {
		t.Fatal(err)
	}
	mods, err := parseModules(files, false)
	if err != nil {
		t.Fatal(err)
	}
	c := ast.NewCompiler()
	if c.Compile(mods); c.Failed() {
		t.Fatal(c.Errors)
	}
	rs, err := rego.New(rego.Compiler(c), rego.Query("[data.kiln.lib.indexed_words, data.kiln.lib.indexed_actions]")).Eval(ctx)
	if err != nil || len(rs) != 1 {
		t.Fatalf("%v %v", rs, err)
	}
	sets := rs[0].Expressions[0].Value.([]any)
	asSet := func(v any) map[string]bool {
		out := map[string]bool{}
		for _, x := range v.([]any) {
			out[x.(string)] = true
		}
		return out
	}
	inGo := func(xs []string) map[string]bool {
		out := map[string]bool{}
		for _, x := range xs {
			out[x] = true
		}
		return out
	}
	if got, want := inGo(indexedWords), asSet(sets[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("indexedWords %v, lib.indexed_words %v", got, want)
	}
	if got, want := inGo(indexedActions), asSet(sets[1]); !reflect.DeepEqual(got, want) {
		t.Errorf("indexedActions %v, lib.indexed_actions %v", got, want)
	}

	lookups := func(direct, listed string) map[string]bool {
		used := map[string]bool{}
		for _, src := range files {
			for _, m := range regexp.MustCompile(direct).FindAllStringSubmatch(string(src), -1) {
				used[m[1]] = true
			}
			for _, m := range regexp.MustCompile(listed).FindAllStringSubmatch(string(src), -1) {
				for _, w := range strings.Split(m[1], ",") {
					used[strings.Trim(strings.TrimSpace(w), `"`)] = true
				}
			}
		}
		return used
	}
	words := lookups(`lib\.mentions\["([^"]*)"\]`, `some w in \[([^\]]*)\]; some c in lib\.mentions\[w\]`)
	if !reflect.DeepEqual(words, inGo(indexedWords)) {
		t.Errorf("rules look up the words %v; indexed are %v", words, indexedWords)
	}
	actions := lookups(`lib\.by_action\["([^"]*)"\]`, `some action in \[([^\]]*)\]\s+some s in lib\.by_action\[action\]`)
	if !reflect.DeepEqual(actions, inGo(indexedActions)) {
		t.Errorf("rules look up the actions %v; indexed are %v", actions, indexedActions)
	}
}

func TestRepositoryKinds(t *testing.T) {
	ctx := context.Background()
	e, err := New(ctx, Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[model.Kind]bool{model.KindInfrastructureConfiguration: true, model.KindImagePipeline: true}
	if !reflect.DeepEqual(e.repoKinds, want) {
		t.Errorf("built-in bundle: %v, want %v", e.repoKinds, want)
	}

	// A user's repository-wide rule may look at anything.
	e, err = New(ctx, Options{Builtin: true, UserPolicies: map[string][]byte{"policy/repo.rego": []byte(`package kiln.repository

# METADATA
# title: At most one component
# custom:
#   id: ACME-REPO-001
#   severity: low
too_many contains {"msg": "more than one component", "resource": c.id} if {
	cs := [r | some r in input.resources; r.kind == "Component"]
	count(cs) > 1
	some c in cs
}
`)}})
	if err != nil {
		t.Fatal(err)
	}
	if e.repoKinds != nil {
		t.Errorf("with a user's rule: %v, want every kind", e.repoKinds)
	}
	repo := load(t, map[string]string{
		"components/a.yaml": strings.Replace(rootLoginComponent, "name: ssh-config", "name: a", 1),
		"components/b.yaml": strings.Replace(rootLoginComponent, "name: ssh-config", "name: b", 1),
	})
	fs, err := e.Evaluate(ctx, repo)
	if err != nil {
		t.Fatal(err)
	}
	if got := byRule(fs, "ACME-REPO-001"); len(got) != 2 {
		t.Errorf("user's repository rule: got %d findings, want 2:\n%s", len(got), dump(fs))
	}
}

// Recipes that share a component share its summary in their inputs, and
// the summary says what the repository component is.
func TestRecipeComponentsShared(t *testing.T) {
	ctx := context.Background()
	repo, _, err := loader.Load(ctx, testgen.Repository(40, 3, 1), loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(ctx, Options{Builtin: true, Config: repo.Config})
	if err != nil {
		t.Fatal(err)
	}
	b := newInputBuilder(repo, e)
	seen := map[string]*ast.Term{}
	shared := 0
	for _, res := range repo.ByKind(model.KindImageRecipe) {
		in := b.build(res)
		comps := in.kiln.(ast.Object).Get(ast.StringTerm("components")).Value.(*ast.Array)
		if comps.Len() == 0 {
			t.Fatalf("%s: no components in the input", res.ID())
		}
		comps.Foreach(func(c *ast.Term) {
			r := c.Value.(ast.Object).Get(keyResolved)
			obj, ok := r.Value.(ast.Object)
			if !ok {
				return // an ARN, or a component the repository lacks
			}
			id := obj.Get(keyID).Value.(ast.String)
			comp := repo.Resolve(model.KindComponent, string(c.Value.(ast.Object).Get(keyName).Value.(ast.String)), string(c.Value.(ast.Object).Get(keyVersion).Value.(ast.String)))
			if comp == nil || comp.ID().String() != string(id) {
				t.Errorf("resolved to %s, want %v", id, comp)
			}
			if prev, ok := seen[string(id)]; ok {
				if prev != r {
					t.Errorf("%s: summary built twice", id)
				}
				shared++
			}
			seen[string(id)] = r
		})
	}
	if shared == 0 {
		t.Error("no component shared between recipes; the test repository should have some")
	}
}

// New reads METADATA from the parsed modules, without compiling them first;
// it must read what the compiler reads.
func TestRuleInfosWithoutCompiling(t *testing.T) {
	files, err := bundleFiles(false)
	if err != nil {
		t.Fatal(err)
	}
	files["policy/acme.rego"] = []byte(`package kiln.infrastructure

# METADATA
# title: Build instances use Graviton
# custom:
#   id: ACME-INF-001
#   severity: low
graviton contains "x" if input.spec.instanceTypes[_] == "m5.large"
`)
	files["policy/main.rego"] = []byte("package main\n\ndeny[msg] { msg := \"v0\"; input.kind == \"x\" }\n")
	mods, err := parseModules(files, true)
	if err != nil {
		t.Fatal(err)
	}
	as, errs := ast.BuildAnnotationSet(sortedModules(mods))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	c := ast.NewCompiler()
	if c.Compile(mods); c.Failed() {
		t.Fatal(c.Errors)
	}
	got, want := ruleInfos(as), ruleInfos(c.GetAnnotationSet())
	if len(want) < 30 || !reflect.DeepEqual(got, want) {
		t.Errorf("from the parsed modules:\n%v\nfrom the compiler:\n%v", got, want)
	}
}

// OPA writes `with input.x as y` into a copy of the input, and a lazy
// object's copy is itself: an engine whose policies do that builds eager
// inputs, and the replaced value never leaks into another rule.
func TestWithInputPartIsEager(t *testing.T) {
	ctx := context.Background()
	e, err := New(ctx, Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.eagerInputs {
		t.Error("the built-in bundle does not replace parts of the input")
	}
	policies := map[string][]byte{"policy/with.rego": []byte(`package main

is_container if input.kind == "ContainerRecipe"

deny_a contains "pretends to be a container recipe" if is_container with input.kind as "ContainerRecipe"

deny_b contains "is a container recipe" if input.kind == "ContainerRecipe"
`)}
	e, err = New(ctx, Options{UserPolicies: policies})
	if err != nil {
		t.Fatal(err)
	}
	if !e.eagerInputs {
		t.Error("with input.kind as …: want eager inputs")
	}
	repo := load(t, map[string]string{"infra/build.yaml": goodInfra})
	fs := evaluate(t, repo, Options{UserPolicies: policies})
	if len(byRule(fs, "main.deny_a")) != 1 || len(byRule(fs, "main.deny_b")) != 0 {
		t.Errorf("got:\n%s", dump(fs))
	}
}
