package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Digest is a stable hash of everything that makes up a resource's content
// in Image Builder: kind, name, version, description and spec, with the
// document path of a document kind replaced by the document's text so that moving
// a file is not a change but editing it is. Tags are left out because they
// can change in place. Image Builder never sees the digest except as the
// kiln:digest tag, so its form may change between kiln versions only with a
// migration.
//
// The hashed bytes are what encoding/json makes of
//
//	{"description": …, "kind": …, "name": …, "spec": …, "version": …}
//
// (sorted keys, HTML-safe escapes). canonicalJSON writes the same bytes
// for the plain values the loader produces without reflection, which a
// check of a pull request does four times per resource; anything else goes
// through encoding/json itself.
func Digest(r *Resource) string {
	spec, _ := r.Value["spec"].(map[string]any)
	spec = maps.Clone(spec)
	if spec == nil {
		spec = map[string]any{}
	}
	if info, _ := r.Kind.Info(); info.HasDocument() && r.Document != nil {
		delete(spec, "document")
		spec["data"] = r.Document.Text
	}
	doc := map[string]any{
		"kind":        string(r.Kind),
		"name":        r.Metadata.Name,
		"version":     r.Metadata.Version,
		"description": r.Metadata.Description,
		"spec":        spec,
	}
	b, ok := appendCanonicalJSON(make([]byte, 0, 1024), doc, 0)
	if !ok {
		// encoding/json sorts map keys, which makes the encoding canonical.
		b, _ = json.Marshal(doc)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// maxCanonicalDepth leaves pathological nesting to encoding/json, which
// has its own guard.
const maxCanonicalDepth = 200

// appendCanonicalJSON appends v as json.Marshal encodes it; ok is false
// for a value of a type it does not know, or one encoding/json refuses.
func appendCanonicalJSON(b []byte, v any, depth int) ([]byte, bool) {
	if depth > maxCanonicalDepth {
		return b, false
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return appendJSONString(b, x), true
	case bool:
		return strconv.AppendBool(b, x), true
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case float64:
		return appendJSONFloat(b, x)
	case map[string]any:
		if x == nil {
			return append(b, "null"...), true
		}
		keys := slices.Sorted(maps.Keys(x))
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			var ok bool
			if b, ok = appendCanonicalJSON(b, x[k], depth+1); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case []any:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendCanonicalJSON(b, e, depth+1); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	}
	return b, false
}

// appendJSONFloat formats f as encoding/json does (ES6 number formatting).
func appendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does with HTML escaping on:
// control characters, <, > and & as \u00XX (short forms where JSON has
// them), invalid UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
