package reconciler_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
	"github.com/kiln-gitops/kiln/internal/testgen"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// checkApplied verifies that the environment holds exactly repo: every
// resource once, managed, with its effective digest and provenance tags,
// components at build version 1, and pipelines pointing at the recipe
// version and configurations the repository names.
func checkApplied(t *testing.T, h *harness, repo *model.Repository) {
	t.Helper()
	live := h.list(t)
	have := byID(live)
	if len(live) != len(have) {
		t.Errorf("environment holds %d resources under %d names: something exists twice", len(live), len(have))
	}
	if len(live) != len(repo.Resources) {
		t.Errorf("environment holds %d resources, repository %d", len(live), len(repo.Resources))
	}
	for _, r := range repo.Resources {
		l, ok := have[r.ID().String()]
		if !ok {
			t.Errorf("%s missing", r.ID())
			continue
		}
		if !l.Managed || l.Digest != reconciler.EffectiveDigest(repo, r) {
			t.Errorf("%s: managed %v digest %q, want managed with %q", r.ID(), l.Managed, l.Digest, reconciler.EffectiveDigest(repo, r))
		}
		if l.Tags[reconciler.TagRepo] != meta.Repo || l.Tags[reconciler.TagCommit] != meta.Commit {
			t.Errorf("%s: tags %v lack kiln:repo/kiln:commit", r.ID(), l.Tags)
		}
		for k, v := range r.Metadata.Tags {
			if l.Tags[k] != v {
				t.Errorf("%s: own tag %s=%s missing from %v", r.ID(), k, v, l.Tags)
			}
		}
		if r.Kind == model.KindComponent && !strings.HasSuffix(l.Arn, "/"+r.Metadata.Version+"/1") {
			t.Errorf("%s: ARN %s is not build version 1", r.ID(), l.Arn)
		}
		if r.Kind != model.KindImagePipeline {
			continue
		}
		spec := r.Spec.(*model.ImagePipelineSpec)
		kind, ref := spec.Recipe()
		rec := repo.Resolve(kind, ref.Name, ref.Version)
		if rec == nil {
			t.Fatalf("%s: recipe %s@%s not in the repository", r.ID(), ref.Name, ref.Version)
		}
		if want := have[rec.ID().String()].Arn; l.RecipeArn != want || want == "" {
			t.Errorf("%s builds %s, want %s (%s)", r.ID(), l.RecipeArn, want, rec.ID())
		}
		if want := have["InfrastructureConfiguration/"+spec.InfrastructureConfiguration].Arn; l.InfrastructureArn != want {
			t.Errorf("%s uses infrastructure %s, want %s", r.ID(), l.InfrastructureArn, want)
		}
		if spec.DistributionConfiguration != "" {
			if want := have["DistributionConfiguration/"+spec.DistributionConfiguration].Arn; l.DistributionArn != want {
				t.Errorf("%s uses distribution %s, want %s", r.ID(), l.DistributionArn, want)
			}
		}
	}
}

// checkSettled plans repo again: everything unchanged, nothing to bake.
func checkSettled(t *testing.T, h *harness, repo *model.Repository) {
	t.Helper()
	p := h.plan(t, repo)
	if n := p.Count()[reconciler.ActionUnchanged]; n != len(repo.Resources) || len(p.Changes) != n {
		t.Errorf("re-plan: %v, want %d unchanged", p.Count(), len(repo.Resources))
		for _, c := range p.Changes {
			if c.Action != reconciler.ActionUnchanged {
				t.Logf("  %s %s: %s", c.Action, c.ID(), c.Reason)
			}
		}
	}
	if len(p.Bakes) != 0 {
		t.Errorf("re-plan bakes %+v, want none", p.Bakes)
	}
}

func kindIndex(id string) int {
	return slices.Index(model.Kinds(), model.Kind(id[:strings.Index(id, "/")]))
}

