package apimodel

import (
	"strings"
	"testing"
	"testing/fstest"
)

const testModel = `{
 "metadata": {"protocol": "rest-json"},
 "operations": {"Put": {"name": "Put", "http": {"method": "PUT", "requestUri": "/Put"}, "input": {"shape": "PutRequest"}, "output": {"shape": "PutResponse"}}},
 "shapes": {
  "PutRequest": {"type": "structure", "required": ["name", "items"], "members": {
    "name": {"shape": "Name"}, "kind": {"shape": "Kind"}, "count": {"shape": "Count"},
    "items": {"shape": "Items"}, "tags": {"shape": "Tags"}, "on": {"shape": "Bool"}}},
  "PutResponse": {"type": "structure", "members": {"arn": {"shape": "Name"}}},
  "Name": {"type": "string", "min": 3, "max": 8, "pattern": "^[a-z-]+$"},
  "Kind": {"type": "string", "enum": ["A", "B"]},
  "Count": {"type": "integer", "min": 1, "max": 25},
  "Items": {"type": "list", "member": {"shape": "Item"}, "min": 1, "max": 2},
  "Item": {"type": "structure", "required": ["id"], "members": {"id": {"shape": "Name"}}},
  "Tags": {"type": "map", "key": {"shape": "Name"}, "value": {"shape": "Name"}, "max": 1},
  "Bool": {"type": "boolean"}
 }
}`

func load(t *testing.T) *Model {
	t.Helper()
	m, err := Load(fstest.MapFS{"api-2.json": {Data: []byte(testModel)}}, "api-2.json")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestValidate(t *testing.T) {
	m := load(t)
	ok := map[string]any{"name": "abc", "items": []any{map[string]any{"id": "x-y"}}}
	for _, tc := range []struct {
		name string
		edit func(map[string]any)
		want string // a fragment of the one violation; "" for none
	}{
		{"valid", func(map[string]any) {}, ""},
		{"missing required", func(v map[string]any) { delete(v, "name") }, "'name' failed to satisfy constraint: Member must not be null"},
		{"too short", func(v map[string]any) { v["name"] = "ab" }, "length greater than or equal to 3"},
		{"too long", func(v map[string]any) { v["name"] = "abcdefghi" }, "length less than or equal to 8"},
		{"pattern", func(v map[string]any) { v["name"] = "ABC" }, "regular expression pattern"},
		{"enum", func(v map[string]any) { v["kind"] = "C" }, "enum value set: [A, B]"},
		{"range low", func(v map[string]any) { v["count"] = 0.0 }, "value greater than or equal to 1"},
		{"range high", func(v map[string]any) { v["count"] = 26.0 }, "value less than or equal to 25"},
		{"not integral", func(v map[string]any) { v["count"] = 1.5 }, "must be an integer"},
		{"list too short", func(v map[string]any) { v["items"] = []any{} }, "'items' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"list too long", func(v map[string]any) {
			v["items"] = []any{ok["items"].([]any)[0], ok["items"].([]any)[0], ok["items"].([]any)[0]}
		}, "length less than or equal to 2"},
		{"nested required, 1-based path", func(v map[string]any) { v["items"] = []any{map[string]any{}} }, "'items.1.id'"},
		{"map size", func(v map[string]any) { v["tags"] = map[string]any{"abc": "abc", "abd": "abd"} }, "'tags' failed to satisfy constraint: Member must have length less than or equal to 1"},
		{"map key", func(v map[string]any) { v["tags"] = map[string]any{"XYZ": "abc"} }, "'tags.XYZ(key)'"},
		{"type", func(v map[string]any) { v["on"] = "yes" }, "must be a boolean"},
		{"unknown member", func(v map[string]any) { v["extra"] = 1.0 }, "not in the model of PutRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := map[string]any{"name": ok["name"], "items": ok["items"]}
			tc.edit(v)
			got := m.Validate("PutRequest", v)
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("violations %v, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0].String(), tc.want) {
				t.Fatalf("violations %v, want one containing %q", got, tc.want)
			}
			if msg := Message(got); !strings.HasPrefix(msg, "1 validation error detected: ") {
				t.Errorf("message %q", msg)
			}
		})
	}
}

func TestHasAndRequired(t *testing.T) {
	m := load(t)
	for path, want := range map[string]bool{"name": true, "items[].id": true, "items.id": true, "items[].nope": false, "nope": false, "name.x": false} {
		if got := m.Has("PutRequest", path); got != want {
			t.Errorf("Has(%q) = %v, want %v", path, got, want)
		}
	}
	got := strings.Join(m.Required("PutRequest", []string{"name", "items"}), ",")
	if got != "items,items[].id,name" {
		t.Errorf("Required = %s", got)
	}
}

func TestJavaPatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern, value string
		match          bool
	}{
		{`^(?!aws:)[a-zA-Z+-=._:/]+$`, "kiln:digest", true},
		{`^(?!aws:)[a-zA-Z+-=._:/]+$`, "aws:x", false},
		{`^[a-zA-Z]{1,1024}$`, "name", true},
		{`^[a-zA-Z]{1,1024}$`, "name1", false},
		{`[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`, "kiln-session", true},
		{`^[\u0020-\u007E]+$`, "tab\there", false},
	} {
		re, notPrefix, err := compilePattern(tc.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		got := re.MatchString(tc.value) && (notPrefix == "" || !strings.HasPrefix(tc.value, notPrefix))
		if got != tc.match {
			t.Errorf("%s on %q = %v, want %v", tc.pattern, tc.value, got, tc.match)
		}
	}
}
