package reconciler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/model"
)

// ApplyMeta says where the desired state came from; it ends up in tags.
type ApplyMeta struct {
	Repo   string // owner/name
	Commit string
	// Round distinguishes applies of the same commit that must not be
	// taken for retries of each other: a drift correction repeating an
	// earlier one after the same tampering. Empty for merges, whose
	// retries must be idempotent.
	Round string
}

// Outcome is what an apply did.
type Outcome struct {
	Created, Updated, Deleted, Unchanged []string
	// Adopted were made outside kiln and are now tagged as kiln's.
	Adopted []string
	// Skipped are orphans that could not be deleted (still in use).
	Skipped []string
	// ARNs maps change IDs (Change.ID) to their ARN in the environment.
	ARNs map[string]string
}

// ErrPlanHasErrors refuses an apply whose plan has errors.
var ErrPlanHasErrors = errors.New("plan has errors")

// ClientToken is the idempotency token of one create: the same environment,
// kind, name, version and digest always give the same token, so a retried
// or replayed apply never creates anything twice. Image Builder takes at
// most 36 characters.
func ClientToken(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])[:32]
}

// Apply carries out plan in dependency order (model.Kinds), then deletes
// pruned orphans in reverse order. It stops at the first failure; what it
// did so far is in the Outcome and a retry picks up where it stopped.
func Apply(ctx context.Context, ib ImageBuilder, desired *model.Repository, plan *Plan, meta ApplyMeta) (*Outcome, error) {
	if plan.HasErrors() {
		return nil, ErrPlanHasErrors
	}
	env := plan.Environment
	out := &Outcome{ARNs: map[string]string{}}
	for _, c := range plan.Changes {
		if c.Live != nil {
			out.ARNs[c.ID().String()] = c.Live.Arn
		}
	}
	refs := resolver(env, desired, out.ARNs)
	for _, c := range plan.Changes {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		// The resource's own tags first: they may not forge kiln's.
		tags := maps.Clone(c.Resource.GetTags())
		if tags == nil {
			tags = map[string]string{}
		}
		maps.Copy(tags, map[string]string{TagManaged: "true", TagDigest: c.Digest, TagRepo: meta.Repo, TagCommit: meta.Commit})
		switch c.Action {
		case ActionUnchanged:
			out.Unchanged = append(out.Unchanged, c.ID().String())
		case ActionCreate:
			arn, err := ib.Create(ctx, c.Resource, refs, createToken(env.Name, c, meta), tags, false)
			if err != nil {
				return out, fmt.Errorf("create %s in %s: %w", c.ID(), env.Name, err)
			}
			out.ARNs[c.ID().String()] = arn
			out.Created = append(out.Created, c.ID().String())
		case ActionUpdate:
			if err := ib.Update(ctx, c.Resource, c.Live.Arn, refs, updateToken(env.Name, c, meta), tags); err != nil {
				return out, fmt.Errorf("update %s in %s: %w", c.ID(), env.Name, err)
			}
			out.Updated = append(out.Updated, c.ID().String())
		case ActionAdopt:
			if err := adopt(ctx, ib, c.Live.Arn, tags); err != nil {
				return out, fmt.Errorf("adopt %s in %s: %w", c.ID(), env.Name, err)
			}
			out.Adopted = append(out.Adopted, c.ID().String())
		}
	}
	deletes := slices.Clone(plan.Changes)
	slices.Reverse(deletes)
	for _, c := range deletes {
		if c.Action != ActionDelete {
			continue
		}
		if err := ib.Delete(ctx, c.Kind, c.Live.Arn); err != nil {
			if errors.Is(err, ErrInUse) {
				out.Skipped = append(out.Skipped, c.ID().String())
				continue
			}
			return out, fmt.Errorf("delete %s in %s: %w", c.ID(), env.Name, err)
		}
		out.Deleted = append(out.Deleted, c.ID().String())
	}
	return out, nil
}

// adopt tags a resource made outside kiln as kiln's, and changes nothing
// else. It takes two writes: the IAM policy (deploy/iam-policy.json) lets
// kiln put its own kiln:* keys on any resource but other keys only on
// what is tagged kiln:managed, so kiln:managed goes first; and kiln:digest
// goes last, so an adoption cut short between the two is still planned as
// an adoption (Live.Owned), never as unchanged without the user's tags.
// Tagging is idempotent: a retry writes the same again.
func adopt(ctx context.Context, ib ImageBuilder, arn string, tags map[string]string) error {
	mark := map[string]string{}
	for _, k := range []string{TagManaged, TagRepo, TagCommit} {
		mark[k] = tags[k]
	}
	if err := ib.Tag(ctx, arn, mark); err != nil {
		return fmt.Errorf("mark %s as kiln's: %w", arn, err)
	}
	rest := maps.Clone(tags)
	for k := range mark {
		delete(rest, k)
	}
	if err := ib.Tag(ctx, arn, rest); err != nil {
		return fmt.Errorf("tag %s: %w", arn, err)
	}
	return nil
}

// createToken is the client token of a create. A component's is its
// content alone (environment, kind, name, version, digest): the service
// makes a second build of a component version rather than refuse it, so
// only the token stops two applies from creating it twice. The other kinds
// cannot exist twice (the service refuses the name or version), and their
// token also covers the commit, so that one removed by pruning can be
// created again by a later commit: a token is remembered by the service
// after its resource is gone, and its parameters (the kiln:commit tag)
// differ. A replay of the same commit still sends the same token.
func createToken(env string, c Change, meta ApplyMeta) string {
	if c.Kind == model.KindComponent {
		return ClientToken(env, string(c.Kind), c.Name, c.Version, c.Digest)
	}
	return ClientToken(env, string(c.Kind), c.Name, c.Version, c.Digest, meta.Commit)
}

// updateToken is the client token of an update: from the live digest to
// the desired one at a commit. An update sends the same parameters
// whenever it moves to the same content, so a token of the content alone
// would make the service skip a roll forward after a roll back (it answers
// a known token with the first result and does nothing).
func updateToken(env string, c Change, meta ApplyMeta) string {
	return ClientToken(env, string(c.Kind), c.Name, "update", c.Live.Digest, c.Digest, meta.Commit, meta.Round)
}

// ErrInUse is what an ImageBuilder's Delete wraps when the resource is still
// referenced (ResourceInUseException); apply then keeps the orphan.
var ErrInUse = errors.New("resource in use")

// resolver resolves references against what exists or was just created.
// A version pattern resolves to the newest matching version in the
// repository, because a pipeline (or a lifecycle policy) must name one
// recipe version; for components and workflows, which Image Builder
// resolves at build time, the adapter turns that version's ARN back into
// the pattern's.
func resolver(env model.Environment, desired *model.Repository, arns map[string]string) Resolver {
	return func(kind model.Kind, name, version string) (string, error) {
		if kind.Versioned() {
			if r := desired.Resolve(kind, name, version); r != nil {
				version = r.Metadata.Version
			}
		}
		id := model.NewID(kind, name, version).String()
		if arn, ok := arns[id]; ok {
			return arn, nil
		}
		return "", fmt.Errorf("%s is neither in %s nor created by this apply", id, env.Name)
	}
}