func TestApplyToEmptyEnvironment(t *testing.T) {
	examples, examplesEnv := loadExamples(t)
	cases := []struct {
		name string
		repo *model.Repository
		env  model.Environment
	}{
		{"generated", load(t, testgen.Repository(20, 4, 2)), staging},
		{"examples", examples, examplesEnv},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.env)
			p := h.plan(t, tc.repo)
			if n := p.Count()[reconciler.ActionCreate]; n != len(tc.repo.Resources) || len(p.Changes) != n {
				t.Fatalf("plan %v, want %d creates", p.Count(), len(tc.repo.Resources))
			}
			if want := len(tc.repo.ByKind(model.KindImagePipeline)); len(p.Bakes) != want {
				t.Errorf("plan bakes %d pipelines, want all %d", len(p.Bakes), want)
			}
			out, err := reconciler.Apply(context.Background(), h.ib, tc.repo, p, meta)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Created) != len(tc.repo.Resources) || len(out.Updated)+len(out.Deleted)+len(out.Skipped) != 0 {
				t.Fatalf("outcome %+v", out)
			}
			if !slices.IsSortedFunc(out.Created, func(a, b string) int { return kindIndex(a) - kindIndex(b) }) {
				t.Errorf("created out of dependency order: %v", out.Created)
			}
			for _, id := range out.Created {
				if out.ARNs[id] == "" {
					t.Errorf("%s created without an ARN", id)
				}
			}
			calls := h.srv.Calls()
			if calls["CreateComponent"] != len(tc.repo.ByKind(model.KindComponent)) {
				t.Errorf("CreateComponent called %d times for %d components", calls["CreateComponent"], len(tc.repo.ByKind(model.KindComponent)))
			}
			checkApplied(t, h, tc.repo)
			checkSettled(t, h, tc.repo)
		})
	}
}

// interrupting is an environment whose connection drops during an apply:
// after the server carried out create number at (1-based), the context is
// cancelled, and with lost the caller does not even learn the result.
type interrupting struct {
	reconciler.ImageBuilder
	at      int
	lost    bool
	cancel  context.CancelFunc
	creates int
}

func (e *interrupting) Create(ctx context.Context, r *model.Resource, refs reconciler.Resolver, token string, tags map[string]string, dryRun bool) (string, error) {
	arn, err := e.ImageBuilder.Create(ctx, r, refs, token, tags, dryRun)
	e.creates++
	if e.creates == e.at {
		e.cancel()
		if e.lost {
			return "", fmt.Errorf("create %s: %w", r.ID(), context.Canceled)
		}
	}
	return arn, err
}

