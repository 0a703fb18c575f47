package imagebuilder

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// ExportOptions selects what Export reads back.
type ExportOptions struct {
	// All includes the resources kiln already manages (tagged
	// kiln:managed); by default only what was made by hand or by other
	// tools is exported, which is what a team adopting kiln needs.
	All bool
}

// Exported is one live resource in kiln's shape: Resource has Kind,
// Metadata and the typed Spec set (no File, Node or Value). References to
// other exported resources are names (and versions); ARNs of anything else
// keep their ARN with the environment's own account and region turned into
// the {account} and {region} placeholders.
type Exported struct {
	Resource model.Resource
	// Arn is where the resource was read from.
	Arn string
	// Document is a component's AWSTOE document (its data), verbatim; the
	// component's spec names neither document nor data, so the caller
	// decides where the document goes.
	Document string
}

// Skipped is a live resource Export left out, and why.
type Skipped struct {
	Kind          model.Kind
	Name, Version string
	Arn           string
	Reason        string
}

// Export is what Export read.
type Export struct {
	// Resources are in model.Kinds order, then by name and version.
	Resources []Exported
	Skipped   []Skipped
}

// Export reads the full details of the resources the environment holds
// (owner Self only: AWS-managed and shared components stay ARNs in the
// recipes that use them) and turns them back into kiln resources: the
// reverse of the translation Create and Update make.
func (c *Client) Export(ctx context.Context, opts ExportOptions) (*Export, error) {
	live, err := c.List(ctx)
	if err != nil {
		return nil, err
	}
	return c.export(ctx, live, nil, opts)
}

// LiveSpecs implements reconciler.SpecReader: the resources of read in
// kiln's shape, by ID, as Export reads them (what cannot be exported is
// left out), with references to any resource of listed by name, so that
// a pipeline read alone still names its recipe and configurations as the
// repository does.
func (c *Client) LiveSpecs(ctx context.Context, listed, read []reconciler.Live) (map[model.ID]*model.Resource, error) {
	exp, err := c.export(ctx, read, listed, ExportOptions{All: true})
	if err != nil {
		return nil, err
	}
	out := make(map[model.ID]*model.Resource, len(exp.Resources))
	for i := range exp.Resources {
		r := &exp.Resources[i].Resource
		if setter, ok := r.Spec.(interface{ SetData(string) }); ok {
			setter.SetData(exp.Resources[i].Document)
		}
		out[r.ID()] = r
	}
	return out, nil
}

var _ reconciler.SpecReader = (*Client)(nil)

// export reads live; references to it, and to known (read or not), come
// back by name.
func (c *Client) export(ctx context.Context, live, known []reconciler.Live, opts ExportOptions) (*Export, error) {
	out := &Export{}
	var picked []reconciler.Live
	for _, l := range live {
		if l.Managed && !opts.All {
			out.Skipped = append(out.Skipped, Skipped{Kind: l.Kind, Name: l.Name, Version: l.Version, Arn: l.Arn,
				Reason: "managed by kiln (tagged " + TagManaged + "); --all imports it too"})
			continue
		}
		picked = append(picked, l)
	}
	details, err := c.getAll(ctx, picked)
	if err != nil {
		return nil, err
	}

	// Kinds in dependency order: a recipe's references need every component
	// converted, a pipeline's every recipe and configuration.
	x := exporter{c: c, versions: map[arnKey][]string{}, names: map[arnKey]string{}, arns: map[string]*model.Resource{}}
	for _, l := range known {
		x.know(l.Arn, &model.Resource{Kind: l.Kind, Metadata: model.Metadata{Name: l.Name, Version: l.Version}})
	}
	for _, kind := range model.Kinds() {
		for i, l := range picked {
			if l.Kind != kind {
				continue
			}
			e, reason := x.convert(l, details[i])
			if reason != "" {
				out.Skipped = append(out.Skipped, Skipped{Kind: l.Kind, Name: l.Name, Version: l.Version, Arn: l.Arn, Reason: reason})
				continue
			}
			x.know(l.Arn, &e.Resource)
			out.Resources = append(out.Resources, e)
		}
	}
	slices.SortStableFunc(out.Resources, func(a, b Exported) int { return a.Resource.ID().Compare(b.Resource.ID()) })
	slices.SortStableFunc(out.Skipped, func(a, b Skipped) int {
		return cmp.Or(model.ID{Kind: a.Kind, Name: a.Name, Version: a.Version}.Compare(model.ID{Kind: b.Kind, Name: b.Name, Version: b.Version}),
			cmp.Compare(a.Arn, b.Arn))
	})
	return out, nil
}

