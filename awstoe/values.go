package awstoe

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/agnivade/levenshtein"
)

// The document arrives as plain decoded YAML: maps, lists, strings, bools,
// and numbers as int, int64, uint64 or float64 depending on the decoder.
// These helpers read such values without assuming one decoder.

func isString(x any) bool { _, ok := x.(string); return ok }

// isScalar reports whether x is a string, number or bool.
func isScalar(x any) bool {
	switch x.(type) {
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

// wholeNumber returns x as an integer when it is a number with no
// fraction. Strings are not numbers here: AWSTOE takes integers.
func wholeNumber(x any) (int64, bool) {
	switch n := x.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint:
		if uint64(n) <= math.MaxInt64 {
			return int64(n), true
		}
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), true
		}
	case float32:
		return floatWhole(float64(n))
	case float64:
		return floatWhole(n)
	}
	return 0, false
}

func floatWhole(f float64) (int64, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || f > math.MaxInt64/2 || f < math.MinInt64/2 {
		return 0, false
	}
	return int64(f), true
}

func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil
}

// kindOf names the type of a value for messages.
func kindOf(x any) string {
	switch x.(type) {
	case nil:
		return "empty"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	if isScalar(x) {
		return "a number"
	}
	return fmt.Sprintf("%T", x)
}

// describe shows a scalar value, or the kind of anything else.
func describe(x any) string {
	switch t := x.(type) {
	case string:
		return strconv.Quote(t)
	case nil:
		return "empty"
	}
	if isScalar(x) {
		return fmt.Sprint(x)
	}
	return kindOf(x)
}

func mapKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// closest returns the candidate nearest to s by case-insensitive edit
// distance, if it is within maxDist; ties go to the first in order.
func closest(s string, candidates []string, maxDist int) string {
	if len(s) > 64 {
		return ""
	}
	// Short words are all close to each other; allow fewer edits for them.
	maxDist = min(maxDist, max(1, len(s)/2))
	best, bestD := "", maxDist+1
	ls := strings.ToLower(s)
	for _, c := range candidates {
		if len(c) > 64 {
			continue
		}
		if d := levenshtein.ComputeDistance(ls, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
