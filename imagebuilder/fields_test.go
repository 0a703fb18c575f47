package imagebuilder

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/model"
)

// apiModel is the part of the service model the test reads.
type apiModel struct {
	Operations map[string]struct {
		Input struct {
			Shape string `json:"shape"`
		} `json:"input"`
	} `json:"operations"`
	Shapes map[string]struct {
		Type    string `json:"type"`
		Members map[string]struct {
			Shape string `json:"shape"`
		} `json:"members"`
		Member struct {
			Shape string `json:"shape"`
		} `json:"member"`
	} `json:"shapes"`
}

// TestEveryAPIFieldIsRepresentable fails when a member of a Create or
// Update input of any kind (recursively) is neither a field of the kind's
// spec, by its JSON name, nor listed in apiFields.
func TestEveryAPIFieldIsRepresentable(t *testing.T) {
	b, err := os.ReadFile("../testdata/aws/imagebuilder/2019-12-02/api-2.json")
	if err != nil {
		t.Fatal(err)
	}
	var m apiModel
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, k := range model.Kinds() {
		spec := reflect.TypeOf(model.NewSpec(k)).Elem()
		found := false
		for _, op := range []string{"Create" + string(k), "Update" + string(k)} {
			o, ok := m.Operations[op]
			if !ok {
				continue
			}
			found = true
			walk(t, &m, o.Input.Shape, spec, used, map[string]bool{})
		}
		if !found {
			t.Errorf("%s: no Create or Update operation in the model", k)
		}
	}
	for name := range apiFields {
		if !used[name] {
			t.Errorf("apiFields lists %s, which no input has", name)
		}
	}
}

func walk(t *testing.T, m *apiModel, shape string, goType reflect.Type, used, seen map[string]bool) {
	sh := m.Shapes[shape]
	for goType.Kind() == reflect.Pointer || goType.Kind() == reflect.Slice {
		goType = goType.Elem()
	}
	switch sh.Type {
	case "list":
		walk(t, m, sh.Member.Shape, goType, used, seen)
		return
	case "structure":
	default:
		return
	}
	if seen[shape] {
		return
	}
	seen[shape] = true
	if goType.Kind() != reflect.Struct {
		t.Errorf("%s is a structure, kiln's %s is not", shape, goType)
		return
	}
	fields := jsonFields(goType)
	members := make([]string, 0, len(sh.Members))
	for name := range sh.Members {
		members = append(members, name)
	}
	slices.Sort(members)
	for _, name := range members {
		for _, key := range []string{shape + "." + name, "*." + name} {
			if _, ok := apiFields[key]; ok && (key[0] != '*' || strings.HasSuffix(shape, "Request")) {
				used[key] = true
				goto next
			}
		}
		if f, ok := fields[name]; ok {
			walk(t, m, sh.Members[name].Shape, f.Type, used, seen)
			continue
		}
		t.Errorf("%s.%s is neither a field of kiln's %s nor listed in apiFields", shape, name, goType)
	next:
	}
}

func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = f
		}
	}
	return out
}

// TestWriteOnlyFields: the members of each kind's Create input that its
// Get answer lacks are kiln's own (client token, dry run, the version it
// keeps as metadata.version), deliberately unsupported, or the kind's
// WriteOnly fields, which drift cannot compare; and nothing else.
func TestWriteOnlyFields(t *testing.T) {
	b, err := os.ReadFile("../testdata/aws/imagebuilder/2019-12-02/api-2.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Operations map[string]struct {
			Input, Output struct {
				Shape string `json:"shape"`
			}
		} `json:"operations"`
		Shapes map[string]struct {
			Members map[string]struct {
				Shape string `json:"shape"`
			} `json:"members"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range model.Kinds() {
		create, get := m.Operations["Create"+string(k)], m.Operations["Get"+string(k)]
		// The Get answer holds the resource under the kind's name:
		// {"containerRecipe": {...}}.
		answer := m.Shapes[get.Output.Shape].Members[strings.ToLower(string(k)[:1])+string(k)[1:]].Shape
		returned := m.Shapes[answer].Members
		if len(returned) == 0 {
			t.Errorf("%s: no resource in the answer of Get%s", k, k)
			continue
		}
		var writeOnly []string
		for name := range m.Shapes[create.Input.Shape].Members {
			if _, ok := returned[name]; ok {
				continue
			}
			switch why := apiFields["*."+name] + apiFields[create.Input.Shape+"."+name]; {
			case name == "semanticVersion", strings.HasPrefix(why, "kiln:"), strings.HasPrefix(why, "unsupported"):
			default:
				writeOnly = append(writeOnly, name)
			}
		}
		slices.Sort(writeOnly)
		info, _ := k.Info()
		if !slices.Equal(writeOnly, info.WriteOnly) {
			t.Errorf("%s: the service does not answer with %v; model.KindInfo.WriteOnly has %v", k, writeOnly, info.WriteOnly)
		}
	}
}
