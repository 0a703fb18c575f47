package ibtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

var imageHandlers = map[string]handler{
	"StartImagePipelineExecution": (*Server).startPipeline,
	"GetImage":                    (*Server).getImage,
	"ListImagePipelineImages":     (*Server).listPipelineImages,
	"CancelImageCreation":         (*Server).cancelImage,
	"DeleteImage":                 (*Server).deleteImage,
}

// image is one build started from a pipeline. It keeps a snapshot of the
// pipeline's inputs at start, as the service does, so later updates do not
// change a running build.
type image struct {
	arn, name, version string
	build              int
	pipeline           *resource
	recipe, infra      *resource
	dist               *resource // nil when the pipeline has none
	container          bool
	testsEnabled       bool
	started            time.Time
	failInTesting      bool
	cancelledAt        time.Time
	tags               map[string]string
}

// ImageInfo is what tests can see of an image without the SDK.
type ImageInfo struct {
	Arn, PipelineArn, Status, Reason string
}

type imageState struct{ status, reason string }

// imageState is where an image stands at the current virtual time.
func (s *Server) imageState(im *image) imageState {
	d := s.durations
	testing := d.Testing
	if !im.testsEnabled {
		testing = 0
	}
	e := s.now().Sub(im.started)
	if !im.cancelledAt.IsZero() {
		e = im.cancelledAt.Sub(im.started)
	}
	// The states of https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_ImageState.html
	// in the order a build passes them.
	var st imageState
	building := d.Pending + d.Creating + d.Building
	switch {
	case e < d.Pending:
		st.status = "PENDING"
	case e < d.Pending+d.Creating:
		st.status = "CREATING"
	case e < building:
		st.status = "BUILDING"
	case e < building+testing:
		st.status = "TESTING"
	case im.failInTesting:
		return imageState{"FAILED", fmt.Sprintf("Image testing failed: component step exited with code 1; see the build logs for %s", im.arn)}
	case e < building+testing+d.Distributing:
		st.status = "DISTRIBUTING"
	case e < building+testing+d.Distributing+d.Integrating:
		st.status = "INTEGRATING"
	default:
		st.status = "AVAILABLE"
	}
	if !im.cancelledAt.IsZero() {
		return imageState{"CANCELLED", "Image creation was cancelled by the user"}
	}
	return st
}

// Images lists every image with its current state.
func (s *Server) Images() []ImageInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ImageInfo
	for _, im := range s.images {
		st := s.imageState(im)
		out = append(out, ImageInfo{Arn: im.arn, PipelineArn: im.pipeline.arn, Status: st.status, Reason: st.reason})
	}
	slices.SortFunc(out, func(a, b ImageInfo) int { return strings.Compare(a.Arn, b.Arn) })
	return out
}

func (s *Server) startPipeline(body map[string]any) (map[string]any, error) {
	return s.idempotent("StartImagePipelineExecution", body, func() (map[string]any, error) {
		p, err := s.lookup(typePipeline, str(body, "imagePipelineArn"))
		if err != nil {
			return nil, err
		}
		recipe := s.resources[p.refs[0]]
		im := &image{
			name: recipe.name, version: recipe.version, pipeline: p, recipe: recipe,
			infra: s.resources[p.refs[1]], container: recipe.typ == typeContainerRecipe,
			testsEnabled: true, started: s.now(),
		}
		if p.refs[2] != "" {
			im.dist = s.resources[p.refs[2]]
		}
		if tc, ok := p.fields["imageTestsConfiguration"].(map[string]any); ok {
			if en, ok := tc["imageTestsEnabled"].(bool); ok {
				im.testsEnabled = en
			}
		}
		if f := s.takeFault(p.arn, phaseBuild); f != nil {
			im.failInTesting = true
		}
		im.build = 1
		for _, other := range s.images {
			if other.name == im.name && other.version == im.version && other.build >= im.build {
				im.build = other.build + 1
			}
		}
		im.arn = s.arn(typeImage, arnName(im.name), im.version, fmt.Sprint(im.build))
		if im.tags, err = tagsOf(body); err != nil {
			return nil, err
		}
		s.images[im.arn] = im
		return map[string]any{"imageBuildVersionArn": im.arn}, nil
	})
}

func (s *Server) cancelImage(body map[string]any) (map[string]any, error) {
	return s.idempotent("CancelImageCreation", body, func() (map[string]any, error) {
		a := str(body, "imageBuildVersionArn")
		im, ok := s.images[a]
		if !ok {
			return nil, notFound("the image %s does not exist", a)
		}
		switch st := s.imageState(im).status; st {
		case "AVAILABLE", "FAILED", "CANCELLED":
			return nil, errf("InvalidRequestException", 400, "the image %s is %s and can no longer be cancelled", a, st)
		}
		im.cancelledAt = s.now()
		return map[string]any{"imageBuildVersionArn": a}, nil
	})
}

func fakeID(prefix string, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "|")))
	return prefix + hex.EncodeToString(sum[:])[:17]
}

