package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCutBytes(t *testing.T) {
	tests := []struct {
		name  string
		s     string
		limit int
	}{
		{"ascii", strings.Repeat("abcdefghij\n", 100), 200},
		{"two-byte at boundary", strings.Repeat("é", 500), 301},
		{"three-byte at boundary", strings.Repeat("日", 500), 302},
		{"four-byte at boundary", strings.Repeat("🔥", 500), 303},
		{"mixed no newlines", strings.Repeat("a日é🔥", 300), 257},
		{"open fence", "```mermaid\n" + strings.Repeat("x --> y\n", 500), 400},
		{"open details", "<details><summary>s</summary>\n\n" + strings.Repeat("| a | b |\n", 500), 300},
	}
	const pointer = "… more; run `kiln check` locally"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cutBytes(tt.s, tt.limit, pointer)
			if len(got) > tt.limit {
				t.Errorf("%d bytes, limit %d", len(got), tt.limit)
			}
			if !utf8.ValidString(got) {
				t.Errorf("cut inside a rune: %q", got[max(0, len(got)-20):])
			}
			if !strings.Contains(got, pointer) {
				t.Errorf("no pointer line in %q", got)
			}
			if strings.Count(got, "```")%2 != 0 {
				t.Errorf("code fence left open")
			}
			if strings.Count(got, "<details")-strings.Count(got, "</details>") != 0 {
				t.Errorf("details left open")
			}
			if len(got) < tt.limit-2048-len(pointer)-16 {
				t.Errorf("cut far too much: %d of %d bytes", len(got), tt.limit)
			}
			if short := cutBytes("fits", tt.limit, pointer); short != "fits" {
				t.Errorf("text within the limit changed: %q", short)
			}
		})
	}
}

func TestCutRunes(t *testing.T) {
	for _, r := range []string{"a", "é", "日", "🔥"} {
		s := strings.Repeat(r, 1000)
		got := cutRunes(s, 100, "…")
		if n := utf8.RuneCountInString(got); n > 100 || n < 90 {
			t.Errorf("%s: %d runes", r, n)
		}
		if !utf8.ValidString(got) {
			t.Errorf("%s: invalid UTF-8", r)
		}
	}
}

func TestCutPointerLongerThanLimit(t *testing.T) {
	got := cutBytes(strings.Repeat("x", 100), 10, strings.Repeat("日", 20))
	if len(got) > 10 || !utf8.ValidString(got) {
		t.Errorf("%q", got)
	}
}

func TestCutTitle(t *testing.T) {
	if got := cutTitle(strings.Repeat("日", 300), 255); utf8.RuneCountInString(got) != 255 || !strings.HasSuffix(got, "…") {
		t.Errorf("%d runes", utf8.RuneCountInString(got))
	}
}

func FuzzCutBytes(f *testing.F) {
	f.Add("```a\nb\n<details>\n日本語🔥", 20)
	f.Add(strings.Repeat("é", 100), 33)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 1 || limit > 1<<16 {
			t.Skip()
		}
		got := cutBytes(s, limit, "…")
		if len(got) > limit {
			t.Fatalf("%d bytes > %d", len(got), limit)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("cut inside a rune: %q", got)
		}
		gotR := cutRunes(s, limit, "…")
		if utf8.RuneCountInString(gotR) > limit {
			t.Fatalf("%d runes > %d", utf8.RuneCountInString(gotR), limit)
		}
	})
}
