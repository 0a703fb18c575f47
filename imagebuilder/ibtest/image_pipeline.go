package ibtest

import "strings"

var pipelineHandlers = map[string]handler{
	"CreateImagePipeline": (*Server).createPipeline,
	"UpdateImagePipeline": (*Server).updatePipeline,
	"GetImagePipeline":    (*Server).getPipeline,
	"ListImagePipelines":  (*Server).listPipelines,
	"DeleteImagePipeline": (*Server).deletePipeline,
}

// checkPipeline resolves what a pipeline uses. Its refs are, in order:
// the recipe, the infrastructure configuration, the distribution
// configuration ("" when none), then the workflows it runs.
func (s *Server) checkPipeline(body map[string]any) ([]string, error) {
	image, container := str(body, "imageRecipeArn"), str(body, "containerRecipeArn")
	if (image == "") == (container == "") {
		return nil, errf("InvalidParameterCombinationException", 400, "exactly one of imageRecipeArn and containerRecipeArn is required")
	}
	typ, recipe := typeImageRecipe, image
	if container != "" {
		typ, recipe = typeContainerRecipe, container
	}
	// Since November 2025 a pipeline may name a recipe version with
	// wildcards; it uses the newest match.
	r, err := s.resolveVersioned(typ, recipe)
	if err != nil {
		return nil, err
	}
	refs := []string{r.arn}
	infra := str(body, "infrastructureConfigurationArn")
	if _, err := s.lookup(typeInfra, infra); err != nil {
		return nil, err
	}
	refs = append(refs, infra)
	dist := str(body, "distributionConfigurationArn")
	if dist != "" {
		if _, err := s.lookup(typeDist, dist); err != nil {
			return nil, err
		}
	}
	refs = append(refs, dist)
	workflows, _ := body["workflows"].([]any)
	for i, w := range workflows {
		a := str(w.(map[string]any), "workflowArn")
		p, ok := parseArn(a)
		if !ok || !strings.HasPrefix(p.typ, typeWorkflow+"/") {
			return nil, invalid("workflows[%d]: %q is not a workflow ARN", i, a)
		}
		if p.account != s.account {
			continue // AWS-managed (account "aws") or shared: taken on trust
		}
		wf, err := s.resolveVersioned(p.typ, a)
		if err != nil {
			return nil, err
		}
		refs = append(refs, wf.arn)
	}
	return refs, nil
}

func (s *Server) createPipeline(body map[string]any) (map[string]any, error) {
	return s.createConfig("CreateImagePipeline", typePipeline, "imagePipelineArn", body, s.checkPipeline)
}

func (s *Server) updatePipeline(body map[string]any) (map[string]any, error) {
	return s.updateConfig("UpdateImagePipeline", typePipeline, "imagePipelineArn", body, s.checkPipeline)
}

func (s *Server) pipelineOut(r *resource) map[string]any {
	out := s.resourceOut(r, "ImagePipeline")
	if out["status"] == nil || out["status"] == "" {
		out["status"] = "ENABLED"
	}
	if rec, ok := s.resources[r.refs[0]]; ok {
		out["platform"] = str(rec.fields, "platform")
	}
	if sched, ok := out["schedule"].(map[string]any); ok && sched["pipelineExecutionStartCondition"] == nil {
		sched["pipelineExecutionStartCondition"] = "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
	}
	return out
}

func (s *Server) getPipeline(in map[string]any) (map[string]any, error) {
	r, err := s.lookup(typePipeline, str(in, "imagePipelineArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"imagePipeline": s.pipelineOut(r)}, nil
}

func (s *Server) listPipelines(body map[string]any) (map[string]any, error) {
	var list []map[string]any
	for _, r := range s.sorted(typePipeline) {
		if !s.listed(r) {
			continue
		}
		if ok, err := filtersMatch(body, map[string]string{"name": r.name, "status": str(r.fields, "status")}); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		list = append(list, s.pipelineOut(r))
	}
	return s.listPage(body, "imagePipelineList", list)
}

func (s *Server) deletePipeline(in map[string]any) (map[string]any, error) {
	a := str(in, "imagePipelineArn")
	if err := s.remove(typePipeline, a); err != nil {
		return nil, err
	}
	return map[string]any{"imagePipelineArn": a}, nil
}