func TestApplyReplayed(t *testing.T) {
	repo := load(t, testgen.Repository(20, 4, 2))
	// Halfway is among the recipes: 20 components come first.
	const halfway = 22
	cases := []struct {
		name string
		// lost: the interrupted create's answer never arrived.
		lost bool
		// replan plans again after the interruption; otherwise the
		// first plan is replayed as it was.
		replan bool
		// at is the create after which the apply is interrupted; 0
		// applies the whole plan before replaying it.
		at int
	}{
		{name: "same plan applied twice", replan: false},
		{name: "cancelled halfway then re-planned", at: halfway, replan: true},
		{name: "cancelled halfway then replayed", at: halfway},
		{name: "answer lost halfway then re-planned", at: halfway, lost: true, replan: true},
		{name: "answer lost halfway then replayed", at: halfway, lost: true},
		{name: "answer lost on the last create then replayed", at: len(repo.Resources), lost: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, staging)
			first := h.plan(t, repo)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ib := &interrupting{ImageBuilder: h.ib, at: tc.at, lost: tc.lost, cancel: cancel}
			out1, err := reconciler.Apply(ctx, ib, repo, first, meta)
			switch {
			case tc.at == 0 && err != nil:
				t.Fatal(err)
			case tc.at > 0 && !errors.Is(err, context.Canceled):
				t.Fatalf("interrupted apply: %v, want context.Canceled", err)
			}
			created := len(out1.Created)
			if tc.at > 0 && created != tc.at-boolInt(tc.lost) {
				t.Fatalf("interrupted apply created %d, want %d", created, tc.at-boolInt(tc.lost))
			}

			second := first
			if tc.replan {
				second = h.plan(t, repo)
				c := second.Count()
				if c[reconciler.ActionUnchanged] != tc.at || c[reconciler.ActionCreate] != len(repo.Resources)-tc.at {
					t.Fatalf("re-plan after %d creates: %v", tc.at, c)
				}
			}
			out2, err := reconciler.Apply(context.Background(), h.ib, repo, second, meta)
			if err != nil {
				t.Fatal(err)
			}
			for id, arn := range out1.ARNs {
				if out2.ARNs[id] != arn {
					t.Errorf("%s: %s the first time, %s the second", id, arn, out2.ARNs[id])
				}
			}
			checkApplied(t, h, repo)
			checkSettled(t, h, repo)
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestApplyReplayedStrict replays against the service's older behaviour,
// which refuses a component version that exists: only the client token
// makes the replay succeed.
func TestApplyReplayedStrict(t *testing.T) {
	repo := load(t, testgen.Repository(20, 4, 2))
	h := newHarness(t, staging, ibtest.WithStrictComponentVersions())
	p, _ := h.apply(t, repo)
	if _, err := reconciler.Apply(context.Background(), h.ib, repo, p, meta); err != nil {
		t.Fatalf("replay: %v", err)
	}
	checkApplied(t, h, repo)
}

func TestApplyUnderFaults(t *testing.T) {
	repo := load(t, testgen.Repository(20, 4, 2))
	cases := []struct {
		name   string
		faults []ibtest.Fault
	}{
		{"throttled components", []ibtest.Fault{{Operation: "CreateComponent", Kind: ibtest.Throttle, Times: 5}}},
		{"too many requests on recipes", []ibtest.Fault{{Operation: "CreateImageRecipe", Kind: ibtest.TooManyRequests, Times: 3}}},
		{"5xx on configurations and pipelines", []ibtest.Fault{
			{Operation: "CreateInfrastructureConfiguration", Kind: ibtest.ServerError, Times: 2},
			{Operation: "CreateDistributionConfiguration", Kind: ibtest.ServerError},
			{Operation: "CreateImagePipeline", Kind: ibtest.ServerError, Times: 4},
		}},
		{"everything, listings included", []ibtest.Fault{
			{Kind: ibtest.Throttle, Times: 3},
			{Operation: "ListComponents", Kind: ibtest.ServerError, Times: 2},
			{Kind: ibtest.ServerError, Times: 3},
			{Kind: ibtest.TooManyRequests, Times: 3},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, staging)
			injected := map[string]int{}
			for _, f := range tc.faults {
				h.srv.Inject(f)
				injected[f.Operation] += max(f.Times, 1)
			}
			h.apply(t, repo)
			checkApplied(t, h, repo)
			checkSettled(t, h, repo)
			// Every fault was answered by a retry of the same call and
			// nothing else was sent twice.
			calls := h.srv.Calls()
			for _, k := range model.Kinds() {
				op := "Create" + string(k)
				want := len(repo.ByKind(k)) + injected[op]
				if injected[""] == 0 && calls[op] != want {
					t.Errorf("%s called %d times, want %d", op, calls[op], want)
				}
			}
		})
	}
}

// generated is the small generated repository the change scenarios start
// from, applied to a fresh environment.
func generated(t *testing.T, env model.Environment) (*harness, fstest.MapFS) {
	t.Helper()
	fsys := testgen.Repository(20, 4, 2)
	h := newHarness(t, env)
	h.apply(t, load(t, fsys))
	h.srv.ResetCalls()
	return h, fsys
}

func TestApplyComponentBump(t *testing.T) {
	h, fsys := generated(t, staging)
	// recipe 000 (pipeline-000) takes stig-hardening at 1.x.x, recipe 001
	// (pipeline-001) pins it at 1.0.0.
	fsys = edit(fsys, map[string]string{
		"components/stig-hardening/1.2.0.yaml":     strings.ReplaceAll(string(fsys["components/stig-hardening/1.1.0.yaml"].Data), "1.1.0", "1.2.0"),
		"components/stig-hardening/1.2.0.toe.yaml": replace(t, fsys, "components/stig-hardening/1.1.0.toe.yaml", "systemctl is-active auditd", "systemctl is-active auditd chronyd"),
	})
	repo := load(t, fsys)
	p := h.plan(t, repo)
	a := actions(p)
	if c := p.Count(); c[reconciler.ActionCreate] != 1 || c[reconciler.ActionUnchanged] != len(repo.Resources)-1 {
		t.Fatalf("plan %v", c)
	}
	if a["Component/stig-hardening@1.2.0"] != reconciler.ActionCreate {
		t.Fatalf("plan %v", a)
	}
	// The recipe's wildcard picks the new version at build time, so
	// nothing but the component changes, and only pipeline-000 bakes.
	want := []reconciler.Bake{{Pipeline: "pipeline-000", Reasons: []string{"component stig-hardening 1.2.0 is new"}}}
	if fmt.Sprint(p.Bakes) != fmt.Sprint(want) {
		t.Errorf("bakes %+v, want %+v", p.Bakes, want)
	}
	out, err := reconciler.Apply(context.Background(), h.ib, repo, p, meta)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Created) != 1 || len(out.Updated) != 0 {
		t.Errorf("outcome %+v", out)
	}
	if n := h.srv.Calls()["CreateComponent"]; n != 1 {
		t.Errorf("CreateComponent called %d times", n)
	}
	checkApplied(t, h, repo)
	checkSettled(t, h, repo)
}

