package reconciler_test

import (
	"context"
	"testing"

	"github.com/kiln-gitops/kiln/imagebuilder"
	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
	"github.com/kiln-gitops/kiln/internal/testgen"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// The generated estate of issue 5's speed target: 2,000 components, 200
// recipes, 50 pipelines (and 8 + 8 configurations).
const benchComponents, benchRecipes, benchPipelines = 2000, 200, 50

// reportCalls reports the Image Builder calls per operation of the loop.
func reportCalls(b *testing.B, srv *ibtest.Server) {
	calls := srv.Calls()
	n := float64(b.N)
	b.ReportMetric(float64(srv.TotalCalls())/n, "calls/op")
	b.ReportMetric(float64(calls["ListComponents"])/n, "ListComponents/op")
	b.ReportMetric(float64(calls["ListComponentBuildVersions"])/n, "tagreads/op")
}

// benchmarkPlanEmulator is a plan against an environment that already
// holds the whole repository: List through the SDK, then Build. Warm
// shares a tag cache that an earlier plan filled, as a long-running kiln
// does; cold starts every plan with an empty one, as the first plan after
// a restart does (unless the cache is restored).
func benchmarkPlanEmulator(b *testing.B, warm bool) {
	ctx := context.Background()
	repo := load(b, testgen.Repository(benchComponents, benchRecipes, benchPipelines))
	h := newHarness(b, staging)
	p := reconciler.Build(staging, repo, nil)
	if _, err := reconciler.Apply(ctx, h.ib, repo, p, meta); err != nil {
		b.Fatal(err)
	}
	cache := imagebuilder.NewTagCache()
	if warm {
		if _, err := h.client(cache).List(ctx); err != nil {
			b.Fatal(err)
		}
	}
	h.srv.ResetCalls()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c := cache
		if !warm {
			c = nil
		}
		live, err := h.client(c).List(ctx)
		if err != nil {
			b.Fatal(err)
		}
		p = reconciler.Build(staging, repo, live)
	}
	b.StopTimer()
	if n := p.Count()[reconciler.ActionUnchanged]; n != len(repo.Resources) || len(p.Bakes) != 0 {
		b.Fatalf("plan of the applied repository: %v, bakes %v", p.Count(), p.Bakes)
	}
	reportCalls(b, h.srv)
	if tagReads := h.srv.Calls()["ListComponentBuildVersions"]; warm && tagReads != 0 {
		b.Fatalf("a warm plan read tags %d times", tagReads)
	}
}

// BenchmarkPlanEmulatorWarm: List+Build of the applied 2,000-component
// repository with a warm tag cache: the paginated listings only.
func BenchmarkPlanEmulatorWarm(b *testing.B) { benchmarkPlanEmulator(b, true) }

// BenchmarkPlanEmulatorCold: the same with a cold cache: one tag read per
// component version on top.
func BenchmarkPlanEmulatorCold(b *testing.B) { benchmarkPlanEmulator(b, false) }

// BenchmarkApplyEmulator applies the whole generated repository to an
// empty environment: one create per resource, in dependency order.
func BenchmarkApplyEmulator(b *testing.B) {
	ctx := context.Background()
	repo := load(b, testgen.Repository(benchComponents, benchRecipes, benchPipelines))
	b.ReportAllocs()
	var creates, calls int
	for b.Loop() {
		b.StopTimer()
		h := newHarness(b, staging)
		b.StartTimer()
		p := reconciler.Build(staging, repo, nil)
		out, err := reconciler.Apply(ctx, h.ib, repo, p, meta)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		creates += len(out.Created)
		calls += h.srv.TotalCalls()
		if h.srv.Calls()["CreateComponent"] != len(repo.ByKind(model.KindComponent)) {
			b.Fatalf("calls %v", h.srv.Calls())
		}
		h.srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(creates)/float64(b.N), "creates/op")
	b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
}
