package ibtest

import (
	"testing"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest/apimodel"
	awsmodels "github.com/kiln-gitops/kiln/testdata/aws"
)

// TestModelPatternsAreChecked: every pattern of the three models compiles
// with Go's regexp, so no constraint goes unchecked, and every operation
// the emulator serves is in the Image Builder model.
func TestModelPatternsAreChecked(t *testing.T) {
	for _, path := range []string{awsmodels.ImageBuilder, awsmodels.SSM, awsmodels.STS} {
		m, err := apimodel.Load(awsmodels.FS, path)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Unchecked) > 0 {
			t.Errorf("%s: patterns Go cannot compile, so unchecked: %v", path, m.Unchecked)
		}
	}
	for op := range handlers {
		if _, ok := ibModel().Operations[op]; !ok {
			t.Errorf("the emulator serves %s, which the model does not have", op)
		}
	}
}
