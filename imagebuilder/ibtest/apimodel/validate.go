package apimodel

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Violation is one way a value breaks its shape. Path is the member path
// as AWS's own messages write it (distributions.1.region, 1-based).
type Violation struct {
	Path, Message string
}

func (v Violation) String() string {
	if v.Path == "" {
		return v.Message
	}
	return fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", v.Path, v.Message)
}

// Message renders violations the way AWS services word them.
func Message(vs []Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	noun := "errors"
	if len(vs) == 1 {
		noun = "error"
	}
	return fmt.Sprintf("%d validation %s detected: %s", len(vs), noun, strings.Join(parts, "; "))
}

// Validate checks v, a value decoded by encoding/json (map[string]any,
// []any, string, float64, bool, nil), against shape. Members the shape
// does not have are violations too: the SDK only sends what its model
// has, so an unknown member means the model here is behind.
func (m *Model) Validate(shape string, v any) []Violation {
	var out []Violation
	m.check(shape, "", v, &out, 0)
	return out
}

func (m *Model) check(name, path string, v any, out *[]Violation, depth int) {
	sh, ok := m.Shapes[name]
	if !ok {
		*out = append(*out, Violation{path, fmt.Sprintf("shape %s is not in the model", name)})
		return
	}
	if depth > 64 {
		*out = append(*out, Violation{path, "Member is nested too deeply"})
		return
	}
	add := func(format string, args ...any) {
		*out = append(*out, Violation{path, fmt.Sprintf(format, args...)})
	}
	switch sh.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			add("Member must be an object")
			return
		}
		for _, r := range sh.Required {
			if val, present := obj[r]; !present || val == nil {
				*out = append(*out, Violation{join(path, r), "Member must not be null"})
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ref, known := sh.Members[k]
			if !known {
				*out = append(*out, Violation{join(path, k), "Member is not in the model of " + name})
				continue
			}
			if obj[k] != nil {
				m.check(ref.Shape, join(path, k), obj[k], out, depth+1)
			}
		}
	case "list":
		list, ok := v.([]any)
		if !ok {
			add("Member must be a list")
			return
		}
		m.size(sh, len(list), add)
		for i, e := range list {
			m.check(sh.Member.Shape, join(path, fmt.Sprint(i+1)), e, out, depth+1)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			add("Member must be a map")
			return
		}
		m.size(sh, len(obj), add)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			m.check(sh.Key.Shape, join(path, k)+"(key)", k, out, depth+1)
			m.check(sh.Value.Shape, join(path, k), obj[k], out, depth+1)
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			add("Member must be a string")
			return
		}
		if len(sh.Enum) > 0 && !slices.Contains(sh.Enum, s) {
			add("Member must satisfy enum value set: [%s]", strings.Join(sh.Enum, ", "))
		}
		n := utf8.RuneCountInString(s)
		if sh.Min != nil && float64(n) < *sh.Min {
			add("Member must have length greater than or equal to %v", *sh.Min)
		}
		if sh.Max != nil && float64(n) > *sh.Max {
			add("Member must have length less than or equal to %v", *sh.Max)
		}
		if sh.re != nil && (!sh.re.MatchString(s) || sh.notPrefix != "" && strings.HasPrefix(s, sh.notPrefix)) {
			add("Member must satisfy regular expression pattern: %s", sh.Pattern)
		}
	case "integer", "long":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			add("Member must be an integer")
			return
		}
		m.rangeOf(sh, f, add)
	case "double", "float":
		f, ok := v.(float64)
		if !ok {
			add("Member must be a number")
			return
		}
		m.rangeOf(sh, f, add)
	case "boolean":
		if _, ok := v.(bool); !ok {
			add("Member must be a boolean")
		}
	case "timestamp":
		switch v.(type) {
		case float64, string:
		default:
			add("Member must be a timestamp")
		}
	case "blob":
		if _, ok := v.(string); !ok {
			add("Member must be base64 text")
		}
	}
}

func (m *Model) size(sh *Shape, n int, add func(string, ...any)) {
	if sh.Min != nil && float64(n) < *sh.Min {
		add("Member must have length greater than or equal to %v", *sh.Min)
	}
	if sh.Max != nil && float64(n) > *sh.Max {
		add("Member must have length less than or equal to %v", *sh.Max)
	}
}

func (m *Model) rangeOf(sh *Shape, f float64, add func(string, ...any)) {
	if sh.Min != nil && f < *sh.Min {
		add("Member must have value greater than or equal to %v", *sh.Min)
	}
	if sh.Max != nil && f > *sh.Max {
		add("Member must have value less than or equal to %v", *sh.Max)
	}
}

func join(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

// Has reports whether path (members joined by ".", a list member written
// with [], as in distributions[].region) names a member of shape.
func (m *Model) Has(shape, path string) bool {
	name := shape
	for _, part := range strings.Split(path, ".") {
		sh, ok := m.Shapes[name]
		if !ok || sh.Type != "structure" {
			return false
		}
		ref, ok := sh.Members[strings.TrimRight(part, "[]")]
		if !ok {
			return false
		}
		name = ref.Shape
		for m.Shapes[name] != nil && m.Shapes[name].Type == "list" {
			name = m.Shapes[name].Member.Shape
		}
	}
	return true
}

// Required lists the required member paths of shape that a value setting
// the paths in sent must carry: the top-level required members, and those
// of every structure sent reaches.
func (m *Model) Required(shape string, sent []string) []string {
	var out []string
	add := func(prefix, name string) {
		for _, r := range m.Shapes[name].Required {
			out = append(out, join(prefix, r))
		}
	}
	add("", shape)
	for _, p := range sent {
		name, list := m.resolve(shape, p)
		if name != "" && m.Shapes[name].Type == "structure" {
			if list {
				p += "[]"
			}
			add(p, name)
		}
	}
	sort.Strings(out)
	return out
}

// resolve is the shape path names (through lists), or "", and whether
// its last member is a list.
func (m *Model) resolve(shape, path string) (string, bool) {
	if !m.Has(shape, path) {
		return "", false
	}
	name, list := shape, false
	for _, part := range strings.Split(path, ".") {
		name, list = m.Shapes[name].Members[strings.TrimRight(part, "[]")].Shape, false
		for m.Shapes[name].Type == "list" {
			name, list = m.Shapes[name].Member.Shape, true
		}
	}
	return name, list
}
