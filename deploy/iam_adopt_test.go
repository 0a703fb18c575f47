package deploy

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// allowsTagging reports whether a statement of the policy lets kiln tag a
// resource that carries have with the keys of add. Only the conditions
// the policy uses are understood; a statement with any other condition
// does not count, so the answer errs towards "denied".
func allowsTagging(stmts []statement, have, add map[string]string) bool {
	for _, s := range grants(stmts, "imagebuilder:TagResource") {
		ok := true
		for op, conds := range s.Condition {
			for key, values := range conds {
				tag, onResource := strings.CutPrefix(key, "aws:ResourceTag/")
				switch {
				case op == "ForAllValues:StringLike" && key == "aws:TagKeys":
					for k := range add {
						ok = ok && slices.ContainsFunc(values, func(p string) bool { return wildcardMatch(p, k) })
					}
				case op == "StringEquals" && onResource:
					v, tagged := have[tag]
					ok = ok && tagged && slices.Contains(values, v)
				default:
					ok = false
				}
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// recordingTags is an environment holding one resource made outside kiln,
// which checks every tag write against the policy as IAM would.
type recordingTags struct {
	reconciler.ImageBuilder
	t      *testing.T
	stmts  []statement
	tags   map[string]string
	writes int
}

func (r *recordingTags) Tag(_ context.Context, arn string, add map[string]string) error {
	r.writes++
	if !allowsTagging(r.stmts, r.tags, add) {
		r.t.Errorf("tag write %d on %s (carrying %v) adds %v, which iam-policy.json denies", r.writes, arn, r.tags, slices.Sorted(maps.Keys(add)))
	}
	maps.Copy(r.tags, add)
	return nil
}

// TestIAMPolicyAllowsAdoption: the tag writes with which apply adopts a
// resource made outside kiln, the users' metadata.tags included, are each
// allowed by the policy, which lets kiln put other keys than its own only
// on what is tagged kiln:managed.
func TestIAMPolicyAllowsAdoption(t *testing.T) {
	stmts := readPolicy(t)
	if allowsTagging(stmts, map[string]string{}, map[string]string{"team": "platform"}) {
		t.Fatal("the policy lets kiln put any tag on any resource")
	}
	env := model.Environment{Name: "prod", Account: "111111111111", Region: "us-east-1"}
	r := &model.Resource{Kind: model.KindInfrastructureConfiguration,
		Metadata: model.Metadata{Name: "build", Tags: map[string]string{"team": "platform"}},
		Spec:     &model.InfrastructureConfigurationSpec{InstanceProfileName: "EC2InstanceProfileForImageBuilder"}}
	arn := "arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/build"
	plan := &reconciler.Plan{Environment: env, Changes: []reconciler.Change{{Action: reconciler.ActionAdopt, Kind: r.Kind, Name: "build",
		Resource: r, Live: &reconciler.Live{Kind: r.Kind, Name: "build", Arn: arn, Tags: map[string]string{}}, Digest: "d1"}}}
	ib := &recordingTags{t: t, stmts: stmts, tags: map[string]string{}}
	out, err := reconciler.Apply(context.Background(), ib, &model.Repository{Resources: []*model.Resource{r}}, plan, reconciler.ApplyMeta{Repo: "acme/images", Commit: "c0ffee"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Adopted) != 1 || ib.tags["team"] != "platform" || ib.tags[reconciler.TagManaged] != "true" || ib.tags[reconciler.TagDigest] != "d1" {
		t.Errorf("adopted %v, tags %v", out.Adopted, ib.tags)
	}
}
