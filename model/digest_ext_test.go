package model_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"testing"

	"github.com/kiln-gitops/kiln/internal/testgen"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/model"
)

// referenceDigest is Digest as first written, straight through
// encoding/json: the definition every stored kiln:digest tag follows.
func referenceDigest(r *model.Resource) string {
	spec, _ := r.Value["spec"].(map[string]any)
	spec = maps.Clone(spec)
	if spec == nil {
		spec = map[string]any{}
	}
	if (r.Kind == model.KindComponent || r.Kind == model.KindWorkflow) && r.Document != nil {
		delete(spec, "document")
		spec["data"] = r.Document.Text
	}
	b, _ := json.Marshal(map[string]any{
		"kind":        r.Kind,
		"name":        r.Metadata.Name,
		"version":     r.Metadata.Version,
		"description": r.Metadata.Description,
		"spec":        spec,
	})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestDigestMatchesReference(t *testing.T) {
	sources := map[string]fs.FS{"generated": testgen.Repository(200, 20, 5)}
	for _, dir := range []string{"../examples", "../examples/broken"} {
		if _, err := os.Stat(dir); err == nil {
			sources[dir] = os.DirFS(dir)
		}
	}
	for name, fsys := range sources {
		repo, _, err := loader.Load(context.Background(), fsys, loader.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(repo.Resources) == 0 {
			t.Fatalf("%s: no resources", name)
		}
		for _, r := range repo.Resources {
			if got, want := model.Digest(r), referenceDigest(r); got != want {
				t.Errorf("%s: %s: digest %s, want %s", name, r.ID(), got, want)
			}
		}
	}
	// Values the loader would not make go through encoding/json.
	odd := &model.Resource{Kind: model.KindImagePipeline, Value: map[string]any{"spec": map[string]any{"x": []string{"a"}, "y": uint8(3)}}}
	if got, want := model.Digest(odd), referenceDigest(odd); got != want {
		t.Errorf("odd values: digest %s, want %s", got, want)
	}
}