func TestApplyRecipeBump(t *testing.T) {
	prune := staging
	prune.Prune = true
	h, fsys := generated(t, prune)
	liveBefore := byID(h.list(t))
	fsys = edit(fsys, map[string]string{
		"recipes/al2023-golden-001.yaml": strings.Replace(
			replace(t, fsys, "recipes/al2023-golden-001.yaml", "  version: 1.0.0\n  description", "  version: 1.1.0\n  description"),
			"volumeSize: 30", "volumeSize: 40", 1),
		"pipelines/pipeline-001.yaml": replace(t, fsys, "pipelines/pipeline-001.yaml", "name: al2023-golden-001\n    version: 1.0.0", "name: al2023-golden-001\n    version: 1.1.0"),
	})
	repo := load(t, fsys)
	p := h.plan(t, repo)
	a := actions(p)
	wantActions := map[string]reconciler.Action{
		"ImageRecipe/al2023-golden-001@1.1.0": reconciler.ActionCreate,
		"ImageRecipe/al2023-golden-001@1.0.0": reconciler.ActionDelete,
		"ImagePipeline/pipeline-001":          reconciler.ActionUpdate,
		"ImagePipeline/pipeline-000":          reconciler.ActionUnchanged,
	}
	for id, want := range wantActions {
		if a[id] != want {
			t.Errorf("%s: %q, want %q", id, a[id], want)
		}
	}
	want := []reconciler.Bake{{Pipeline: "pipeline-001", Reasons: []string{"pipeline changed", "recipe al2023-golden-001 1.1.0 is new"}}}
	if fmt.Sprint(p.Bakes) != fmt.Sprint(want) {
		t.Errorf("bakes %+v, want %+v", p.Bakes, want)
	}
	out, err := reconciler.Apply(context.Background(), h.ib, repo, p, meta)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(out.Created, out.Updated, out.Deleted, out.Skipped) != "[ImageRecipe/al2023-golden-001@1.1.0] [ImagePipeline/pipeline-001] [ImageRecipe/al2023-golden-001@1.0.0] []" {
		t.Errorf("outcome %v %v %v %v", out.Created, out.Updated, out.Deleted, out.Skipped)
	}
	calls := h.srv.Calls()
	if calls["UpdateImagePipeline"] != 1 || calls["CreateImagePipeline"] != 0 || calls["CreateComponent"] != 0 {
		t.Errorf("calls %v", calls)
	}
	live := byID(h.list(t))
	if got := live["ImagePipeline/pipeline-001"].Arn; got != liveBefore["ImagePipeline/pipeline-001"].Arn {
		t.Errorf("pipeline replaced: %s, was %s", got, liveBefore["ImagePipeline/pipeline-001"].Arn)
	}
	checkApplied(t, h, repo) // pipeline-001 points at 1.1.0
	checkSettled(t, h, repo)
}