// getAll reads the full details of every resource, c.conc at a time; the
// i-th answer is the i-th resource's Get output.
func (c *Client) getAll(ctx context.Context, live []reconciler.Live) ([]any, error) {
	out := make([]any, len(live))
	var (
		wg       sync.WaitGroup
		sem      = make(chan struct{}, c.conc)
		errOnce  sync.Once
		firstErr error
	)
	for i, l := range live {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			v, err := c.get(ctx, l)
			if err != nil {
				errOnce.Do(func() { firstErr = fmt.Errorf("read %s %s in %s: %w", l.Kind, l.Arn, c.env.Name, err) })
				return
			}
			out[i] = v
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func (c *Client) get(ctx context.Context, l reconciler.Live) (any, error) {
	a, err := adapterOf(l.Kind)
	if err != nil {
		return nil, err
	}
	return a.get(ctx, c, l.Arn)
}

// exporter turns Get answers into kiln resources, remembering what it has
// exported so that later kinds can name it.
type exporter struct {
	c *Client
	// versions maps a versioned kind's name as ARNs write it to its
	// exported versions; names to its real name.
	versions map[arnKey][]string
	names    map[arnKey]string
	// arns maps the exported resources' ARNs (without a build number) to
	// them.
	arns map[string]*model.Resource
}

// know makes r, at arn, a resource later kinds can name.
func (x *exporter) know(arn string, r *model.Resource) {
	x.arns[normalArn(arn)] = r
	if !r.Kind.Versioned() {
		return
	}
	if arnName, _, ok := arnNameVersion(arn); ok {
		k := arnKey{r.Kind, arnName}
		if !slices.Contains(x.versions[k], r.Metadata.Version) {
			x.versions[k] = append(x.versions[k], r.Metadata.Version)
		}
		x.names[k] = r.Metadata.Name
	}
}

// convert returns the exported resource, or the reason it cannot be one.
func (x *exporter) convert(l reconciler.Live, v any) (Exported, string) {
	a, err := adapterOf(l.Kind)
	if err != nil {
		return Exported{}, err.Error()
	}
	e, reason := a.export(x, v)
	if reason != "" {
		return Exported{}, reason
	}
	return Exported{Arn: l.Arn, Document: e.document, Resource: model.Resource{Kind: l.Kind, Metadata: e.md, Spec: e.spec}}, ""
}

// metadata drops kiln's own tags: kiln writes them again on apply.
func (x *exporter) metadata(name, version, description *string, tags map[string]string) model.Metadata {
	md := model.Metadata{Name: aws.ToString(name), Version: aws.ToString(version), Description: aws.ToString(description)}
	for k, v := range tags {
		if strings.HasPrefix(k, "kiln:") {
			continue
		}
		if md.Tags == nil {
			md.Tags = map[string]string{}
		}
		md.Tags[k] = v
	}
	return md
}

func nonEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

// componentRefs names exported components by name and version (a wildcard
// stays a wildcard when an exported version matches it); everything else
// keeps its ARN.
func (x *exporter) componentRefs(in []types.ComponentConfiguration) []model.ComponentRef {
	out := make([]model.ComponentRef, 0, len(in))
	for _, cc := range in {
		arn := aws.ToString(cc.ComponentArn)
		ref := model.ComponentRef{Arn: x.c.template(arn)}
		if name, version, ok := x.own(model.KindComponent, arn); ok {
			ref = model.ComponentRef{Name: name, Version: version}
		}
		for _, p := range cc.Parameters {
			ref.Parameters = append(ref.Parameters, model.ComponentParameter{Name: aws.ToString(p.Name), Value: p.Value})
		}
		out = append(out, ref)
	}
	return out
}

type arnKey struct {
	kind model.Kind
	name string // as ARNs write it
}

// own resolves an ARN of kind in the environment's account to an exported
// resource: its name and the version as the ARN writes it (a wildcard
// stays a wildcard when an exported version matches it).
func (x *exporter) own(kind model.Kind, arn string) (name, version string, ok bool) {
	f := strings.SplitN(arn, ":", 6)
	info, _ := kind.Info()
	if len(f) != 6 || f[2] != "imagebuilder" || f[4] != x.c.env.Account || (x.c.env.Region != "" && f[3] != x.c.env.Region) ||
		!strings.HasPrefix(f[5], info.ArnType+"/") {
		return "", "", false
	}
	arnName, v, ok := arnNameVersion(arn)
	if !ok {
		return "", "", false
	}
	pat, err := model.ParseVersionPattern(v)
	if err != nil {
		return "", "", false
	}
	k := arnKey{kind, arnName}
	for _, have := range x.versions[k] {
		if pv, err := model.ParseVersion(have); err == nil && pat.Match(pv) {
			return x.names[k], v, true
		}
	}
	return "", "", false
}

// arnNameVersion is the name and version segments of an Image Builder ARN
// of a versioned kind: …:component/name/1.2.0[/1], or with the workflow
// type before the name, …:workflow/build/name/1.2.0[/1].
func arnNameVersion(arn string) (name, version string, ok bool) {
	parts := strings.Split(arn[strings.LastIndex(arn, ":")+1:], "/")
	if len(parts) > 0 && parts[0] == "workflow" {
		parts = parts[1:]
	}
	if len(parts) < 3 {
		return "", "", false
	}
	return parts[1], parts[2], true
}

func blockDevicesBack(in []types.InstanceBlockDeviceMapping) []model.BlockDeviceMapping {
	var out []model.BlockDeviceMapping
	for _, m := range in {
		bd := model.BlockDeviceMapping{DeviceName: aws.ToString(m.DeviceName), VirtualName: aws.ToString(m.VirtualName), NoDevice: m.NoDevice}
		if e := m.Ebs; e != nil {
			// Block device KMS keys are passed through as written (create
			// does not expand placeholders there), so they stay literal.
			bd.Ebs = &model.Ebs{Encrypted: e.Encrypted, DeleteOnTermination: e.DeleteOnTermination,
				Iops: aws.ToInt32(e.Iops), KmsKeyID: aws.ToString(e.KmsKeyId), SnapshotID: aws.ToString(e.SnapshotId),
				VolumeSize: aws.ToInt32(e.VolumeSize), VolumeType: string(e.VolumeType), Throughput: aws.ToInt32(e.Throughput)}
		}
		out = append(out, bd)
	}
	return out
}

// template is the reverse of expand: in an ARN, the environment's own
// region and account become {region} and {account}, so the file applies
// to every environment alike. Anything that is not an ARN is left as it is.
func (c *Client) template(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 {
		return s
	}
	if c.env.Region != "" && f[3] == c.env.Region {
		f[3] = "{region}"
	}
	if c.env.Account != "" && f[4] == c.env.Account {
		f[4] = "{account}"
	}
	return strings.Join(f, ":")
}

// normalArn is an Image Builder ARN without a component's or workflow's
// build number,
// lowercased as the service writes names.
func normalArn(arn string) string {
	arn = strings.ToLower(arn)
	for prefix, n := range map[string]int{":component/": 4, ":workflow/": 5} {
		if i := strings.Index(arn, prefix); i >= 0 && len(strings.Split(arn[i+1:], "/")) == n {
			return arn[:strings.LastIndex(arn, "/")]
		}
	}
	return arn
}
