package validate

import (
	"github.com/kiln-gitops/kiln/awstoe"
	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// toe runs the AWSTOE document rules: actions and their inputs, phase and
// step names, variables and chaining (package awstoe).
func toe(d *model.Document) []finding.Finding { return awstoe.Validate(d) }
