package schemas

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/kiln-gitops/kiln/model"
)

// problem is one leaf cause of a schema failure, ready to be placed.
type problem struct {
	loc  []string // instance location, as JSON pointer tokens
	key  bool     // place at the key of the last token rather than its value
	msg  string
	kind jsonschema.ErrorKind
}

// path is loc as Locate wants it.
func (p problem) path() []any {
	out := make([]any, len(p.loc))
	for i, t := range p.loc {
		out[i] = t
	}
	return out
}

// problems flattens the library's error tree into its leaf causes with
// readable messages. For anyOf/oneOf, where every alternative failed, it
// keeps the alternative that got furthest instead of all of them.
func (v *Validator) problems(e *jsonschema.ValidationError, inst any) []problem {
	switch k := e.ErrorKind.(type) {
	case *kind.AnyOf:
		return v.alternatives(e, inst)
	case *kind.OneOf:
		if len(k.Subschemas) == 0 {
			return v.alternatives(e, inst)
		}
		return []problem{{loc: e.InstanceLocation, kind: k, msg: prefix(e.InstanceLocation, "matches more than one of the allowed forms")}}
	}
	if len(e.Causes) > 0 {
		var out []problem
		for _, c := range e.Causes {
			out = append(out, v.problems(c, inst)...)
		}
		return out
	}
	return v.leaf(e, inst)
}

// alternatives explains an anyOf/oneOf where no alternative matched.
func (v *Validator) alternatives(e *jsonschema.ValidationError, inst any) []problem {
	branches := make([][]problem, len(e.Causes))
	for i, c := range e.Causes {
		branches[i] = v.problems(c, inst)
	}
	if len(branches) == 0 {
		return []problem{{loc: e.InstanceLocation, kind: e.ErrorKind, msg: prefix(e.InstanceLocation, "does not match any allowed form")}}
	}
	// An alternative of another type entirely (a string where the value
	// is a mapping) is not the one the user meant, unless none is closer.
	var meant [][]problem
	closer := false
	for _, b := range branches {
		if !typeMismatch(e, b) {
			meant = append(meant, b)
			closer = closer || specific(b) > 0
		}
	}
	if closer {
		branches = meant
	}
	if p, ok := combine(e, branches, inst); ok {
		return []problem{p}
	}
	best := 0
	for i := 1; i < len(branches); i++ {
		if better(branches[i], branches[best]) {
			best = i
		}
	}
	return branches[best]
}

func typeMismatch(e *jsonschema.ValidationError, b []problem) bool {
	if len(b) != 1 || !slices.Equal(b[0].loc, e.InstanceLocation) {
		return false
	}
	_, ok := b[0].kind.(*kind.Type)
	return ok
}

// combine merges alternatives that each failed for one reason at the
// alternatives' own location: "missing document or data", or one list of
// allowed values.
func combine(e *jsonschema.ValidationError, branches [][]problem, inst any) (problem, bool) {
	var missing, allowed, types []string
	for _, b := range branches {
		if len(b) != 1 || !slices.Equal(b[0].loc, e.InstanceLocation) {
			return problem{}, false
		}
		switch k := b[0].kind.(type) {
		case *kind.Required:
			missing = append(missing, strings.Join(k.Missing, " and "))
		case *kind.Const:
			allowed = append(allowed, show(k.Want))
		case *kind.Enum:
			for _, w := range k.Want {
				allowed = append(allowed, show(w))
			}
		case *kind.Type:
			for _, w := range k.Want {
				types = append(types, typeName(w))
			}
		default:
			return problem{}, false
		}
	}
	loc := e.InstanceLocation
	switch {
	case len(missing) == len(branches):
		return problem{loc: loc, kind: e.ErrorKind, msg: prefix(loc, "missing "+strings.Join(missing, " or "))}, true
	case len(types) > 0 && missing == nil && allowed == nil:
		slices.Sort(types)
		return problem{loc: loc, kind: e.ErrorKind, msg: prefix(loc, fmt.Sprintf("expected %s, got %s", strings.Join(slices.Compact(types), " or "), describe(valueAt(inst, loc))))}, true
	case missing == nil && types == nil:
		allowed = slices.Compact(allowed)
		return problem{loc: loc, kind: e.ErrorKind, msg: prefix(loc, fmt.Sprintf("%s is not one of %s", show(valueAt(inst, loc)), strings.Join(allowed, ", ")))}, true
	}
	return problem{}, false
}