// outputs is what an AVAILABLE image produced: an AMI per distribution
// region and account, or container image URIs per region.
func (s *Server) outputs(im *image) map[string]any {
	var dists []map[string]any
	if im.dist != nil {
		list, _ := im.dist.fields["distributions"].([]any)
		for _, d := range list {
			dists = append(dists, d.(map[string]any))
		}
	}
	if len(dists) == 0 {
		dists = []map[string]any{{"region": s.region}}
	}
	tag := fmt.Sprintf("%s-%s", im.version, im.arn[strings.LastIndex(im.arn, "/")+1:])
	if im.container {
		var containers []map[string]any
		for _, d := range dists {
			region := str(d, "region")
			repo := str(im.recipe.fields["targetRepository"].(map[string]any), "repositoryName")
			tags := []string{tag}
			if cd, ok := d["containerDistributionConfiguration"].(map[string]any); ok {
				if tr, ok := cd["targetRepository"].(map[string]any); ok && str(tr, "repositoryName") != "" {
					repo = str(tr, "repositoryName")
				}
				if ct, ok := cd["containerTags"].([]any); ok && len(ct) > 0 {
					tags = nil
					for _, t := range ct {
						tags = append(tags, fmt.Sprint(t))
					}
				}
			}
			var uris []string
			for _, t := range tags {
				uris = append(uris, fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s:%s", s.account, region, repo, t))
			}
			containers = append(containers, map[string]any{"region": region, "imageUris": uris})
		}
		return map[string]any{"containers": containers}
	}
	var amis []map[string]any
	for _, d := range dists {
		region := str(d, "region")
		accounts := []string{s.account}
		name := fmt.Sprintf("%s %s", im.name, im.started.Format("2006-01-02T15-04-05Z"))
		if ad, ok := d["amiDistributionConfiguration"].(map[string]any); ok {
			if n := str(ad, "name"); n != "" {
				name = strings.ReplaceAll(n, "{{imagebuilder:buildDate}}", im.started.Format("2006-01-02T15-04-05Z"))
			}
			if ts, ok := ad["targetAccountIds"].([]any); ok {
				for _, t := range ts {
					accounts = append(accounts, fmt.Sprint(t))
				}
			}
		}
		for _, acct := range accounts {
			amis = append(amis, map[string]any{
				"region": region, "accountId": acct, "name": name,
				"image": fakeID("ami-", im.arn, region, acct),
				"state": map[string]any{"status": "AVAILABLE"},
			})
		}
	}
	return map[string]any{"amis": amis}
}

func (s *Server) imageSummary(im *image) map[string]any {
	st := s.imageState(im)
	state := map[string]any{"status": st.status}
	if st.reason != "" {
		state["reason"] = st.reason
	}
	typ := "AMI"
	if im.container {
		typ = "DOCKER"
	}
	// An image's version carries its build: 1.0.0/1.
	out := map[string]any{
		"arn": im.arn, "name": im.name, "version": fmt.Sprintf("%s/%d", im.version, im.build), "type": typ,
		"platform": str(im.recipe.fields, "platform"), "owner": s.account,
		"state": state, "dateCreated": s.stamp(im.started), "tags": im.tags,
		"buildType": "USER_INITIATED", "imageSource": "CUSTOM",
	}
	if st.status == "AVAILABLE" {
		out["outputResources"] = s.outputs(im)
	}
	return out
}

func (s *Server) getImage(in map[string]any) (map[string]any, error) {
	a := str(in, "imageBuildVersionArn")
	im, ok := s.images[a]
	if !ok {
		return nil, notFound("the image %s does not exist", a)
	}
	out := s.imageSummary(im)
	delete(out, "owner")
	if im.container {
		out["containerRecipe"] = s.resourceOut(im.recipe, "ContainerRecipe")
	} else {
		out["imageRecipe"] = s.resourceOut(im.recipe, "ImageRecipe")
	}
	out["infrastructureConfiguration"] = s.resourceOut(im.infra, "InfrastructureConfiguration")
	if im.dist != nil {
		out["distributionConfiguration"] = s.resourceOut(im.dist, "DistributionConfiguration")
	}
	out["imageTestsConfiguration"] = map[string]any{"imageTestsEnabled": im.testsEnabled}
	out["sourcePipelineArn"] = im.pipeline.arn
	out["sourcePipelineName"] = im.pipeline.name
	return map[string]any{"image": out}, nil
}

func (s *Server) listPipelineImages(body map[string]any) (map[string]any, error) {
	p, err := s.lookup(typePipeline, str(body, "imagePipelineArn"))
	if err != nil {
		return nil, err
	}
	var ims []*image
	for _, im := range s.images {
		if im.pipeline == p && (s.listLag == 0 || !s.now().Before(im.started.Add(s.listLag))) {
			ims = append(ims, im)
		}
	}
	slices.SortFunc(ims, func(a, b *image) int { return strings.Compare(a.arn, b.arn) })
	var list []map[string]any
	for _, im := range ims {
		ok, err := filtersMatch(body, map[string]string{"name": im.name, "version": im.version})
		if err != nil {
			return nil, err
		}
		if ok {
			list = append(list, s.imageSummary(im))
		}
	}
	return s.listPage(body, "imageSummaryList", list)
}

// deleteImage removes an image resource; as the service documents
// (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_DeleteImage.html)
// the AMIs and container images it produced stay.
func (s *Server) deleteImage(in map[string]any) (map[string]any, error) {
	a := str(in, "imageBuildVersionArn")
	if _, ok := s.images[a]; !ok {
		return nil, notFound("the image %s does not exist", a)
	}
	if err := s.inUse(a); err != nil {
		return nil, err
	}
	delete(s.images, a)
	return map[string]any{"imageBuildVersionArn": a}, nil
}
