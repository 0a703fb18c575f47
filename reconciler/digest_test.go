package reconciler_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// examplesMap is examples/ as a MapFS, to edit.
func examplesMap(t *testing.T) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	root := os.DirFS("../examples")
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, "broken/") {
			return err
		}
		b, err := fs.ReadFile(root, p)
		out[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEffectiveDigestPinsPatterns: a reference by pattern and the version
// it resolves to written out are the same content (kiln import writes
// what the service keeps: the version), while references by exact version
// keep the digest they always had, so live tags stay valid.
func TestEffectiveDigestPinsPatterns(t *testing.T) {
	const file = "lifecycle/al2023-base-retention.yaml"
	files := examplesMap(t)
	byPattern := load(t, files)
	text := string(files[file].Data)
	if !strings.Contains(text, "version: 1.x.x") {
		t.Fatalf("%s no longer selects recipes by 1.x.x", file)
	}
	files[file] = &fstest.MapFile{Data: []byte(strings.Replace(text, "version: 1.x.x", "version: 1.4.0", 1))}
	byVersion := load(t, files)

	policy := func(repo *model.Repository) *model.Resource {
		return repo.Get(model.KindLifecyclePolicy, "al2023-base-retention")
	}
	before := model.Digest(policy(byPattern))
	if a, b := reconciler.EffectiveDigest(byPattern, policy(byPattern)), reconciler.EffectiveDigest(byVersion, policy(byVersion)); a != b {
		t.Errorf("1.x.x resolving to 1.4.0 digests as %s, 1.4.0 as %s", a, b)
	}
	if model.Digest(policy(byPattern)) != before {
		t.Error("EffectiveDigest changed the repository's resource")
	}

	// An exact reference: the digest of the resource and the versions.
	p := byPattern.Get(model.KindImagePipeline, "al2023-java")
	sum := sha256.Sum256([]byte(model.Digest(p) + "\x00" + "1.2.0"))
	if got, want := reconciler.EffectiveDigest(byPattern, p), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("exact references: digest %s, want the one kiln always wrote, %s", got, want)
	}
}
