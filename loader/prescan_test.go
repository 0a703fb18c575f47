package loader

import (
	"context"
	"testing"
)

func TestMayHoldResource(t *testing.T) {
	tests := []struct {
		name string
		text string
		want bool
	}{
		{"resource", "apiVersion: kiln/v1\nkind: Component\n", true},
		{"quoted key", "\"apiVersion\": \"kiln/v1\"\n", true},
		{"flow", "{apiVersion: kiln/v1, kind: Component}\n", true},
		{"other api group", "apiVersion: apps/v1\nkind: Deployment\n", false},
		{"AWSTOE document naming a kiln path", "phases:\n  - name: build\n    steps:\n      - name: x\n        action: ExecuteBash\n        inputs:\n          commands: [cat /etc/kiln/x.conf]\n", false},
		{"escaped key", "\"api\\x56ersion\": kiln/v1\n", true},
		{"UTF-16", "\xFF\xFEa\x00", true},
		{"nothing", "a: b\n", false},
	}
	for _, tc := range tests {
		if got := mayHoldResource(tc.text); got != tc.want {
			t.Errorf("%s: mayHoldResource = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// An AWSTOE document that mentions kiln/ is parsed once, as the document
// a component names, and still yields no resource of its own.
func TestDocumentMentioningKilnIsNoResource(t *testing.T) {
	fsys := mapFS(map[string]string{
		"c/c.yaml":     "apiVersion: kiln/v1\nkind: Component\nmetadata:\n  name: c\n  version: 1.0.0\nspec:\n  platform: Linux\n  document: c.toe.yaml\n",
		"c/c.toe.yaml": "name: c\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Write\n        action: ExecuteBash\n        inputs:\n          commands:\n            - echo x > /etc/kiln/c.conf\n",
	})
	repo, fs, err := Load(context.Background(), fsys, Options{})
	if err != nil || len(fs) != 0 {
		t.Fatalf("Load: %v %v", err, fs)
	}
	if len(repo.Resources) != 1 || repo.Resources[0].Document == nil || repo.Resources[0].Document.Node() == nil {
		t.Fatalf("want one component with its document, got %+v", repo.Resources)
	}
}
