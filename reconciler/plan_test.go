package reconciler_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kiln-gitops/kiln/internal/testgen"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

func load(t testing.TB, fsys fstest.MapFS) *model.Repository {
	t.Helper()
	repo, fs, err := loader.Load(context.Background(), fsys, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) > 0 {
		t.Fatalf("load findings: %v", fs)
	}
	return repo
}

var staging = model.Environment{Name: "staging", Account: testgen.StagingAccount, Region: testgen.Region, Branch: "main"}

// liveFrom is what an environment holds after applying repo.
func liveFrom(repo *model.Repository) []reconciler.Live {
	var out []reconciler.Live
	for _, r := range repo.Resources {
		out = append(out, reconciler.Live{
			Kind: r.Kind, Name: r.Metadata.Name, Version: r.Metadata.Version,
			Arn:    "arn:aws:imagebuilder:us-east-1:111111111111:" + strings.ToLower(string(r.Kind)) + "/" + r.Metadata.Name,
			Digest: reconciler.EffectiveDigest(repo, r), Managed: true,
		})
	}
	return out
}

func actions(p *reconciler.Plan) map[string]reconciler.Action {
	out := map[string]reconciler.Action{}
	for _, c := range p.Changes {
		out[c.ID().String()] = c.Action
	}
	return out
}

func TestBuild(t *testing.T) {
	base := testgen.Repository(6, 2, 2)
	repo := load(t, base)

	t.Run("empty environment creates everything in dependency order", func(t *testing.T) {
		p := reconciler.Build(staging, repo, nil)
		if got := p.Count()[reconciler.ActionCreate]; got != len(repo.Resources) {
			t.Fatalf("creates = %d, want %d", got, len(repo.Resources))
		}
		var kinds []int
		for _, c := range p.Changes {
			kinds = append(kinds, c.Kind.Order())
		}
		if !slices.IsSorted(kinds) {
			t.Errorf("changes not in dependency order: %v", kinds)
		}
		if len(p.Bakes) != 2 {
			t.Errorf("bakes = %v, want both pipelines", p.Bakes)
		}
	})

	t.Run("applied state is unchanged and bakes nothing", func(t *testing.T) {
		p := reconciler.Build(staging, repo, liveFrom(repo))
		if got := p.Count()[reconciler.ActionUnchanged]; got != len(repo.Resources) {
			t.Fatalf("unchanged = %d, want %d: %v", got, len(repo.Resources), p.Count())
		}
		if len(p.Bakes) != 0 {
			t.Errorf("bakes = %v, want none", p.Bakes)
		}
	})

	t.Run("immutable resource live with other content is an error naming the next version", func(t *testing.T) {
		live := liveFrom(repo)
		var target reconciler.Live
		for i := range live {
			if live[i].Kind == model.KindComponent {
				live[i].Digest = "0123456789abcdef"
				target = live[i]
				break
			}
		}
		p := reconciler.Build(staging, repo, live)
		if !p.HasErrors() {
			t.Fatal("no error")
		}
		fs := p.Findings()
		if len(fs) != 1 || !strings.Contains(fs[0].Message, "immutable") || fs[0].Line == 0 {
			t.Fatalf("findings = %v", fs)
		}
		// 1.0.0 and 1.1.0 of every name exist: the next free is above both.
		want := "bump to 1.1.1"
		if !strings.Contains(fs[0].Message, want) || !strings.Contains(fs[0].Message, target.Name) {
			t.Errorf("message %q does not say %q", fs[0].Message, want)
		}
	})

	t.Run("mutable resource with other content is updated and its pipelines bake", func(t *testing.T) {
		live := liveFrom(repo)
		for i := range live {
			if live[i].Kind == model.KindInfrastructureConfiguration {
				live[i].Digest = "stale"
			}
		}
		p := reconciler.Build(staging, repo, live)
		if got, want := p.Count()[reconciler.ActionUpdate], len(repo.ByKind(model.KindInfrastructureConfiguration)); got != want {
			t.Fatalf("updates = %d: %v", got, p.Count())
		}
		if len(p.Bakes) != len(repo.ByKind(model.KindImagePipeline)) || !strings.Contains(strings.Join(p.Bakes[0].Reasons, ","), "infrastructure configuration") {
			t.Errorf("bakes = %+v", p.Bakes)
		}
	})

	t.Run("orphans are reported, and deleted only with pruning", func(t *testing.T) {
		live := append(liveFrom(repo), reconciler.Live{Kind: model.KindComponent, Name: "gone", Version: "1.0.0", Arn: "arn:gone", Managed: true, Digest: "x"},
			reconciler.Live{Kind: model.KindComponent, Name: "not-ours", Version: "1.0.0", Arn: "arn:other"})
		p := reconciler.Build(staging, repo, live)
		a := actions(p)
		if a["Component/gone@1.0.0"] != reconciler.ActionOrphaned {
			t.Errorf("gone = %q", a["Component/gone@1.0.0"])
		}
		if _, ok := a["Component/not-ours@1.0.0"]; ok {
			t.Error("an unmanaged resource was planned")
		}
		prune := staging
		prune.Prune = true
		if got := actions(reconciler.Build(prune, repo, live))["Component/gone@1.0.0"]; got != reconciler.ActionDelete {
			t.Errorf("with pruning gone = %q", got)
		}
	})

	t.Run("unmanaged resource with a desired name is an error", func(t *testing.T) {
		live := liveFrom(repo)
		for i := range live {
			if live[i].Kind == model.KindDistributionConfiguration {
				live[i].Managed = false
				break
			}
		}
		p := reconciler.Build(staging, repo, live)
		if !p.HasErrors() || !strings.Contains(p.Findings()[0].Message, "not managed by kiln") {
			t.Fatalf("findings = %v", p.Findings())
		}
	})

	t.Run("a new component version bakes the pipelines whose recipes resolve to it", func(t *testing.T) {
		live := liveFrom(repo)
		// Forget the newest version of every component: it is new again.
		live = slices.DeleteFunc(live, func(l reconciler.Live) bool {
			return l.Kind == model.KindComponent && l.Version == "1.1.0"
		})
		p := reconciler.Build(staging, repo, live)
		if p.Count()[reconciler.ActionCreate] == 0 {
			t.Fatal("no creates")
		}
		found := false
		for _, b := range p.Bakes {
			for _, r := range b.Reasons {
				found = found || strings.HasPrefix(r, "component ")
			}
		}
		if !found {
			t.Errorf("no bake names a component: %+v", p.Bakes)
		}
	})
}

func TestClientTokenIsStableAndShort(t *testing.T) {
	a := reconciler.ClientToken("staging", "Component", "x", "1.0.0", "d")
	if a != reconciler.ClientToken("staging", "Component", "x", "1.0.0", "d") {
		t.Fatal("not deterministic")
	}
	if a == reconciler.ClientToken("prod", "Component", "x", "1.0.0", "d") {
		t.Fatal("environments share a token")
	}
	if len(a) > 36 {
		t.Fatalf("token %q longer than Image Builder's 36", a)
	}
}

func BenchmarkPlanGenerated(b *testing.B) {
	repo := load(b, testgen.Repository(2000, 200, 50))
	live := liveFrom(repo)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		reconciler.Build(staging, repo, live)
	}
}