// better reports whether alternative a explains the failure better than
// b: it reached deeper into the value, failed on something more specific
// than a type or constant mismatch, and with fewer problems.
func better(a, b []problem) bool {
	da, db := depth(a), depth(b)
	if da != db {
		return da > db
	}
	sa, sb := specific(a), specific(b)
	if sa != sb {
		return sa > sb
	}
	return len(a) < len(b)
}

func depth(ps []problem) int {
	d := 0
	for _, p := range ps {
		d = max(d, len(p.loc))
	}
	return d
}

func specific(ps []problem) int {
	n := 0
	for _, p := range ps {
		switch p.kind.(type) {
		case *kind.Type, *kind.Const, *kind.Enum:
		default:
			n++
		}
	}
	return n
}

// leaf words one error without causes.
func (v *Validator) leaf(e *jsonschema.ValidationError, inst any) []problem {
	loc := e.InstanceLocation
	val := valueAt(inst, loc)
	one := func(msg string) []problem {
		return []problem{{loc: loc, kind: e.ErrorKind, msg: prefix(loc, msg)}}
	}
	limit := limitNote(e.SchemaURL)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		if len(k.Missing) == 1 {
			return one("missing required field " + k.Missing[0])
		}
		return one("missing required fields " + strings.Join(k.Missing, ", "))
	case *kind.AdditionalProperties:
		names := slices.Sorted(slices.Values(k.Properties))
		var out []problem
		for _, name := range names {
			at := append(slices.Clone(loc), name)
			msg := "unknown field"
			if s := v.byLocation[e.SchemaURL]; s != nil {
				if guess := closest(name, s.Properties); guess != "" {
					msg += fmt.Sprintf("; did you mean %s?", guess)
				}
			}
			out = append(out, problem{loc: at, key: true, kind: k, msg: prefix(at, msg)})
		}
		return out
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = typeName(w)
		}
		return one(fmt.Sprintf("expected %s, got %s", strings.Join(want, " or "), describe(val)))
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = show(w)
		}
		return one(fmt.Sprintf("%s is not one of %s", show(k.Got), strings.Join(want, ", ")))
	case *kind.Const:
		return one(fmt.Sprintf("must be %s, not %s", show(k.Want), show(k.Got)))
	case *kind.MinItems:
		return one(fmt.Sprintf("%s, at least %d required%s", count(k.Got, "item"), k.Want, limit))
	case *kind.MaxItems:
		return one(fmt.Sprintf("%s, at most %d allowed%s", count(k.Got, "item"), k.Want, limit))
	case *kind.MinLength:
		if k.Want == 1 {
			return one("must not be empty")
		}
		return one(fmt.Sprintf("%s, at least %d required%s", count(k.Got, "character"), k.Want, limit))
	case *kind.MaxLength:
		return one(fmt.Sprintf("%s, at most %d allowed%s", count(k.Got, "character"), k.Want, limit))
	case *kind.MinProperties:
		return one(fmt.Sprintf("%s, at least %d required%s", count(k.Got, "entry"), k.Want, limit))
	case *kind.MaxProperties:
		return one(fmt.Sprintf("%s, at most %d allowed%s", count(k.Got, "entry"), k.Want, limit))
	case *kind.Minimum:
		return one(fmt.Sprintf("%s is below the minimum %s%s", rat(k.Got), rat(k.Want), limit))
	case *kind.Maximum:
		return one(fmt.Sprintf("%s is above the maximum %s%s", rat(k.Got), rat(k.Want), limit))
	case *kind.ExclusiveMinimum:
		return one(fmt.Sprintf("%s must be above %s%s", rat(k.Got), rat(k.Want), limit))
	case *kind.ExclusiveMaximum:
		return one(fmt.Sprintf("%s must be below %s%s", rat(k.Got), rat(k.Want), limit))
	case *kind.Pattern:
		if what := v.expected(e.SchemaURL); what != "" {
			return one(fmt.Sprintf("%s is not valid: expected %s", show(k.Got), what))
		}
		return one(fmt.Sprintf("%s does not match %s", show(k.Got), k.Want))
	case *kind.UniqueItems:
		return one(fmt.Sprintf("items %d and %d are the same", k.Duplicates[0], k.Duplicates[1]))
	case *kind.DependentRequired:
		return one(fmt.Sprintf("%s requires %s", k.Prop, strings.Join(k.Missing, " and ")))
	case *kind.FalseSchema:
		return one(v.forbidden(e.SchemaURL, loc))
	case *kind.Not:
		return v.not(e, loc)
	}
	return one(e.ErrorKind.LocalizedString(message.NewPrinter(language.English)))
}

