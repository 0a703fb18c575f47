package schemas

import (
	"fmt"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// normalize returns v with every value in a form the validator knows:
// YAML may decode a mapping with non-string keys as map[any]any and
// explicit tags to other Go types. v is copied only when it has to be.
func normalize(v any) any {
	if plain(v) {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case []byte:
		return string(x)
	case time.Time:
		// An unquoted date in YAML decodes as a timestamp; the schemas see
		// the text the user wrote.
		if x.Equal(x.Truncate(24*time.Hour)) && x.Location() == time.UTC {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// plain reports whether v holds only JSON-like values already.
func plain(v any) bool {
	switch x := v.(type) {
	case nil, string, bool, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case map[string]any:
		for _, e := range x {
			if !plain(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !plain(e) {
				return false
			}
		}
		return true
	}
	return false
}

// index records every subschema reachable from s by its location.
func index(s *jsonschema.Schema, into map[string]*jsonschema.Schema) {
	if s == nil {
		return
	}
	if _, seen := into[s.Location]; seen {
		return
	}
	into[s.Location] = s
	for _, c := range s.Properties {
		index(c, into)
	}
	for _, c := range s.PatternProperties {
		index(c, into)
	}
	for _, c := range s.DependentSchemas {
		index(c, into)
	}
	for _, list := range [][]*jsonschema.Schema{s.AllOf, s.AnyOf, s.OneOf, s.PrefixItems} {
		for _, c := range list {
			index(c, into)
		}
	}
	for _, c := range []*jsonschema.Schema{s.Ref, s.Not, s.If, s.Then, s.Else, s.PropertyNames, s.Items2020, s.Contains, s.UnevaluatedItems, s.UnevaluatedProperties} {
		index(c, into)
	}
	if c, ok := s.AdditionalProperties.(*jsonschema.Schema); ok {
		index(c, into)
	}
	if c, ok := s.Items.(*jsonschema.Schema); ok {
		index(c, into)
	}
}
