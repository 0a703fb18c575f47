package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
)

// Digest is a stable hash of everything that makes up a resource's content
// in Image Builder: kind, name, version, description and spec, with a
// component's document path replaced by the document's text so that moving
// a file is not a change but editing it is. Tags are left out because they
// can change in place. Image Builder never sees the digest except as the
// kiln:digest tag, so its form may change between kiln versions only with a
// migration.
func Digest(r *Resource) string {
	spec, _ := r.Value["spec"].(map[string]any)
	spec = maps.Clone(spec)
	if spec == nil {
		spec = map[string]any{}
	}
	if r.Kind == KindComponent && r.Document != nil {
		delete(spec, "document")
		spec["data"] = r.Document.Text
	}
	// encoding/json sorts map keys, which makes the encoding canonical.
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