// forbidden explains a field a `false` schema rules out: either it may not
// stand next to another (dependentSchemas) or it is not allowed at all.
func (v *Validator) forbidden(schemaURL string, loc []string) string {
	if _, rest, ok := strings.Cut(schemaURL, "/dependentSchemas/"); ok {
		other, _, _ := strings.Cut(rest, "/")
		return fmt.Sprintf("not allowed together with %s: give exactly one of them", other)
	}
	if len(loc) == 2 && loc[0] == "metadata" && loc[1] == "version" {
		return "not allowed: only " + versionedKinds() + " have versions; other kinds are updated in place"
	}
	return "not allowed here"
}

// versionedKinds lists the kinds that carry versions, for messages.
func versionedKinds() string {
	var names []string
	for _, k := range model.Kinds() {
		if k.Versioned() {
			names = append(names, string(k))
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// not words a `"not": {}` schema, which the schemas use (rather than
// propertyNames, whose errors the library places unreliably) to rule out
// map keys, with the reason in its description.
func (v *Validator) not(e *jsonschema.ValidationError, loc []string) []problem {
	why := "not allowed"
	if s := v.byLocation[e.SchemaURL]; s != nil && s.Description != "" {
		why = s.Description
	}
	isKey := len(loc) > 0 && (strings.HasSuffix(e.SchemaURL, "/additionalProperties") || strings.Contains(e.SchemaURL, "/patternProperties/"))
	msg := "not allowed: " + why
	if isKey {
		msg = fmt.Sprintf("key %s is not valid: %s", show(loc[len(loc)-1]), why)
	}
	return []problem{{loc: loc, key: isKey, kind: e.ErrorKind, msg: prefix(loc, msg)}}
}

// expected is the first sentence of the failing schema's description,
// which says in words what a pattern means.
func (v *Validator) expected(schemaURL string) string {
	s := v.byLocation[schemaURL]
	if s == nil || s.Description == "" {
		return ""
	}
	d := s.Description
	if i := strings.Index(d, ". "); i >= 0 {
		d = d[:i]
	}
	d = strings.TrimSuffix(d, ".")
	return strings.ToLower(d[:1]) + d[1:]
}

// limitNote names whose limit a bound is, so users know it is not kiln's
// taste.
func limitNote(schemaURL string) string {
	switch {
	case strings.Contains(schemaURL, FileConfig):
		return ""
	case strings.Contains(schemaURL, FileDocument):
		return " (AWSTOE limit)"
	}
	return " (Image Builder limit)"
}

// prefix puts the dotted path before msg.
func prefix(loc []string, msg string) string {
	if len(loc) == 0 {
		return msg
	}
	return pathString(loc) + ": " + msg
}

// pathString writes a location as spec.components[3].name.
func pathString(loc []string) string {
	var b strings.Builder
	for _, t := range loc {
		if _, err := strconv.Atoi(t); err == nil {
			b.WriteString("[" + t + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

func valueAt(v any, loc []string) any {
	for _, t := range loc {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// show renders a scalar for a message, shortened.
func show(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 60 {
			x = x[:57] + "..."
		}
		return strconv.Quote(x)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// describe names a value's YAML type and, for scalars, the value.
func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case nil:
		return "nothing (null)"
	case string:
		return "the string " + show(v)
	case bool:
		return show(v)
	}
	return "the number " + show(v)
}

func typeName(t string) string {
	switch t {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "string":
		return "a string"
	case "integer":
		return "an integer"
	case "number":
		return "a number"
	case "boolean":
		return "true or false"
	case "null":
		return "null"
	}
	return t
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func rat(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	return r.FloatString(3)
}

// closest is the property name a typo most likely meant, or "".
func closest(name string, props map[string]*jsonschema.Schema) string {
	best, bestD := "", 3
	lower := strings.ToLower(name)
	for p := range props {
		if strings.ToLower(p) == lower {
			return p
		}
		if d := levenshtein.ComputeDistance(lower, strings.ToLower(p)); d < bestD || (d == bestD && best != "" && p < best) {
			best, bestD = p, d
		}
	}
	if best == "" || bestD > max(1, len(name)/4) {
		return ""
	}
	return best
}
