package imagebuilder

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// componentKind is Component: an AWSTOE document, versioned, with build
// versions under each semantic version.
type componentKind struct{}

func (componentKind) dryRun() bool { return true }
func (componentKind) arnPath(r *model.Resource) string {
	return arnPath(r.Kind, r.Metadata.Name, r.Metadata.Version, true)
}

// list reads the component versions, then each version's builds for the
// tags the version listing lacks (from the TagCache where it can).
func (componentKind) list(ctx context.Context, c *Client) ([]reconciler.Live, error) {
	p := ib.NewListComponentsPaginator(c.ib, &ib.ListComponentsInput{Owner: types.OwnershipSelf})
	versions, err := paginate(ctx, p.HasMorePages, func(ctx context.Context) (*ib.ListComponentsOutput, error) { return p.NextPage(ctx) },
		func(o *ib.ListComponentsOutput) []types.ComponentVersion { return o.ComponentVersionList })
	if err != nil {
		return nil, err
	}
	out := make([]builtVersion, len(versions))
	for i, v := range versions {
		out[i] = builtVersion{name: aws.ToString(v.Name), version: aws.ToString(v.Version), arn: aws.ToString(v.Arn), created: aws.ToString(v.DateCreated)}
	}
	return c.listBuilt(ctx, model.KindComponent, out, c.componentBuilds)
}

// componentBuilds reads a component version's builds, whose summaries
// carry the tags the version listing lacks.
func (c *Client) componentBuilds(ctx context.Context, versionArn string) (componentTags, error) {
	p := ib.NewListComponentBuildVersionsPaginator(c.ib, &ib.ListComponentBuildVersionsInput{ComponentVersionArn: aws.String(versionArn)})
	builds, err := paginate(ctx, p.HasMorePages, func(ctx context.Context) (*ib.ListComponentBuildVersionsOutput, error) { return p.NextPage(ctx) },
		func(o *ib.ListComponentBuildVersionsOutput) []types.ComponentSummary { return o.ComponentSummaryList })
	if err != nil {
		return componentTags{}, fmt.Errorf("builds of %s: %w", versionArn, err)
	}
	return newestBuild("component", versionArn, builds, func(s types.ComponentSummary) (*string, map[string]string) { return s.Arn, s.Tags })
}

// newestBuild is the newest of a version's builds, with their count and
// its tags; what names the kind for the error of a version without builds.
func newestBuild[S any](what, versionArn string, builds []S, arnAndTags func(S) (*string, map[string]string)) (componentTags, error) {
	var e componentTags
	newest := -1
	for _, s := range builds {
		e.builds++
		arn, tags := arnAndTags(s)
		if b := buildNumber(aws.ToString(arn)); b > newest {
			newest, e.buildArn, e.tags = b, aws.ToString(arn), tags
		}
	}
	if e.builds == 0 {
		return e, fmt.Errorf("%s version %s has no builds", what, versionArn)
	}
	return e, nil
}

// builtVersion is one semantic version of a kind with build versions
// (components, workflows) as the version listing gives it.
type builtVersion struct{ name, version, arn, created string }

// listBuilt completes a version listing with each version's newest build
// and its tags, read by builds (c.conc at a time) unless the TagCache has
// them: the cache key is the version ARN and its creation date, which
// changes when anyone adds a build.
func (c *Client) listBuilt(ctx context.Context, kind model.Kind, versions []builtVersion, builds func(context.Context, string) (componentTags, error)) ([]reconciler.Live, error) {
	out := make([]reconciler.Live, len(versions))
	var (
		wg       sync.WaitGroup
		sem      = make(chan struct{}, c.conc)
		errOnce  sync.Once
		firstErr error
	)
	fill := func(i int, e componentTags) {
		out[i] = live(kind, versions[i].name, versions[i].version, e.buildArn, e.tags)
		out[i].Builds = e.builds
	}
	for i, v := range versions {
		key := v.arn + "@" + v.created
		if e, ok := c.tags.get(key); ok {
			fill(i, e)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			e, err := builds(ctx, v.arn)
			if err != nil {
				errOnce.Do(func() { firstErr = err })
				return
			}
			c.tags.put(key, e)
			fill(i, e)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func buildNumber(arn string) int {
	n := 0
	for _, ch := range arn[strings.LastIndex(arn, "/")+1:] {
		if ch < '0' || ch > '9' {
			return -1
		}
		n = n*10 + int(ch-'0')
	}
	return n
}

func (componentKind) get(ctx context.Context, c *Client, arn string) (any, error) {
	o, err := c.ib.GetComponent(ctx, &ib.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	return o.Component, nil
}

func (componentKind) create(ctx context.Context, c *Client, w write) (string, error) {
	s, err := specOf[model.ComponentSpec](w.r)
	if err != nil {
		return "", err
	}
	data := s.Data
	if w.r.Document != nil {
		data = w.r.Document.Text
	}
	out, err := c.ib.CreateComponent(ctx, &ib.CreateComponentInput{
		Name: w.name(), SemanticVersion: w.version(), Description: w.description(),
		Platform: types.Platform(s.Platform), Data: aws.String(data),
		ChangeDescription: opt(s.ChangeDescription), SupportedOsVersions: s.SupportedOsVersions,
		KmsKeyId: opt(c.expand(s.KmsKeyID)), Tags: w.tags, ClientToken: w.token, DryRun: w.dryRun,
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ComponentBuildVersionArn), nil
}

func (componentKind) update(context.Context, *Client, write, string) error { return errImmutable }

func (componentKind) delete(ctx context.Context, c *Client, arn string) error {
	_, err := c.ib.DeleteComponent(ctx, &ib.DeleteComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	return err
}

func (componentKind) export(x *exporter, v any) (exported, string) {
	d, _ := v.(*types.Component)
	if d == nil || aws.ToString(d.Data) == "" {
		return exported{}, "the component has no inline document (data) to import"
	}
	return exported{
		md:       x.metadata(d.Name, d.Version, d.Description, d.Tags),
		document: aws.ToString(d.Data),
		spec: &model.ComponentSpec{Platform: string(d.Platform), SupportedOsVersions: d.SupportedOsVersions,
			ChangeDescription: aws.ToString(d.ChangeDescription), KmsKeyID: x.c.template(aws.ToString(d.KmsKeyId))},
	}, ""
}
