package imagebuilder

import (
	"testing"

	"github.com/kiln-gitops/kiln/model"
)

// TestEveryKindHasAnAdapter fails when a kind of the registry has no Image
// Builder adapter, or an adapter names a kind the registry does not know.
func TestEveryKindHasAnAdapter(t *testing.T) {
	for _, k := range model.Kinds() {
		if _, err := adapterOf(k); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	for k := range adapters {
		if !k.Valid() {
			t.Errorf("adapter for unknown kind %s", k)
		}
	}
}
