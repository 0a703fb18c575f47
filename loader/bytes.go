package loader

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// problem is something wrong with a piece of YAML text, at a position
// relative to that text. Callers turn it into a finding once they know the
// file and any offset (inline component data lives inside another file).
type problem struct {
	Line, Column int
	Rule         string
	Message      string
}

// checkEncoding refuses text that is not UTF-8, or that holds NUL bytes,
// and says where the first bad byte is. YAML allows UTF-16 and UTF-32 too,
// but Image Builder and every editor kiln's users work with expect UTF-8,
// so those get a message that tells them what to do.
func checkEncoding(b string) *problem {
	switch {
	case strings.HasPrefix(b, "\x00\x00\xFE\xFF"), strings.HasPrefix(b, "\xFF\xFE\x00\x00"):
		return &problem{Line: 1, Column: 1, Rule: ruleEncoding, Message: "the file is UTF-32 encoded; kiln reads YAML as UTF-8 only: save it as UTF-8"}
	case strings.HasPrefix(b, "\xFE\xFF"), strings.HasPrefix(b, "\xFF\xFE"):
		return &problem{Line: 1, Column: 1, Rule: ruleEncoding, Message: "the file is UTF-16 encoded; kiln reads YAML as UTF-8 only: save it as UTF-8"}
	}
	if utf8.ValidString(b) && strings.IndexByte(b, 0) < 0 {
		return nil
	}
	line, col := 1, 1
	for i := 0; i < len(b); {
		c := b[i]
		if c == 0 {
			return &problem{Line: line, Column: col, Rule: ruleEncoding,
				Message: "the file contains a NUL byte; YAML files must be text"}
		}
		if c < utf8.RuneSelf {
			if c == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(b[i:])
		if r == utf8.RuneError && size == 1 {
			return &problem{Line: line, Column: col, Rule: ruleEncoding,
				Message: fmt.Sprintf("byte 0x%02X is not valid UTF-8; kiln reads YAML as UTF-8 only: save the file as UTF-8", c)}
		}
		i += size
		col++
	}
	return nil
}

// wideBOM reports whether b starts with a UTF-16 or UTF-32 byte order mark.
func wideBOM(b string) bool {
	return strings.HasPrefix(b, "\xFE\xFF") || strings.HasPrefix(b, "\xFF\xFE") ||
		strings.HasPrefix(b, "\x00\x00\xFE\xFF")
}

// prescanDepth is a cheap guard run before the YAML parser sees the text:
// it estimates how deeply flow collections ([ {) and block indentation nest
// and refuses text that nests deeper than limit, so inputs such as 100,000
// '[' never reach the parser. It skips comments, quoted strings and block
// scalars, but it is an estimate: the exact depth check runs on the parsed
// tree, so limit should be generous.
func prescanDepth(b string, limit int) *problem {
	var (
		flow      int
		indents   []int
		quote     byte // open quote carried across lines inside flow context
		inBlock   bool // inside a block scalar's content
		blockBase int  // indentation of the line that opened the block scalar
	)
	lineNo := 0
	for len(b) > 0 {
		lineNo++
		var line string
		if i := strings.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, ""
		}
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		content := strings.TrimRight(line[indent:], " \t\r")
		if inBlock {
			if len(content) == 0 || indent > blockBase {
				continue
			}
			inBlock = false
		}
		if quote == 0 && (strings.HasPrefix(line, "---") || strings.HasPrefix(line, "...")) {
			flow, indents = 0, indents[:0]
			continue
		}
		if quote == 0 && (len(content) == 0 || content[0] == '#') {
			continue
		}
		start := 0
		if flow == 0 && quote == 0 {
			for len(indents) > 0 && indents[len(indents)-1] > indent {
				indents = indents[:len(indents)-1]
			}
			if len(indents) == 0 || indents[len(indents)-1] < indent {
				indents = append(indents, indent)
			}
			// "- - - x" nests one sequence per dash on a single line.
			col := indent
			for start+1 < len(content) && content[start] == '-' && content[start+1] == ' ' {
				start += 2
				col += 2
				for start < len(content) && content[start] == ' ' {
					start++
					col++
				}
				indents = append(indents, col)
				if len(indents) > limit {
					return depthProblem(lineNo, col+1, limit)
				}
			}
			if len(indents) > limit {
				return depthProblem(lineNo, indent+1, limit)
			}
		}
		valueStart := true // where a block value may begin: a quote or bracket there is structure
	scan:
		for i := start; i < len(content); i++ {
			c := content[i]
			if quote != 0 {
				switch {
				case quote == '"' && c == '\\':
					i++
				case c == quote && quote == '\'' && i+1 < len(content) && content[i+1] == '\'':
					i++
				case c == quote:
					quote = 0
				}
				continue
			}
			switch {
			case c == '#' && (i == 0 || content[i-1] == ' ' || content[i-1] == '\t'):
				break scan
			case c == ' ' || c == '\t':
			case flow > 0:
				// In flow context plain scalars cannot hold brackets.
				switch c {
				case '"', '\'':
					if i == 0 || strings.IndexByte(" \t[{,:", content[i-1]) >= 0 {
						quote = c
					}
				case '[', '{':
					flow++
					if flow+len(indents) > limit {
						return depthProblem(lineNo, indent+i+1, limit)
					}
				case ']', '}':
					flow--
				}
			case valueStart && (c == '"' || c == '\''):
				quote, valueStart = c, false
			case valueStart && (c == '[' || c == '{'):
				flow++
				if flow+len(indents) > limit {
					return depthProblem(lineNo, indent+i+1, limit)
				}
			case c == ':' && (i+1 == len(content) || content[i+1] == ' '):
				valueStart = true
			case (c == '-' || c == '?') && valueStart && (i+1 == len(content) || content[i+1] == ' '):
			default:
				valueStart = false
			}
		}
		if quote == '\'' || quote == '"' {
			if flow == 0 {
				// A quoted scalar in block context may span lines too; its
				// continuation lines are not structure.
				continue
			}
		}
		if flow == 0 && quote == 0 && opensBlockScalar(content) {
			inBlock, blockBase = true, indent
		}
	}
	return nil
}

// opensBlockScalar reports whether a line ends in a block scalar header
// (| or > with optional indentation and chomping indicators), ignoring a
// trailing comment.
func opensBlockScalar(content string) bool {
	if i := strings.Index(content, " #"); i >= 0 {
		content = strings.TrimRight(content[:i], " \t")
	}
	j := len(content)
	for j > 0 && (content[j-1] == '+' || content[j-1] == '-' || (content[j-1] >= '1' && content[j-1] <= '9')) {
		j--
	}
	if j == 0 || (content[j-1] != '|' && content[j-1] != '>') {
		return false
	}
	return j == 1 || content[j-2] == ' '
}

func depthProblem(line, col, limit int) *problem {
	return &problem{Line: line, Column: col, Rule: ruleDepth,
		Message: fmt.Sprintf("the YAML nests deeper than %d levels; kiln refuses it before parsing", limit)}
}
