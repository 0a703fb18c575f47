package report

import "strings"

// mdEscaper makes user text (messages, justifications, names) inert in
// GitHub Markdown: no formatting, no raw HTML, no links, and no @-mentions
// (a zero-width space after @ keeps GitHub from notifying anyone).
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "|", `\|`, "~", `\~`, "#", `\#`,
	"\r", "",
)

// mdText escapes s for running Markdown text.
func mdText(s string) string { return noMentions(mdEscaper.Replace(s)) }

// noMentions puts a zero-width space after an @ that could start a mention
// or team reference (at the start or after a non-word character), so
// rendering a message never notifies anyone; "name@1.2.0" stays as it is.
func noMentions(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '@' && (i == 0 || !isWordByte(s[i-1])) {
			b.WriteString("&#8203;")
		}
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// mdCell escapes s for a table cell, where a newline would end the row.
func mdCell(s string) string {
	return strings.ReplaceAll(mdText(strings.TrimSpace(s)), "\n", "<br>")
}

// mdCode makes s safe inside a single-backtick code span (which cannot
// escape a backtick) in running text.
func mdCode(s string) string { return codeEscaper.Replace(s) }

var codeEscaper = strings.NewReplacer("`", "'", "\r", "", "\n", " ")

// mdCodeCell is mdCode for a table cell: GitHub splits cells on | even
// inside code spans unless it is escaped.
func mdCodeCell(s string) string { return strings.ReplaceAll(mdCode(s), "|", `\|`) }