func TestApplyRefusesContentChangedAtSameVersion(t *testing.T) {
	h, fsys := generated(t, staging)
	fsys = edit(fsys, map[string]string{
		"components/auditd/1.0.0.toe.yaml": replace(t, fsys, "components/auditd/1.0.0.toe.yaml", "systemctl is-active auditd", "systemctl is-active auditd rsyslog"),
	})
	repo := load(t, fsys)
	p := h.plan(t, repo)
	a := actions(p)
	if a["Component/auditd@1.0.0"] != reconciler.ActionError || p.Count()[reconciler.ActionError] != 1 {
		t.Fatalf("plan %v", p.Count())
	}
	fs := p.Findings()
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "bump to 1.1.1") || fs[0].File != "components/auditd/1.0.0.yaml" || fs[0].Line == 0 {
		t.Errorf("findings %v", fs)
	}
	if _, err := reconciler.Apply(context.Background(), h.ib, repo, p, meta); !errors.Is(err, reconciler.ErrPlanHasErrors) {
		t.Fatalf("apply: %v, want ErrPlanHasErrors", err)
	}
	for op, n := range h.srv.Calls() {
		if !strings.HasPrefix(op, "List") {
			t.Errorf("a refused apply called %s %d times", op, n)
		}
	}
}

func TestApplyPrune(t *testing.T) {
	extra := "components/extra-tool/1.0.0.yaml"
	base := edit(testgen.Repository(20, 4, 2), nil)
	base = edit(base, map[string]string{extra: strings.ReplaceAll(string(base["components/stig-hardening/1.0.0.yaml"].Data), "stig-hardening", "extra-tool"),
		"components/extra-tool/1.0.0.toe.yaml": string(base["components/stig-hardening/1.0.0.toe.yaml"].Data)})
	// Without extra-tool, which nothing uses; without stig-hardening
	// 1.1.0, which recipe 000 took when its 1.x.x was created; without
	// pipeline-001 and its recipe 001, which go together.
	shrunk := edit(base, map[string]string{
		extra: "", "components/extra-tool/1.0.0.toe.yaml": "",
		"components/stig-hardening/1.1.0.yaml": "", "components/stig-hardening/1.1.0.toe.yaml": "",
		"pipelines/pipeline-001.yaml": "", "recipes/al2023-golden-001.yaml": "",
	})
	orphans := []string{"Component/extra-tool@1.0.0", "Component/stig-hardening@1.1.0", "ImageRecipe/al2023-golden-001@1.0.0", "ImagePipeline/pipeline-001"}
	for _, pruning := range []bool{false, true} {
		t.Run(fmt.Sprintf("prune=%v", pruning), func(t *testing.T) {
			env := staging
			env.Prune = pruning
			h := newHarness(t, env)
			h.apply(t, load(t, base))
			before := len(h.list(t))
			h.srv.ResetCalls()
			repo := load(t, shrunk)
			p := h.plan(t, repo)
			a := actions(p)
			want := reconciler.ActionOrphaned
			if pruning {
				want = reconciler.ActionDelete
			}
			for _, id := range orphans {
				if a[id] != want {
					t.Errorf("%s: %q, want %q", id, a[id], want)
				}
			}
			if len(p.Bakes) != 0 {
				t.Errorf("bakes %+v", p.Bakes)
			}
			out, err := reconciler.Apply(context.Background(), h.ib, repo, p, meta)
			if err != nil {
				t.Fatal(err)
			}
			live := byID(h.list(t))
			if !pruning {
				if len(out.Deleted)+len(out.Skipped) != 0 || len(live) != before {
					t.Errorf("without pruning: deleted %v skipped %v, %d resources of %d left", out.Deleted, out.Skipped, len(live), before)
				}
				return
			}
			// Dependents first: the pipeline before its recipe.
			if got := fmt.Sprint(out.Deleted); got != "[ImagePipeline/pipeline-001 ImageRecipe/al2023-golden-001@1.0.0 Component/extra-tool@1.0.0]" {
				t.Errorf("deleted %s", got)
			}
			if got := fmt.Sprint(out.Skipped); got != "[Component/stig-hardening@1.1.0]" {
				t.Errorf("skipped %s, want the component recipe 000 still uses", got)
			}
			for _, id := range orphans {
				if _, ok := live[id]; ok != (id == "Component/stig-hardening@1.1.0") {
					t.Errorf("%s still live: %v", id, ok)
				}
			}
		})
	}
}

