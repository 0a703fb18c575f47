package ibtest

var imageRecipeHandlers = map[string]handler{
	"CreateImageRecipe": (*Server).createImageRecipe,
	"GetImageRecipe":    (*Server).getImageRecipe,
	"ListImageRecipes":  (*Server).listImageRecipes,
	"DeleteImageRecipe": (*Server).deleteImageRecipe,
}

func (s *Server) createImageRecipe(body map[string]any) (map[string]any, error) {
	return s.createRecipe("CreateImageRecipe", typeImageRecipe, "imageRecipeArn", body, false,
		func(map[string]any) error { return nil })
}

func (s *Server) getImageRecipe(in map[string]any) (map[string]any, error) {
	r, err := s.lookup(typeImageRecipe, str(in, "imageRecipeArn"))
	if err != nil {
		return nil, err
	}
	out := s.recipeOut(r)
	out["type"] = "AMI"
	return map[string]any{"imageRecipe": out, "latestVersionReferences": s.latestVersionReferences(r)}, nil
}

func (s *Server) listImageRecipes(body map[string]any) (map[string]any, error) {
	return s.listRecipes(body, typeImageRecipe, "imageRecipeSummaryList")
}

func (s *Server) deleteImageRecipe(in map[string]any) (map[string]any, error) {
	a := str(in, "imageRecipeArn")
	if err := s.remove(typeImageRecipe, a); err != nil {
		return nil, err
	}
	return map[string]any{"imageRecipeArn": a}, nil
}
