package schemas

import (
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestOneOfPicksTheClosestAlternative uses a schema of its own: kiln's
// schemas avoid oneOf, but users' values fail against alternatives in
// general, and the message must follow the alternative the value meant.
func TestOneOfPicksTheClosestAlternative(t *testing.T) {
	const schema = `{
	  "$schema": "https://json-schema.org/draft/2020-12/schema",
	  "oneOf": [
	    {"type": "string", "description": "A name."},
	    {"type": "object", "required": ["size"],
	     "properties": {"size": {"type": "integer", "maximum": 10, "description": "Size."}}},
	    {"type": "object", "required": ["ref"], "properties": {"ref": {"const": "x"}}}
	  ]
	}`
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	if err := c.AddResource("https://kiln.dev/test.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("https://kiln.dev/test.json")
	if err != nil {
		t.Fatal(err)
	}
	v := &Validator{byLocation: map[string]*jsonschema.Schema{}}
	index(s, v.byLocation)
	for _, tc := range []struct {
		inst any
		want string
	}{
		{map[string]any{"size": 11}, "size: 11 is above the maximum 10"},
		{map[string]any{"sise": 1}, "missing size or ref"},
		{42, "expected a mapping or a string, got the number 42"},
		{map[string]any{"size": 1, "ref": "x"}, "matches more than one of the allowed forms"},
	} {
		verr, ok := s.Validate(tc.inst).(*jsonschema.ValidationError)
		if !ok {
			t.Fatalf("%v: valid", tc.inst)
		}
		var msgs []string
		for _, p := range v.problems(verr, tc.inst) {
			msgs = append(msgs, p.msg)
		}
		if len(msgs) != 1 || !strings.Contains(msgs[0], tc.want) {
			t.Errorf("%v: got %q, want %q", tc.inst, msgs, tc.want)
		}
	}
}

func TestMessageHelpers(t *testing.T) {
	if got := pathString([]string{"spec", "components", "3", "name"}); got != "spec.components[3].name" {
		t.Errorf("pathString: %s", got)
	}
	if got := count(1, "entry") + "/" + count(2, "entry") + "/" + count(3, "item"); got != "1 entry/2 entries/3 items" {
		t.Errorf("count: %s", got)
	}
	if got := show(strings.Repeat("a", 100)); len(got) != 62 || !strings.HasSuffix(got, `..."`) {
		t.Errorf("show: %s", got)
	}
	props := map[string]*jsonschema.Schema{"platform": nil, "parentImage": nil, "description": nil}
	for in, want := range map[string]string{"plaform": "platform", "Platform": "platform", "descripton": "description", "zzz": "", "parent": ""} {
		if got := closest(in, props); got != want {
			t.Errorf("closest(%s) = %q, want %q", in, got, want)
		}
	}
}
