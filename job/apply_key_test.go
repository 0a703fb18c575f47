package job

import (
	"context"
	"slices"
	"testing"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// A pull request's bake applies the environment holding its branch's queue
// key, as a push to that branch does; a push, which holds that key as its
// job's own, takes no other (the lock is not reentrant).
func TestPullRequestBakeHoldsTheBranchKey(t *testing.T) {
	checker, err := check.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := checker.Run(ctx, check.Input{Head: examplesWithDrift(t, DriftOff)})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := res.Config.Environments.Get("staging")
	repo := Repo{Owner: "platform", Name: "golden-images", CloneURL: "https://git.invalid/platform/golden-images.git", Installation: 7}

	for _, tt := range []struct {
		name     string
		pr       int
		wantKeys []string
	}{
		{name: "pull request bake", pr: 12, wantKeys: []string{"platform/golden-images@main"}},
		{name: "push", pr: 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ib := &memIB{}
			var keys []string
			appliedInside := false
			d := &Deps{
				Checker:      checker,
				Environments: func(context.Context, model.Environment) (reconciler.ImageBuilder, error) { return ib, nil },
				State:        &memKV{},
				WithKey: func(ctx context.Context, key string, fn func(context.Context) error) error {
					keys = append(keys, key)
					before := len(ib.live)
					err := fn(ctx)
					appliedInside = before == 0 && len(ib.live) > 0
					return err
				},
			}
			gh := &checkRuns{}
			err := d.applyAndBake(ctx, bakeRequest{repo: repo, gh: gh, res: res, env: env, commit: "c0ffee0000000000000000000000000000000001", pr: tt.pr})
			if err != nil {
				t.Fatal(err)
			}
			if u := gh.last(); u.Conclusion != "success" || len(ib.live) == 0 {
				t.Fatalf("not applied: %s %q", u.Conclusion, u.Output.Title)
			}
			if !slices.Equal(keys, tt.wantKeys) {
				t.Errorf("held keys %q, want %q", keys, tt.wantKeys)
			}
			if tt.wantKeys != nil && !appliedInside {
				t.Error("the apply ran outside the branch key")
			}
		})
	}
}