// TestApplyPipelineRollBackAndForth moves a pipeline from recipe 1.0.0 to
// 1.1.0, back, and forward again, each in its own commit: every update
// must reach Image Builder, although the same content was sent before.
func TestApplyPipelineRollBackAndForth(t *testing.T) {
	h, fsys := generated(t, staging)
	recipe := "recipes/al2023-golden-001.yaml"
	fsys = edit(fsys, map[string]string{
		"recipes/al2023-golden-001-1.1.0.yaml": strings.Replace(
			replace(t, fsys, recipe, "  version: 1.0.0\n  description", "  version: 1.1.0\n  description"),
			"volumeSize: 30", "volumeSize: 40", 1),
	})
	pipeline := "pipelines/pipeline-001.yaml"
	at := map[string]fstest.MapFS{
		"1.0.0": fsys,
		"1.1.0": edit(fsys, map[string]string{pipeline: replace(t, fsys, pipeline, "name: al2023-golden-001\n    version: 1.0.0", "name: al2023-golden-001\n    version: 1.1.0")}),
	}
	for i, version := range []string{"1.1.0", "1.0.0", "1.1.0", "1.0.0"} {
		repo := load(t, at[version])
		p := h.plan(t, repo)
		if got := actions(p)["ImagePipeline/pipeline-001"]; got != reconciler.ActionUpdate {
			t.Fatalf("step %d to %s: pipeline %q", i, version, got)
		}
		m := meta
		m.Commit = fmt.Sprintf("%040d", i+1)
		if _, err := reconciler.Apply(context.Background(), h.ib, repo, p, m); err != nil {
			t.Fatal(err)
		}
		live := byID(h.list(t))
		if got, want := live["ImagePipeline/pipeline-001"].RecipeArn, live["ImageRecipe/al2023-golden-001@"+version].Arn; got != want {
			t.Fatalf("step %d: pipeline-001 builds %s, want %s", i, got, want)
		}
		checkSettled(t, h, repo)
	}
}

// TestApplyRestoresPrunedPipeline removes a pipeline (pruned) and brings
// it back unchanged, as a revert does.
func TestApplyRestoresPrunedPipeline(t *testing.T) {
	env := staging
	env.Prune = true
	h, fsys := generated(t, env)
	without := edit(fsys, map[string]string{"pipelines/pipeline-001.yaml": ""})
	_, out := h.apply(t, load(t, without))
	if fmt.Sprint(out.Deleted) != "[ImagePipeline/pipeline-001]" {
		t.Fatalf("deleted %v", out.Deleted)
	}
	repo := load(t, fsys)
	m := meta
	m.Commit = strings.Repeat("f", 40)
	p := h.plan(t, repo)
	if _, err := reconciler.Apply(context.Background(), h.ib, repo, p, m); err != nil {
		t.Fatal(err)
	}
	if _, ok := byID(h.list(t))["ImagePipeline/pipeline-001"]; !ok {
		t.Fatal("pipeline-001 was not created again")
	}
	checkSettled(t, h, repo)
}

// TestApplyKilnTagsWin: a resource's own tags cannot forge kiln's.
func TestApplyKilnTagsWin(t *testing.T) {
	fsys := testgen.Repository(4, 1, 1)
	fsys = edit(fsys, map[string]string{
		"components/stig-hardening/1.0.0.yaml": replace(t, fsys, "components/stig-hardening/1.0.0.yaml", "team: platform", "team: platform\n    kiln:digest: forged\n    kiln:commit: forged"),
	})
	repo := load(t, fsys)
	h := newHarness(t, staging)
	h.apply(t, repo)
	l := byID(h.list(t))["Component/stig-hardening@1.0.0"]
	if l.Digest == "forged" || l.Tags[reconciler.TagCommit] != meta.Commit {
		t.Errorf("tags %v", l.Tags)
	}
	checkSettled(t, h, repo)
}

