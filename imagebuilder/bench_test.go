package imagebuilder_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/imagebuilder"
	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
)

// seed fills an emulator with the benchmark estate through the adapter:
// 2,000 components, 200 recipes of 10 components each, one infrastructure
// and one distribution configuration, and 50 pipelines.
func seed(b *testing.B) *ibtest.Server {
	b.Helper()
	ctx := context.Background()
	srv, c := setup(b)
	rs := refs{}
	for i := range 2000 {
		r := resource(b, componentYAML(fmt.Sprintf("component-%04d", i), "1.0.0"))
		arn, err := c.Create(ctx, r, nil, "", nil, false)
		if err != nil {
			b.Fatal(err)
		}
		rs.add(r.Kind, r.Name(), r.Version(), arn)
	}
	for i := range 200 {
		src := fmt.Sprintf("apiVersion: kiln/v1\nkind: ImageRecipe\nmetadata: {name: recipe-%03d, version: 1.0.0}\nspec:\n  parentImage: ami-0123456789abcdef0\n  components:\n", i)
		for j := range 10 {
			src += fmt.Sprintf("    - {name: component-%04d, version: 1.0.0}\n", i*10+j)
		}
		r := resource(b, src)
		arn, err := c.Create(ctx, r, rs.resolve, "", nil, false)
		if err != nil {
			b.Fatal(err)
		}
		rs.add(r.Kind, r.Name(), r.Version(), arn)
	}
	for _, src := range []string{infraYAML, distYAML} {
		r := resource(b, src)
		arn, err := c.Create(ctx, r, rs.resolve, "", nil, false)
		if err != nil {
			b.Fatal(err)
		}
		rs.add(r.Kind, r.Name(), r.Version(), arn)
	}
	for i := range 50 {
		r := resource(b, pipelineYAML(fmt.Sprintf("pipeline-%02d", i), fmt.Sprintf("recipe-%03d", i)))
		if _, err := c.Create(ctx, r, rs.resolve, "", nil, false); err != nil {
			b.Fatal(err)
		}
	}
	return srv
}

func benchmarkList(b *testing.B, warm bool) {
	srv := seed(b)
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cache := imagebuilder.NewTagCache()
	client := func() *imagebuilder.Client {
		if !warm {
			cache = imagebuilder.NewTagCache()
		}
		return imagebuilder.New(baseConfig(), env, imagebuilder.WithEndpoint(srv.URL()),
			imagebuilder.WithRetry(8, time.Millisecond), imagebuilder.WithLogger(quiet), imagebuilder.WithTagCache(cache))
	}
	if warm {
		if _, err := client().List(ctx); err != nil {
			b.Fatal(err)
		}
	}
	srv.ResetCalls()
	b.ResetTimer()
	var n int
	for b.Loop() {
		live, err := client().List(ctx)
		if err != nil {
			b.Fatal(err)
		}
		n = len(live)
	}
	b.StopTimer()
	if want := 2000 + 200 + 2 + 50; n != want {
		b.Fatalf("listed %d resources, want %d", n, want)
	}
	b.ReportMetric(float64(srv.TotalCalls())/float64(b.N), "calls/op")
	b.ReportMetric(float64(srv.Calls()["ListComponents"])/float64(b.N), "ListComponents/op")
	b.ReportMetric(float64(srv.Calls()["ListComponentBuildVersions"])/float64(b.N), "tagreads/op")
}

// BenchmarkListWarm is a plan's read of an unchanged estate: only the
// paginated listings.
func BenchmarkListWarm(b *testing.B) { benchmarkList(b, true) }

// BenchmarkListCold is the first plan of a process: one tag read per
// component version on top of the listings.
func BenchmarkListCold(b *testing.B) { benchmarkList(b, false) }
