package reconciler_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"

	"github.com/kiln-gitops/kiln/reconciler"
)

// failingTag is an environment whose tag write number at (1-based) fails
// after the service carried it out: the answer is lost.
type failingTag struct {
	reconciler.ImageBuilder
	at, tags int
}

func (f *failingTag) Tag(ctx context.Context, arn string, tags map[string]string) error {
	err := f.ImageBuilder.Tag(ctx, arn, tags)
	f.tags++
	if f.tags == f.at {
		return errors.New("connection reset")
	}
	return err
}

// TestApplyAdopts: the examples (all eight kinds) made outside kiln, that
// is without kiln's tags, plan as adoptions; apply tags them, creates and
// updates nothing and bakes nothing, and the next plan has nothing to do.
// An adoption whose answer is lost midway is planned as an adoption again.
func TestApplyAdopts(t *testing.T) {
	for _, lostAt := range []int{0, 1, 2} {
		t.Run([]string{"straight", "lost kiln:managed", "lost digest and users' tags"}[lostAt], func(t *testing.T) {
			repo, env := loadExamples(t)
			h := newHarness(t, env)
			h.apply(t, repo)
			// Strip kiln's tags by hand: now nothing is kiln's.
			ctx := context.Background()
			cfg := aws.Config{Region: env.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIDHAND", "SECRET", "")}
			byHand := ib.NewFromConfig(cfg, func(o *ib.Options) { o.BaseEndpoint = aws.String(h.srv.URL()) })
			for _, l := range h.list(t) {
				if _, err := byHand.UntagResource(ctx, &ib.UntagResourceInput{ResourceArn: aws.String(l.Arn),
					TagKeys: []string{reconciler.TagManaged, reconciler.TagDigest, reconciler.TagRepo, reconciler.TagCommit}}); err != nil {
					t.Fatal(err)
				}
			}
			h.ib = h.client(nil) // a process that has not seen kiln's tags
			before := h.srv.Calls()

			p, err := reconciler.PlanEnvironment(ctx, h.ib, env, repo, reconciler.PlanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Count()[reconciler.ActionAdopt]; got != len(repo.Resources) {
				for _, c := range p.Changes {
					t.Logf("%s: %s (%s)", c.ID(), c.Action, c.Reason)
				}
				t.Fatalf("%d adoptions, want %d: %v", got, len(repo.Resources), p.Count())
			}
			if len(p.Bakes) != 0 {
				t.Errorf("adoptions bake %+v", p.Bakes)
			}
			var ibk reconciler.ImageBuilder = h.ib
			if lostAt > 0 {
				ibk = &failingTag{ImageBuilder: h.ib, at: 2*3 + lostAt} // the fourth resource
			}
			out, err := reconciler.Apply(ctx, ibk, repo, p, meta)
			if lostAt > 0 {
				if err == nil {
					t.Fatal("the lost answer went unnoticed")
				}
				again, err := reconciler.PlanEnvironment(ctx, h.ib, env, repo, reconciler.PlanOptions{})
				if err != nil {
					t.Fatal(err)
				}
				// Three resources were adopted; the fourth carries kiln:managed
				// alone (an adoption again) or, when only the answer of its
				// last write was lost, everything.
				done := 3 + lostAt - 1
				if got := again.Count(); got[reconciler.ActionAdopt] != len(repo.Resources)-done || got[reconciler.ActionUnchanged] != done {
					t.Fatalf("after the lost answer: %v", got)
				}
				if out, err = reconciler.Apply(ctx, h.ib, repo, again, meta); err != nil {
					t.Fatal(err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if lostAt == 0 && len(out.Adopted) != len(repo.Resources) {
				t.Errorf("adopted %d, want %d", len(out.Adopted), len(repo.Resources))
			}
			calls := h.srv.Calls()
			for op, n := range calls {
				if n > before[op] && (strings.HasPrefix(op, "Create") || strings.HasPrefix(op, "Update") || strings.HasPrefix(op, "Delete") || strings.HasPrefix(op, "Start")) {
					t.Errorf("adopting called %s %d times", op, n-before[op])
				}
			}
			if n := calls["TagResource"] - before["TagResource"]; n < 2*len(repo.Resources) {
				t.Errorf("%d TagResource calls, want two per resource", n)
			}

			after, err := reconciler.PlanEnvironment(ctx, h.ib, env, repo, reconciler.PlanOptions{Fields: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range after.Changes {
				if c.Action != reconciler.ActionUnchanged {
					t.Errorf("after adopting %s: %s (%s)", c.ID(), c.Action, c.Reason)
				}
			}
			live := byID(h.list(t))
			for _, r := range repo.Resources {
				l := live[r.ID().String()]
				want := maps.Clone(r.Metadata.Tags)
				if want == nil {
					want = map[string]string{}
				}
				want[reconciler.TagManaged], want[reconciler.TagRepo], want[reconciler.TagCommit] = "true", meta.Repo, meta.Commit
				want[reconciler.TagDigest] = reconciler.EffectiveDigest(repo, r)
				for k, v := range want {
					if l.Tags[k] != v {
						t.Errorf("%s: tag %s = %q, want %q", r.ID(), k, l.Tags[k], v)
					}
				}
			}
		})
	}
}
