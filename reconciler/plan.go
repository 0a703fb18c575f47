package reconciler

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// Action is what apply will do to one resource.
type Action string

const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	// ActionAdopt is a resource made outside kiln that matches the
	// repository field by field: apply only tags it as kiln's (Adopt).
	ActionAdopt     Action = "adopt"
	ActionUnchanged Action = "unchanged"
	ActionOrphaned  Action = "orphaned"
	ActionDelete    Action = "delete" // an orphan that pruning removes
	ActionError     Action = "error"
)

// Change is the plan for one resource.
type Change struct {
	Action  Action
	Kind    model.Kind
	Name    string
	Version string
	// Resource is the desired resource; nil for orphans.
	Resource *model.Resource
	// Live is what the environment holds; nil for creates.
	Live *Live
	// Digest is the desired effective digest (see EffectiveDigest).
	Digest string
	Reason string
	// DryRun is Image Builder's verdict on a create, when asked.
	DryRun string
	// Fields are what differs from the live resource, when compared field
	// by field (CompareFields).
	Fields []FieldDiff
}

// ID names the change's resource.
func (c Change) ID() model.ID { return model.NewID(c.Kind, c.Name, c.Version) }

// Bake is a pipeline that will run after apply, and why.
type Bake struct {
	Pipeline string
	Reasons  []string
}

// Plan is desired against actual for one environment.
type Plan struct {
	Environment model.Environment
	// Note explains a plan that could not be computed (no credentials,
	// Image Builder unreachable); Changes is then empty.
	Note    string
	Changes []Change // dependency order: model.Kinds, then name, then version
	Bakes   []Bake
}

// Count tallies changes by action.
func (p *Plan) Count() map[Action]int {
	out := map[Action]int{}
	for _, c := range p.Changes {
		out[c.Action]++
	}
	return out
}

// HasErrors reports whether apply must not run.
func (p *Plan) HasErrors() bool { return p.Count()[ActionError] > 0 }

// Findings turns plan errors into findings at the resources' places.
func (p *Plan) Findings() []finding.Finding {
	var out []finding.Finding
	for _, c := range p.Changes {
		if c.Action != ActionError {
			continue
		}
		pos := finding.Pos{}
		if c.Resource != nil {
			pos = c.Resource.At("metadata", "version")
			if !c.Kind.Versioned() {
				pos = c.Resource.At("metadata", "name")
			}
		}
		out = append(out, finding.Finding{
			Pos: pos, Rule: "plan/" + strings.ToLower(string(c.Kind)), Severity: finding.SeverityError,
			Source: finding.SourcePlan, Resource: c.ID().String(),
			Message: fmt.Sprintf("%s: %s", p.Environment.Name, c.Reason),
		})
	}
	return out
}

// EffectiveDigest is the digest kiln writes to kiln:digest. For a kind
// updated in place it also covers the versions its references to
// versioned kinds resolve to, so a pipeline pointed at recipe `1.x.x` (or a
// lifecycle policy selecting it) is updated when a newer version lands;
// and it is taken over the resource with each pattern replaced by the
// version it resolves to, so `1.x.x` resolving to 1.4.0 and 1.4.0 written
// out (as kiln import writes what the service keeps) are the same content.
// (Until December 2026 the digest was taken over the pattern: a resource
// referring by pattern then plans one update, to the same content.)
// Versioned kinds keep wildcards as wildcards (Image Builder resolves a
// recipe's components at build time), so their digest is their own.
func EffectiveDigest(desired *model.Repository, r *model.Resource) string {
	if r.Kind.Versioned() {
		return model.Digest(r)
	}
	pinned := *r
	var versions []string
	pinned.Value, versions = pinVersions(desired, r, r.Value, func(ref model.Ref) bool { return ref.Kind.Versioned() })
	d := model.Digest(&pinned)
	if len(versions) == 0 {
		return d
	}
	sum := sha256.Sum256([]byte(d + "\x00" + strings.Join(versions, "\x00")))
	return hex.EncodeToString(sum[:])
}

// Build plans env: what apply must do to make actual match desired. It is
// pure: the caller lists actual state first.
func Build(env model.Environment, desired *model.Repository, actual []Live) *Plan {
	live := make(map[model.ID]*Live, len(actual))
	for i := range actual {
		live[actual[i].ID()] = &actual[i]
	}
	plan := &Plan{Environment: env}
	wanted := make(map[model.ID]bool, len(desired.Resources))
	for _, r := range desired.Resources {
		if !r.Kind.Valid() || r.Spec == nil {
			continue // invalid resources are validation's business
		}
		k := r.ID()
		wanted[k] = true
		c := Change{Kind: r.Kind, Name: r.Metadata.Name, Version: r.Metadata.Version, Resource: r, Digest: EffectiveDigest(desired, r)}
		l, exists := live[k]
		switch {
		case !exists:
			c.Action, c.Reason = ActionCreate, "not in Image Builder yet"
		case !l.Owned():
			// Adopt, given the live spec, turns this into an adoption when
			// nothing differs.
			c.Live = l
			c.Action = ActionError
			c.Reason = unmanagedReason(env, l) + "; import it (kiln import) or rename it"
		case l.Digest == c.Digest:
			c.Live, c.Action = l, ActionUnchanged
		case r.Kind.Versioned():
			c.Live = l
			c.Action = ActionError
			c.Reason = fmt.Sprintf("%s %s %s is live with other content (digest %s, repository %s); versions are immutable: bump to %s",
				r.Kind, r.Metadata.Name, r.Metadata.Version, short(l.Digest), short(c.Digest), nextFree(desired, actual, r))
		default:
			c.Live, c.Action, c.Reason = l, ActionUpdate, "spec changed"
		}
		plan.Changes = append(plan.Changes, c)
	}
	for i := range actual {
		l := &actual[i]
		if !l.Managed || wanted[l.ID()] {
			continue
		}
		c := Change{Kind: l.Kind, Name: l.Name, Version: l.Version, Live: l, Action: ActionOrphaned, Reason: "managed by kiln but no longer in the repository"}
		if env.Prune {
			c.Action, c.Reason = ActionDelete, "no longer in the repository; pruning is on"
		}
		plan.Changes = append(plan.Changes, c)
	}
	slices.SortStableFunc(plan.Changes, func(a, b Change) int { return a.ID().Compare(b.ID()) })
	plan.Bakes = bakes(desired, plan)
	return plan
}

