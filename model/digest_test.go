package model

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The canonical encoding must be byte for byte what encoding/json writes:
// digests are stored in Image Builder tags and must not change.
func TestCanonicalJSONMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, 0, -1, 1 << 53, int64(math.MaxInt64), int64(math.MinInt64),
		0.0, math.Copysign(0, -1), 1.5, -2.25, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, 5e-324, math.MaxFloat64, 0.1, 100.0,
		"", "plain", `quo"te\back`, "<html> & </html>", "\x00\x01\x07\b\f\n\r\t\x1f\x7f", "é ü ß 日本", "\u2028\u2029",
		"bad \xff utf8 \xc3", "\xed\xa0\x80", "emoji 😀",
		[]any{}, []any(nil), map[string]any{}, map[string]any(nil),
		map[string]any{"b": 1, "a": []any{"x", 2.5, nil, map[string]any{"z": true, "é": "<"}}, "": "empty", "A": 0},
	}
	for _, v := range values {
		check(t, v)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		check(t, randomValue(rng, 0))
	}
}

func check(t *testing.T, v any) {
	t.Helper()
	want, err := json.Marshal(v)
	got, ok := appendCanonicalJSON(nil, v, 0)
	if err != nil || !ok {
		if err == nil || ok {
			t.Errorf("%#v: encoding/json error %v, canonical ok %v", v, err, ok)
		}
		return
	}
	if string(got) != string(want) {
		t.Errorf("%#v:\n canonical     %s\n encoding/json %s", v, got, want)
	}
}

func randomValue(rng *rand.Rand, depth int) any {
	n := 9
	if depth > 3 {
		n = 6
	}
	switch rng.IntN(n) {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		return int(rng.Int64()) >> rng.IntN(64)
	case 3:
		return math.Float64frombits(rng.Uint64())
	case 4:
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(60)-30))
	case 5:
		return randomString(rng)
	case 6, 7:
		m := map[string]any{}
		for range rng.IntN(5) {
			m[randomString(rng)] = randomValue(rng, depth+1)
		}
		return m
	default:
		s := make([]any, rng.IntN(4))
		for i := range s {
			s[i] = randomValue(rng, depth+1)
		}
		return s
	}
}

func randomString(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(12) {
		switch rng.IntN(4) {
		case 0:
			b.WriteByte(byte(rng.IntN(256)))
		case 1:
			b.WriteRune(rune(rng.IntN(0x30000)))
		default:
			b.WriteByte(byte(' ' + rng.IntN(95)))
		}
	}
	return b.String()
}
