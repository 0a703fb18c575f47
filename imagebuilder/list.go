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
)

// Live is one resource the environment holds.
type Live struct {
	Kind model.Kind
	// Name is the resource's name as created (ARNs carry it lowercased).
	Name string
	// Version is the semantic version of components and recipes.
	Version string
	// Arn identifies the resource; for components it is the newest build
	// version's ARN (…/1.2.0/1), which recipes and deletes take.
	Arn string
	// Digest is the kiln:digest tag; Managed is kiln:managed = "true".
	Digest  string
	Managed bool
	Tags    map[string]string
	// Builds counts a component version's build versions. kiln creates
	// exactly one; more means someone created the version again outside
	// kiln (the service makes a new build for that instead of refusing).
	Builds int

	// Pipelines only: what the pipeline builds with, and ENABLED/DISABLED.
	RecipeArn, InfrastructureArn, DistributionArn string
	Status                                        string
}

// List reads everything the environment's account holds in its region of
// the six kinds. It costs the paginated listings, plus one tag read per
// component version not already in the client's TagCache (component
// listings carry no tags; the other kinds' do).
func (c *Client) List(ctx context.Context) ([]Live, error) {
	type result struct {
		live []Live
		err  error
	}
	listers := []func(context.Context) ([]Live, error){
		c.listComponents, c.listImageRecipes, c.listContainerRecipes,
		c.listInfrastructure, c.listDistribution, c.listPipelines,
	}
	results := make([]result, len(listers))
	var wg sync.WaitGroup
	for i, f := range listers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			live, err := f(ctx)
			results[i] = result{live, err}
		}()
	}
	wg.Wait()
	var all []Live
	for i, r := range results {
		if r.err != nil {
			return nil, fmt.Errorf("list %s in %s: %w", model.Kinds[i], c.env.Name, r.err)
		}
		all = append(all, r.live...)
	}
	return all, nil
}

func managed(l *Live) {
	l.Managed = l.Tags[TagManaged] == "true"
	l.Digest = l.Tags[TagDigest]
}

// versionOf is the version an Image Builder ARN carries (…/name/1.2.0[/1]).
func versionOf(arn string) string {
	parts := strings.Split(arn, "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

func (c *Client) listComponents(ctx context.Context) ([]Live, error) {
	var versions []types.ComponentVersion
	p := ib.NewListComponentsPaginator(c.ib, &ib.ListComponentsInput{Owner: types.OwnershipSelf})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		versions = append(versions, page.ComponentVersionList...)
	}
	out := make([]Live, len(versions))
	var (
		wg       sync.WaitGroup
		sem      = make(chan struct{}, c.conc)
		errOnce  sync.Once
		firstErr error
	)
	for i, v := range versions {
		out[i] = Live{Kind: model.KindComponent, Name: aws.ToString(v.Name), Version: aws.ToString(v.Version)}
		key := aws.ToString(v.Arn) + "@" + aws.ToString(v.DateCreated)
		if e, ok := c.tags.get(key); ok {
			out[i].Arn, out[i].Builds, out[i].Tags = e.buildArn, e.builds, e.tags
			managed(&out[i])
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			e, err := c.componentTags(ctx, aws.ToString(v.Arn))
			if err != nil {
				errOnce.Do(func() { firstErr = err })
				return
			}
			c.tags.put(key, e)
			out[i].Arn, out[i].Builds, out[i].Tags = e.buildArn, e.builds, e.tags
			managed(&out[i])
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// componentTags reads a component version's builds, whose summaries carry
// the tags the version listing lacks.
func (c *Client) componentTags(ctx context.Context, versionArn string) (componentTags, error) {
	var e componentTags
	p := ib.NewListComponentBuildVersionsPaginator(c.ib, &ib.ListComponentBuildVersionsInput{ComponentVersionArn: aws.String(versionArn)})
	newest := -1
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return e, fmt.Errorf("builds of %s: %w", versionArn, err)
		}
		for _, s := range page.ComponentSummaryList {
			e.builds++
			if b := buildNumber(aws.ToString(s.Arn)); b > newest {
				newest, e.buildArn, e.tags = b, aws.ToString(s.Arn), s.Tags
			}
		}
	}
	if e.builds == 0 {
		return e, fmt.Errorf("component version %s has no builds", versionArn)
	}
	return e, nil
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

func (c *Client) listImageRecipes(ctx context.Context) ([]Live, error) {
	var out []Live
	p := ib.NewListImageRecipesPaginator(c.ib, &ib.ListImageRecipesInput{Owner: types.OwnershipSelf})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.ImageRecipeSummaryList {
			l := Live{Kind: model.KindImageRecipe, Name: aws.ToString(s.Name), Arn: aws.ToString(s.Arn),
				Version: versionOf(aws.ToString(s.Arn)), Tags: s.Tags}
			managed(&l)
			out = append(out, l)
		}
	}
	return out, nil
}

func (c *Client) listContainerRecipes(ctx context.Context) ([]Live, error) {
	var out []Live
	p := ib.NewListContainerRecipesPaginator(c.ib, &ib.ListContainerRecipesInput{Owner: types.OwnershipSelf})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.ContainerRecipeSummaryList {
			l := Live{Kind: model.KindContainerRecipe, Name: aws.ToString(s.Name), Arn: aws.ToString(s.Arn),
				Version: versionOf(aws.ToString(s.Arn)), Tags: s.Tags}
			managed(&l)
			out = append(out, l)
		}
	}
	return out, nil
}

func (c *Client) listInfrastructure(ctx context.Context) ([]Live, error) {
	var out []Live
	p := ib.NewListInfrastructureConfigurationsPaginator(c.ib, &ib.ListInfrastructureConfigurationsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.InfrastructureConfigurationSummaryList {
			l := Live{Kind: model.KindInfrastructureConfiguration, Name: aws.ToString(s.Name), Arn: aws.ToString(s.Arn), Tags: s.Tags}
			managed(&l)
			out = append(out, l)
		}
	}
	return out, nil
}

func (c *Client) listDistribution(ctx context.Context) ([]Live, error) {
	var out []Live
	p := ib.NewListDistributionConfigurationsPaginator(c.ib, &ib.ListDistributionConfigurationsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.DistributionConfigurationSummaryList {
			l := Live{Kind: model.KindDistributionConfiguration, Name: aws.ToString(s.Name), Arn: aws.ToString(s.Arn), Tags: s.Tags}
			managed(&l)
			out = append(out, l)
		}
	}
	return out, nil
}

func (c *Client) listPipelines(ctx context.Context) ([]Live, error) {
	var out []Live
	p := ib.NewListImagePipelinesPaginator(c.ib, &ib.ListImagePipelinesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.ImagePipelineList {
			l := Live{Kind: model.KindImagePipeline, Name: aws.ToString(s.Name), Arn: aws.ToString(s.Arn), Tags: s.Tags,
				InfrastructureArn: aws.ToString(s.InfrastructureConfigurationArn),
				DistributionArn:   aws.ToString(s.DistributionConfigurationArn),
				RecipeArn:         aws.ToString(s.ImageRecipeArn), Status: string(s.Status)}
			if l.RecipeArn == "" {
				l.RecipeArn = aws.ToString(s.ContainerRecipeArn)
			}
			managed(&l)
			out = append(out, l)
		}
	}
	return out, nil
}