// unmanagedReason says that l exists but is not kiln's, or only half.
func unmanagedReason(env model.Environment, l *Live) string {
	if l.Managed {
		return fmt.Sprintf("%s %s in account %s is tagged %s but has no %s (an adoption that did not finish)", l.Kind, l.Name, env.Account, TagManaged, TagDigest)
	}
	return fmt.Sprintf("%s %s already exists in account %s and is not managed by kiln", l.Kind, l.Name, env.Account)
}

// bakes lists the pipelines whose build inputs change: the pipeline itself,
// its recipe, its configurations, or a component its recipe resolves to.
func bakes(desired *model.Repository, plan *Plan) []Bake {
	changed := map[model.ID]bool{}
	for _, c := range plan.Changes {
		if c.Action == ActionCreate || c.Action == ActionUpdate {
			changed[c.ID()] = true
		}
	}
	var out []Bake
	for _, p := range desired.ByKind(model.KindImagePipeline) {
		spec, ok := p.Spec.(*model.ImagePipelineSpec)
		if !ok {
			continue
		}
		var reasons []string
		if changed[p.ID()] {
			reasons = append(reasons, "pipeline changed")
		}
		kind, ref := spec.Recipe()
		if ref != nil {
			if rec := desired.Resolve(kind, ref.Name, ref.Version); rec != nil {
				if changed[rec.ID()] {
					reasons = append(reasons, fmt.Sprintf("recipe %s %s is new", rec.Metadata.Name, rec.Metadata.Version))
				}
				for _, comp := range recipeComponents(desired, rec) {
					if changed[comp.ID()] {
						reasons = append(reasons, fmt.Sprintf("component %s %s is new", comp.Metadata.Name, comp.Metadata.Version))
					}
				}
			}
		}
		if infra := desired.Get(model.KindInfrastructureConfiguration, spec.InfrastructureConfiguration); infra != nil && changed[infra.ID()] {
			reasons = append(reasons, "infrastructure configuration "+infra.Metadata.Name+" changed")
		}
		if spec.DistributionConfiguration != "" {
			if dist := desired.Get(model.KindDistributionConfiguration, spec.DistributionConfiguration); dist != nil && changed[dist.ID()] {
				reasons = append(reasons, "distribution configuration "+dist.Metadata.Name+" changed")
			}
		}
		for _, ref := range p.Refs() {
			if ref.Kind != model.KindWorkflow {
				continue
			}
			if w := desired.Resolve(ref.Kind, ref.Name, ref.Version); w != nil && changed[w.ID()] {
				reasons = append(reasons, fmt.Sprintf("workflow %s %s is new", w.Metadata.Name, w.Metadata.Version))
			}
		}
		if len(reasons) > 0 {
			out = append(out, Bake{Pipeline: p.Metadata.Name, Reasons: reasons})
		}
	}
	return out
}

// recipeComponents resolves a recipe's repository components.
func recipeComponents(repo *model.Repository, rec *model.Resource) []*model.Resource {
	var refs []model.ComponentRef
	switch s := rec.Spec.(type) {
	case *model.ImageRecipeSpec:
		refs = s.Components
	case *model.ContainerRecipeSpec:
		refs = s.Components
	}
	var out []*model.Resource
	for _, ref := range refs {
		if ref.Name == "" {
			continue
		}
		if c := repo.Resolve(model.KindComponent, ref.Name, ref.Version); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// nextFree is the next patch version above every version of r's name in the
// repository and the environment.
func nextFree(desired *model.Repository, actual []Live, r *model.Resource) string {
	top, _ := model.ParseVersion(r.Metadata.Version)
	consider := func(s string) {
		if v, err := model.ParseVersion(s); err == nil && top.Less(v) {
			top = v
		}
	}
	for _, o := range desired.Versions(r.Kind, r.Metadata.Name) {
		consider(o.Metadata.Version)
	}
	for _, l := range actual {
		if l.Kind == r.Kind && l.Name == r.Metadata.Name {
			consider(l.Version)
		}
	}
	return top.NextPatch().String()
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	if d == "" {
		return "none"
	}
	return d
}
