package report

import (
	"strings"
	"unicode/utf8"
)

// GitHub's limits on what kiln posts.
const (
	// MaxCheckRunBytes bounds a check run's output.summary and output.text.
	MaxCheckRunBytes = 65535
	// MaxCommentRunes bounds an issue comment's body.
	MaxCommentRunes = 65536
	// AnnotationsPerRequest is how many annotations one check-run update
	// may carry.
	AnnotationsPerRequest = 50
)

// cutBytes returns s if it fits in limit bytes; otherwise the longest
// prefix that, followed by a blank line and pointer, fits, cut at a line
// end where one is near and always at a rune boundary, with open code
// fences and <details> closed.
func cutBytes(s string, limit int, pointer string) string {
	if len(s) <= limit {
		return s
	}
	return cutWith(s, pointer, limit, func(out string) bool { return len(out) <= limit })
}

// cutRunes is cutBytes counting runes (characters) rather than bytes.
func cutRunes(s string, limit int, pointer string) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return cutWith(s, pointer, 4*limit, func(out string) bool { return utf8.RuneCountInString(out) <= limit })
}

// cutWith finds, by bisection, the longest prefix p of s (at most maxBytes
// long, at a rune boundary) for which fits(closeBlocks(p) + pointer) holds.
func cutWith(s, pointer string, maxBytes int, fits func(string) bool) string {
	tail := "\n\n" + pointer + "\n"
	build := func(n int) string {
		for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		p := s[:n]
		// Prefer ending at a line break within the last 2 KiB, so a table
		// row or a word is not cut in half.
		if i := strings.LastIndexByte(p, '\n'); i >= 0 && n-i < 2048 {
			p = p[:i]
		}
		return closeBlocks(p) + tail
	}
	lo, hi := 0, min(len(s), maxBytes)
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if fits(build(mid)) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	out := build(lo)
	if !fits(out) { // the pointer alone is too long: cut it too
		out = truncateRunesBytes(tail, fits)
	}
	return out
}

func truncateRunesBytes(s string, fits func(string) bool) string {
	for s != "" && !fits(s) {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// closeBlocks closes a Markdown code fence and <details> elements left open
// by a cut, so what follows renders as text.
func closeBlocks(s string) string {
	var b strings.Builder
	b.WriteString(s)
	fences := 0
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fences++
		}
	}
	if fences%2 == 1 {
		b.WriteString("\n```")
	}
	// Only kiln writes "<details" here: user text is escaped.
	for open := strings.Count(s, "<details") - strings.Count(s, "</details>"); open > 0; open-- {
		b.WriteString("\n</details>")
	}
	return b.String()
}

// cutTitle bounds a single-line field to n runes.
func cutTitle(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
