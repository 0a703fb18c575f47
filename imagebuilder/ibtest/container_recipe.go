package ibtest

var containerRecipeHandlers = map[string]handler{
	"CreateContainerRecipe": (*Server).createContainerRecipe,
	"GetContainerRecipe":    (*Server).getContainerRecipe,
	"ListContainerRecipes":  (*Server).listContainerRecipes,
	"DeleteContainerRecipe": (*Server).deleteContainerRecipe,
}

func (s *Server) createContainerRecipe(body map[string]any) (map[string]any, error) {
	return s.createRecipe("CreateContainerRecipe", typeContainerRecipe, "containerRecipeArn", body, true, checkContainerRecipe)
}

// checkContainerRecipe: the Dockerfile comes inline or from S3, not both.
func checkContainerRecipe(body map[string]any) error {
	if (str(body, "dockerfileTemplateData") == "") == (str(body, "dockerfileTemplateUri") == "") {
		return errf("InvalidParameterCombinationException", 400, "exactly one of dockerfileTemplateData and dockerfileTemplateUri is required")
	}
	return nil
}

func (s *Server) getContainerRecipe(in map[string]any) (map[string]any, error) {
	r, err := s.lookup(typeContainerRecipe, str(in, "containerRecipeArn"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"containerRecipe": s.recipeOut(r), "latestVersionReferences": s.latestVersionReferences(r)}, nil
}

func (s *Server) listContainerRecipes(body map[string]any) (map[string]any, error) {
	return s.listRecipes(body, typeContainerRecipe, "containerRecipeSummaryList")
}

func (s *Server) deleteContainerRecipe(in map[string]any) (map[string]any, error) {
	a := str(in, "containerRecipeArn")
	if err := s.remove(typeContainerRecipe, a); err != nil {
		return nil, err
	}
	return map[string]any{"containerRecipeArn": a}, nil
}