// TestApplyPipelineFollowsWildcardRecipe: a pipeline naming its recipe by
// 1.x.x is pointed at each newer recipe version as it lands.
func TestApplyPipelineFollowsWildcardRecipe(t *testing.T) {
	fsys := testgen.Repository(20, 4, 2)
	pipeline, recipe := "pipelines/pipeline-001.yaml", "recipes/al2023-golden-001.yaml"
	fsys = edit(fsys, map[string]string{pipeline: replace(t, fsys, pipeline, "name: al2023-golden-001\n    version: 1.0.0", "name: al2023-golden-001\n    version: 1.x.x")})
	h := newHarness(t, staging)
	h.apply(t, load(t, fsys))
	checkApplied(t, h, load(t, fsys))

	fsys = edit(fsys, map[string]string{
		"recipes/al2023-golden-001-1.1.0.yaml": strings.Replace(
			replace(t, fsys, recipe, "  version: 1.0.0\n  description", "  version: 1.1.0\n  description"),
			"volumeSize: 30", "volumeSize: 40", 1),
	})
	repo := load(t, fsys)
	p := h.plan(t, repo)
	a := actions(p)
	if a["ImageRecipe/al2023-golden-001@1.1.0"] != reconciler.ActionCreate || a["ImagePipeline/pipeline-001"] != reconciler.ActionUpdate || p.Count()[reconciler.ActionUpdate] != 1 {
		t.Fatalf("plan %v", a)
	}
	if len(p.Bakes) != 1 || p.Bakes[0].Pipeline != "pipeline-001" {
		t.Errorf("bakes %+v", p.Bakes)
	}
	if _, err := reconciler.Apply(context.Background(), h.ib, repo, p, meta); err != nil {
		t.Fatal(err)
	}
	checkApplied(t, h, repo) // pipeline-001 builds 1.1.0
	checkSettled(t, h, repo)
}

// TestApplyRefusesUnmanagedNamesake: a configuration someone made by hand
// under a name the repository uses, with other content, is an error naming
// the fields, never taken over.
func TestApplyRefusesUnmanagedNamesake(t *testing.T) {
	h := newHarness(t, staging)
	cfg := aws.Config{Region: staging.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIDHAND", "SECRET", "")}
	byHand := ib.NewFromConfig(cfg, func(o *ib.Options) { o.BaseEndpoint = aws.String(h.srv.URL()) })
	if _, err := byHand.CreateInfrastructureConfiguration(context.Background(), &ib.CreateInfrastructureConfigurationInput{
		Name: aws.String("infra-00"), InstanceProfileName: aws.String("handmade"), ClientToken: aws.String("by-hand"),
	}); err != nil {
		t.Fatal(err)
	}
	repo := load(t, testgen.Repository(20, 4, 2))
	p, err := reconciler.PlanEnvironment(context.Background(), h.ib, h.env, repo, reconciler.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fs := p.Findings()
	if len(fs) != 1 || fs[0].Resource != "InfrastructureConfiguration/infra-00" || !strings.Contains(fs[0].Message, "not managed by kiln") ||
		!strings.Contains(fs[0].Message, `spec.instanceProfileName (live "handmade"`) {
		t.Fatalf("findings %v", fs)
	}
	if _, err := reconciler.Apply(context.Background(), h.ib, repo, p, meta); !errors.Is(err, reconciler.ErrPlanHasErrors) {
		t.Fatalf("apply: %v", err)
	}
}

// TestApplyStalePlanOfAnotherCommit: a plan made before another commit's
// apply landed fails rather than create anything twice, and a fresh plan
// finds nothing to do.
func TestApplyStalePlanOfAnotherCommit(t *testing.T) {
	repo := load(t, testgen.Repository(20, 4, 2))
	h := newHarness(t, staging)
	stale := h.plan(t, repo)
	h.apply(t, repo)
	other := meta
	other.Commit = strings.Repeat("b", 40)
	out, err := reconciler.Apply(context.Background(), h.ib, repo, stale, other)
	if err == nil {
		t.Fatalf("stale plan applied: %+v", out)
	}
	t.Log(err)
	checkApplied(t, h, repo)
	checkSettled(t, h, repo)
}
