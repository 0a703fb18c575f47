package model

import (
	"reflect"
	"testing"
)

// TestRegistryComplete fails when a kind's entry leaves out something the
// tables built from it need.
func TestRegistryComplete(t *testing.T) {
	folders, schemas, arns := map[string]Kind{}, map[string]Kind{}, map[string]Kind{}
	for _, k := range Kinds() {
		info, ok := k.Info()
		if !ok || !k.Valid() {
			t.Fatalf("%s: no registry entry", k)
		}
		if info.Folder == "" || info.Schema == "" || info.PolicyGroup == "" || info.ArnType == "" || info.newSpec == nil {
			t.Errorf("%s: incomplete entry %+v", k, info)
		}
		if o, dup := schemas[info.Schema]; dup {
			t.Errorf("%s and %s share schema %s", k, o, info.Schema)
		}
		if o, dup := arns[info.ArnType]; dup {
			t.Errorf("%s and %s share ARN type %s", k, o, info.ArnType)
		}
		schemas[info.Schema], arns[info.ArnType], folders[info.Folder] = k, k, k
		spec := NewSpec(k)
		if spec == nil || reflect.TypeOf(spec).Kind() != reflect.Pointer {
			t.Errorf("%s: NewSpec = %T, want a pointer to a spec struct", k, spec)
		}
		if NewSpec(k) == spec {
			t.Errorf("%s: NewSpec returns a shared value", k)
		}
		// A kind refers only to kinds before it (dependency order).
		r := &Resource{Kind: k, Spec: spec}
		for _, ref := range r.Refs() {
			if ref.Kind.Order() >= k.Order() {
				t.Errorf("%s refers to %s, which comes later in dependency order", k, ref.Kind)
			}
		}
	}
	if Kind("Nope").Valid() || NewSpec("Nope") != nil || Kind("Nope").Order() != -1 {
		t.Error("an unknown kind is known")
	}
}

func TestID(t *testing.T) {
	tests := []struct {
		id   ID
		want string
	}{
		{NewID(KindComponent, "ssh", "1.2.0"), "Component/ssh@1.2.0"},
		{NewID(KindImagePipeline, "base", "1.2.0"), "ImagePipeline/base"},
		{NewID(KindImageRecipe, "base", ""), "ImageRecipe/base"},
	}
	for _, tt := range tests {
		if got := tt.id.String(); got != tt.want {
			t.Errorf("%#v = %q, want %q", tt.id, got, tt.want)
		}
	}
	a, b := NewID(KindComponent, "a", "1.10.0"), NewID(KindComponent, "a", "1.9.0")
	if a.Compare(b) <= 0 || b.Compare(a) >= 0 || a.Compare(a) != 0 {
		t.Error("versions do not order numerically")
	}
	if NewID(KindImagePipeline, "a", "").Compare(NewID(KindComponent, "z", "1.0.0")) <= 0 {
		t.Error("kinds do not order by dependency")
	}
}
