package imagebuilder

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// kindAdapter is one kind's Image Builder calls, each kind in its own file
// (component.go, image_recipe.go, …). Everything else in this package is
// the same for every kind.
type kindAdapter interface {
	// list reads every resource of the kind the account owns.
	list(ctx context.Context, c *Client) ([]reconciler.Live, error)
	// get reads one resource's full details (the Get call's answer).
	get(ctx context.Context, c *Client, arn string) (any, error)
	// create creates w.r and returns its ARN.
	create(ctx context.Context, c *Client, w write) (string, error)
	// update replaces the resource at arn with w.r's spec; versioned kinds
	// return errImmutable.
	update(ctx context.Context, c *Client, w write, arn string) error
	delete(ctx context.Context, c *Client, arn string) error
	// export turns get's answer back into kiln's shape, or says why it
	// cannot.
	export(x *exporter, details any) (exported, string)
	// dryRun reports whether the service's create takes dryRun.
	dryRun() bool
	// arnPath is the resource part of the ARN r gets when kiln creates it
	// (after "arn:aws:imagebuilder:region:account:").
	arnPath(r *model.Resource) string
}

// adapters holds every kind's adapter; a test checks that it covers
// model.Kinds.
var adapters = map[model.Kind]kindAdapter{
	model.KindComponent:                   componentKind{},
	model.KindImageRecipe:                 imageRecipeKind{},
	model.KindContainerRecipe:             containerRecipeKind{},
	model.KindInfrastructureConfiguration: infrastructureKind{},
	model.KindDistributionConfiguration:   distributionKind{},
	model.KindWorkflow:                    workflowKind{},
	model.KindImagePipeline:               pipelineKind{},
	model.KindLifecyclePolicy:             lifecyclePolicyKind{},
}

func adapterOf(k model.Kind) (kindAdapter, error) {
	if a, ok := adapters[k]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("unknown kind %q", k)
}

// write is what a create or update sends.
type write struct {
	r      *model.Resource
	refs   reconciler.Resolver
	token  *string
	tags   map[string]string // create only
	dryRun bool              // create only
}

func (w write) name() *string        { return aws.String(w.r.Metadata.Name) }
func (w write) version() *string     { return aws.String(w.r.Metadata.Version) }
func (w write) description() *string { return opt(w.r.Metadata.Description) }

// exported is a live resource in kiln's shape.
type exported struct {
	md   model.Metadata
	spec any
	// document is a document kind's text, which the caller places.
	document string
}

var errImmutable = errors.New("versions are immutable; create a new version instead")

// ErrNoDryRun is returned for a dry run of a kind the service cannot dry
// run; it is the reconciler's.
var ErrNoDryRun = reconciler.ErrNoDryRun

var _ reconciler.ImageBuilder = (*Client)(nil)

// Tags is what kiln writes on a resource: the resource's own
// metadata.tags, then extra (kiln:repo, kiln:commit, …), then kiln:managed
// and kiln:digest, which the resource's own tags may not override. The
// digest is the caller's when extra names one (the reconciler's effective
// digest also covers what a pipeline's references resolve to), else
// model.Digest.
func Tags(r *model.Resource, extra map[string]string) map[string]string {
	out := make(map[string]string, len(r.Metadata.Tags)+len(extra)+2)
	maps.Copy(out, r.Metadata.Tags)
	maps.Copy(out, extra)
	out[TagManaged] = "true"
	out[TagDigest] = extra[TagDigest]
	if out[TagDigest] == "" {
		out[TagDigest] = model.Digest(r)
	}
	return out
}

// ArnFor is the ARN r gets when kiln creates it in this environment
// (components and workflows at build version 1), which is how plans and
// tests name what does not exist yet.
func (c *Client) ArnFor(r *model.Resource) string {
	a, err := adapterOf(r.Kind)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("arn:aws:imagebuilder:%s:%s:%s", c.env.Region, c.env.Account, a.arnPath(r))
}

// arnPath is the ARN resource part of kind's resource name at version
// (left out for unversioned kinds), with build number 1 when builds:
// names lowercased as the service writes them.
func arnPath(kind model.Kind, name, version string, builds bool) string {
	info, _ := kind.Info()
	n := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, strings.ToLower(name))
	path := info.ArnType + "/" + n
	if info.Versioned {
		path += "/" + version
		if builds {
			path += "/1"
		}
	}
	return path
}

func specOf[T any](r *model.Resource) (*T, error) {
	s, ok := r.Spec.(*T)
	if !ok || s == nil {
		return nil, fmt.Errorf("%s has no decoded %T spec", r.ID(), s)
	}
	return s, nil
}

// Create creates r with client token token (deterministic per content, so
// a replay returns the first result) and tags as Tags(r, tags). It returns
// the new resource's ARN.
//
// With dryRun (kinds whose create takes dryRun) nothing is created: a nil
// error is the service's verdict that the create would succeed, any other
// error its reason why not; the ARN is empty. Other kinds return
// ErrNoDryRun.
func (c *Client) Create(ctx context.Context, r *model.Resource, refs reconciler.Resolver, token string, tags map[string]string, dryRun bool) (string, error) {
	a, err := adapterOf(r.Kind)
	if err != nil {
		return "", err
	}
	if dryRun && !a.dryRun() {
		return "", ErrNoDryRun
	}
	arn, err := a.create(ctx, c, write{r: r, refs: refs, token: opt(token), tags: Tags(r, tags), dryRun: dryRun})
	if dryRun {
		if IsDryRunSuccess(err) {
			return "", nil
		}
		if err == nil {
			return arn, fmt.Errorf("dry run of %s in %s created %s", r.ID(), c.env.Name, arn)
		}
	}
	if err != nil {
		return "", fmt.Errorf("create %s in %s: %w", r.ID(), c.env.Name, err)
	}
	c.log.InfoContext(ctx, "created", "resource", r.ID().String(), "arn", arn)
	return arn, nil
}

// Update replaces the live resource at arn with r's spec and rewrites its
// tags (the digest changes with the spec). Tags no longer in Tags(r, tags)
// are left in place: other tools may own them. Versioned kinds are
// immutable and cannot be updated.
func (c *Client) Update(ctx context.Context, r *model.Resource, arn string, refs reconciler.Resolver, token string, tags map[string]string) error {
	a, err := adapterOf(r.Kind)
	if err != nil {
		return err
	}
	if err := a.update(ctx, c, write{r: r, refs: refs, token: opt(token)}, arn); err != nil {
		return fmt.Errorf("update %s (%s) in %s: %w", r.ID(), arn, c.env.Name, err)
	}
	if err := c.tag(ctx, arn, Tags(r, tags)); err != nil {
		return fmt.Errorf("tag %s (%s) in %s: %w", r.ID(), arn, c.env.Name, err)
	}
	c.log.InfoContext(ctx, "updated", "resource", r.ID().String(), "arn", arn)
	return nil
}

// Delete deletes the resource at arn. A resource others depend on is
// refused by the service; the error then wraps reconciler.ErrInUse, so
// apply keeps it.
func (c *Client) Delete(ctx context.Context, kind model.Kind, arn string) error {
	a, err := adapterOf(kind)
	if err == nil {
		err = a.delete(ctx, c, arn)
	}
	if err != nil {
		if IsInUse(err) {
			err = fmt.Errorf("%w: %w", reconciler.ErrInUse, err)
		}
		return fmt.Errorf("delete %s %s in %s: %w", kind, arn, c.env.Name, err)
	}
	c.log.InfoContext(ctx, "deleted", "kind", kind, "arn", arn)
	return nil
}

// List reads everything the environment's account holds in its region,
// every kind at once. It costs the paginated listings, plus one tag read
// per component version not already in the client's TagCache (component
// listings carry no tags; the other kinds' do).
func (c *Client) List(ctx context.Context) ([]reconciler.Live, error) {
	kinds := model.Kinds()
	type result struct {
		live []reconciler.Live
		err  error
	}
	results := make([]result, len(kinds))
	var wg sync.WaitGroup
	for i, k := range kinds {
		a, err := adapterOf(k)
		if err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			live, err := a.list(ctx, c)
			results[i] = result{live, err}
		}()
	}
	wg.Wait()
	var all []reconciler.Live
	for i, r := range results {
		if r.err != nil {
			return nil, fmt.Errorf("list %s in %s: %w", kinds[i], c.env.Name, r.err)
		}
		all = append(all, r.live...)
	}
	return all, nil
}

// Tag implements reconciler.ImageBuilder: it adds tags to the resource at
// arn (a component's or workflow's build version) and forgets what the
// TagCache holds for it, whose key (the version's creation date) a tag
// does not change.
func (c *Client) Tag(ctx context.Context, arn string, tags map[string]string) error {
	if err := c.tag(ctx, arn, tags); err != nil {
		return fmt.Errorf("tag %s in %s: %w", arn, c.env.Name, err)
	}
	c.tags.forget(normalArn(arn))
	c.log.InfoContext(ctx, "tagged", "arn", arn)
	return nil
}

func (c *Client) tag(ctx context.Context, arn string, tags map[string]string) error {
	_, err := c.ib.TagResource(ctx, &ib.TagResourceInput{ResourceArn: aws.String(arn), Tags: tags})
	return err
}

// live is a listed resource with kiln's tags read.
func live(kind model.Kind, name, version, arn string, tags map[string]string) reconciler.Live {
	return reconciler.Live{Kind: kind, Name: name, Version: version, Arn: arn, Tags: tags,
		Managed: tags[TagManaged] == "true", Digest: tags[TagDigest]}
}

// versionOf is the version an Image Builder ARN carries (…/name/1.2.0[/1]).
func versionOf(arn string) string {
	parts := strings.Split(arn, "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// paginate collects every page's items.
func paginate[P any, T any](ctx context.Context, more func() bool, next func(context.Context) (P, error), items func(P) []T) ([]T, error) {
	var out []T
	for more() {
		page, err := next(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, items(page)...)
	}
	return out, nil
}
