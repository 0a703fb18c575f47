package loader

import (
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// fastParse parses the plain block YAML nearly every kiln file is written
// in (block mappings and sequences, one-line plain and quoted scalars,
// one-line flow sequences of scalars, literal block scalars) into exactly
// the nodes yaml.v3's parser builds for it: same kinds, tags, styles,
// values, lines and columns. yaml.v3's parser is a port of libyaml that
// spends most of a load on tokens and events; this reads the lines once.
//
// Anything outside that subset, or anything it is not sure about, makes it
// give up (ok false) and the caller parses with yaml.v3, which also writes
// every error message: comments (yaml.v3 attaches them to nodes), anchors,
// aliases, tags, flow mappings, multi-line and escaped scalars, folded
// scalars, explicit documents (---), tabs, CRs and unusual characters. It
// never reports an error of its own.
//
// a may be nil; a load passes one arena for all its files, so that nodes
// come from large shared blocks rather than one allocation each.
func fastParse(text string, a *fastArena) (docs []*yaml.Node, ok bool) {
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return nil, false
	}
	if leadingComment(text) {
		return nil, false // the commonest way out, found without a scan
	}
	if a == nil {
		a = &fastArena{}
	}
	p := &fastParser{text: text, fastArena: a}
	nodes, kids := a.nodes, a.kids
	defer func() {
		a.lines, a.stack = a.lines[:0], a.stack[:0]
		// Nothing refers to the nodes of a failed parse: reuse them, unless
		// the parse moved on to a new block.
		if !ok && sameBlock(a.nodes, nodes) && sameBlock(a.kids, kids) {
			clear(a.nodes[len(nodes):])
			clear(a.kids[len(kids):])
			a.nodes, a.kids = nodes, kids
		}
	}()
	if !p.splitLines() {
		return nil, false
	}
	doc, ok := p.document()
	if !ok {
		return nil, false
	}
	return []*yaml.Node{doc}, true
}

// leadingComment reports whether the first line holding anything is a
// comment.
func leadingComment(text string) bool {
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case ' ', '\n':
		case '#':
			return true
		default:
			return false
		}
	}
	return false
}

func sameBlock[T any](a, b []T) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:1][0] == &b[:1][0]
}

// fastArena holds the blocks nodes and Content slices are cut from, and
// scratch space reused from one file to the next.
type fastArena struct {
	nodes []yaml.Node  // block the nodes are cut from
	kids  []*yaml.Node // block the Content slices are cut from
	lines []fastLine
	stack []*yaml.Node // children of the collections being parsed
}

// Sizes of the blocks of a fastArena: large enough to make allocations
// rare, small enough that the unused tail of the last one does not matter.
// A load of a few small files gets smaller ones.
const (
	arenaNodes = 1024
	arenaKids  = 2048
)

// blockSize is the length of the next block for a text that needs about
// want, after a block of length last: growing, so that a load of many
// files soon cuts from blocks of the largest size.
func blockSize(want, last, most int) int { return min(max(want, 2*last, 32), most) }

// maxFastDepth bounds the recursion; deeper text goes to yaml.v3, whose
// result the tree checker refuses anyway.
const maxFastDepth = 100

type fastLine struct {
	start, end int // text[start:end] is the line without its '\n'
	indent     int // leading spaces
	blank      bool
	ascii      bool
}

type fastParser struct {
	*fastArena
	text  string
	li    int // the line being parsed
	depth int
}

// splitLines indexes the lines and refuses characters and markers the
// subset leaves to yaml.v3.
func (p *fastParser) splitLines() bool {
	text := p.text
	p.lines = p.lines[:0]
	for start := 0; start < len(text); {
		end := start + strings.IndexByte(text[start:], '\n')
		l := fastLine{start: start, end: end, ascii: true}
		for l.indent < end-start && text[start+l.indent] == ' ' {
			l.indent++
		}
		l.blank = l.indent == end-start
		for i := start; i < end; i++ {
			c := text[i]
			switch {
			case c >= 0x80:
				l.ascii = false
			case c < 0x20 || c == 0x7F:
				return false // tabs, CRs, control characters
			}
		}
		if !l.ascii && !printableUTF8(text[start:end]) {
			return false
		}
		if l.indent == 0 && !l.blank {
			switch text[start] {
			case '%':
				return false // directive
			case '-', '.':
				if strings.HasPrefix(text[start:end], "---") || strings.HasPrefix(text[start:end], "...") {
					return false // document markers
				}
			}
		}
		p.lines = append(p.lines, l)
		start = end + 1
	}
	return true
}

// printableUTF8 reports whether s holds only characters libyaml reads as
// printable and not as line breaks or byte order marks.
func printableUTF8(s string) bool {
	for _, r := range s {
		switch {
		case r == utf8.RuneError, r < 0xA0 && r >= 0x80, r == 0x2028, r == 0x2029, r == 0xFEFF, r == 0xFFFE, r == 0xFFFF:
			return false
		}
	}
	return true
}

// next returns the index of the next line from p.li holding something, or
// len(p.lines); ok is false at a comment.
func (p *fastParser) next() (int, bool) {
	for i := p.li; i < len(p.lines); i++ {
		l := p.lines[i]
		if l.blank {
			continue
		}
		if p.text[l.start+l.indent] == '#' {
			return i, false
		}
		return i, true
	}
	return len(p.lines), true
}

func (p *fastParser) newNode(kind yaml.Kind, tag string, line, off int) *yaml.Node {
	if len(p.nodes) == cap(p.nodes) {
		p.nodes = make([]yaml.Node, 0, blockSize(len(p.text)/8, cap(p.nodes), arenaNodes))
	}
	p.nodes = p.nodes[:len(p.nodes)+1]
	n := &p.nodes[len(p.nodes)-1] // zero: fresh, or cleared by a failed parse
	n.Kind, n.Tag, n.Line, n.Column = kind, tag, line+1, p.column(line, off)
	return n
}

// column is the 1-based column of byte off of line: libyaml counts
// characters, not bytes.
func (p *fastParser) column(line, off int) int {
	l := p.lines[line]
	if l.ascii {
		return off + 1
	}
	return utf8.RuneCountInString(p.text[l.start:l.start+off]) + 1
}

// content pops the children pushed since mark into a Content slice.
func (p *fastParser) content(mark int) []*yaml.Node {
	n := len(p.stack) - mark
	if n == 0 {
		return nil
	}
	if cap(p.kids)-len(p.kids) < n {
		p.kids = make([]*yaml.Node, 0, max(blockSize(len(p.text)/16, cap(p.kids), arenaKids), n))
	}
	start := len(p.kids)
	p.kids = append(p.kids, p.stack[mark:]...)
	p.stack = p.stack[:mark]
	return p.kids[start : start+n : start+n]
}

func (p *fastParser) document() (*yaml.Node, bool) {
	first, ok := p.next()
	if !ok || first == len(p.lines) || p.lines[first].indent != 0 {
		return nil, false
	}
	p.li = first
	root, ok := p.block(0)
	if !ok {
		return nil, false
	}
	if end, ok := p.next(); !ok || end != len(p.lines) {
		return nil, false
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Line: root.Line, Column: root.Column, Content: []*yaml.Node{root}}
	return doc, true
}

// rest is line p.li from byte off on.
func (p *fastParser) rest(off int) string {
	l := p.lines[p.li]
	return p.text[l.start+off : l.end]
}

func isSeqEntry(s string) bool { return len(s) > 0 && s[0] == '-' && (len(s) == 1 || s[1] == ' ') }

// block parses the block collection starting on line p.li at indent.
func (p *fastParser) block(indent int) (*yaml.Node, bool) {
	if isSeqEntry(p.rest(indent)) {
		return p.sequence(indent, false)
	}
	return p.mapping(indent)
}

func (p *fastParser) enter() bool {
	p.depth++
	return p.depth <= maxFastDepth
}

// mapping parses a block mapping whose keys sit at column indent; the
// first key is on line p.li (possibly after a "- ").
func (p *fastParser) mapping(indent int) (*yaml.Node, bool) {
	if !p.enter() {
		return nil, false
	}
	defer func() { p.depth-- }()
	m := p.newNode(yaml.MappingNode, "!!map", p.li, indent)
	mark := len(p.stack)
	for {
		if !p.entry(indent) {
			return nil, false
		}
		nl, ok := p.next()
		if !ok {
			return nil, false
		}
		if nl == len(p.lines) || p.lines[nl].indent < indent {
			p.li = nl
			break
		}
		if p.lines[nl].indent > indent {
			return nil, false // a continuation line, or an error
		}
		p.li = nl
		if isSeqEntry(p.rest(indent)) {
			return nil, false
		}
	}
	m.Content = p.content(mark)
	return m, true
}

// plainStart reports whether a plain scalar may start with c (and is not
// one of the forms the subset leaves out).
func plainStart(c byte) bool {
	switch c {
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ':
		return false
	}
	return true
}

// dashPlain reports whether s starts with a dash that begins a plain
// scalar (-1, -foo) rather than a sequence entry.
func dashPlain(s string) bool {
	return len(s) > 1 && s[0] == '-' && s[1] != ' ' && s[1] != ',' && s[1] != ']'
}

// splitKey finds the ": " (or final ":") ending a plain key in s; ok is
// false where s holds a comment.
func splitKey(s string) (end int, found, ok bool) {
	if s == "" || !plainStart(s[0]) {
		return 0, false, true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':':
			if i+1 == len(s) || s[i+1] == ' ' {
				return i, true, true
			}
		case '#':
			if s[i-1] == ' ' {
				return 0, false, false
			}
		}
	}
	return 0, false, true
}

// entry parses one "key: value" of a mapping at indent, starting on line
// p.li at column indent, and leaves p.li on the line after the value.
func (p *fastParser) entry(indent int) bool {
	s := p.rest(indent)
	end, found, ok := splitKey(s)
	if !ok || !found || end == 0 || end > 1000 || s[end-1] == ' ' || s[end-1] == ':' {
		return false
	}
	key := s[:end]
	if key == "<<" {
		return false // merge keys
	}
	line := p.li
	k := p.newNode(yaml.ScalarNode, plainTag(key), line, indent)
	k.Value = key
	p.stack = append(p.stack, k)

	off := indent + end + 1
	for off < p.lines[line].end-p.lines[line].start && p.text[p.lines[line].start+off] == ' ' {
		off++
	}
	if off < p.lines[line].end-p.lines[line].start {
		v, ok := p.inline(off, indent)
		if !ok {
			return false
		}
		p.stack = append(p.stack, v)
		return true
	}
	// Nothing after the colon: a nested block, an indentless sequence or
	// null.
	p.li++
	nl, ok := p.next()
	if !ok {
		return false
	}
	if nl < len(p.lines) {
		l := p.lines[nl]
		if l.indent > indent || (l.indent == indent && isSeqEntry(p.text[l.start+l.indent:l.end])) {
			p.li = nl
			var v *yaml.Node
			if l.indent == indent {
				v, ok = p.sequence(indent, true)
			} else {
				v, ok = p.block(l.indent)
			}
			if !ok {
				return false
			}
			p.stack = append(p.stack, v)
			return true
		}
	}
	// libyaml puts the empty value right after the colon.
	v := p.newNode(yaml.ScalarNode, "!!null", line, indent+end+1)
	p.stack = append(p.stack, v)
	return true
}

// sequence parses a block sequence whose dashes sit at column indent,
// starting on line p.li. An indentless sequence (the value of a key at the
// same indentation) ends at the first line without a dash.
func (p *fastParser) sequence(indent int, indentless bool) (*yaml.Node, bool) {
	if !p.enter() {
		return nil, false
	}
	defer func() { p.depth-- }()
	seq := p.newNode(yaml.SequenceNode, "!!seq", p.li, indent)
	mark := len(p.stack)
	for {
		s := p.rest(indent)
		if !isSeqEntry(s) || len(s) < 3 {
			return nil, false // "-" alone: an empty or nested item
		}
		off := indent + 2
		for off < indent+len(s) && p.text[p.lines[p.li].start+off] == ' ' {
			off++
		}
		item := p.rest(off)
		if item == "" || isSeqEntry(item) {
			return nil, false
		}
		_, isKey, ok := splitKey(item)
		if !ok {
			return nil, false
		}
		var v *yaml.Node
		if isKey {
			v, ok = p.mapping(off)
		} else {
			v, ok = p.inline(off, indent)
		}
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, v)
		nl, ok := p.next()
		if !ok {
			return nil, false
		}
		if nl == len(p.lines) || p.lines[nl].indent < indent {
			p.li = nl
			break
		}
		if p.lines[nl].indent > indent {
			return nil, false
		}
		p.li = nl
		if !isSeqEntry(p.rest(indent)) {
			if indentless {
				break
			}
			return nil, false
		}
	}
	seq.Content = p.content(mark)
	return seq, true
}

// inline parses the value starting at byte off of line p.li, in a block
// collection at parent's indentation, and moves p.li past it.
func (p *fastParser) inline(off, parent int) (*yaml.Node, bool) {
	line := p.li
	s := p.rest(off)
	var n *yaml.Node
	var used int
	switch s[0] {
	case '"', '\'':
		val, u, ok := quoted(s)
		if !ok {
			return nil, false
		}
		style := yaml.DoubleQuotedStyle
		if s[0] == '\'' {
			style = yaml.SingleQuotedStyle
		}
		n = p.newNode(yaml.ScalarNode, "!!str", line, off)
		n.Value, n.Style, used = val, style, u
	case '[':
		var ok bool
		if n, used, ok = p.flowSequence(off); !ok {
			return nil, false
		}
	case '|':
		return p.literal(off, parent)
	default:
		if !plainStart(s[0]) && !dashPlain(s) {
			return nil, false
		}
		val := strings.TrimRight(s, " ")
		if strings.Contains(val, ": ") || strings.Contains(val, " #") || val[len(val)-1] == ':' || val == "<<" {
			return nil, false
		}
		n = p.newNode(yaml.ScalarNode, plainTag(val), line, off)
		n.Value, used = val, len(s)
	}
	if strings.TrimLeft(s[used:], " ") != "" {
		return nil, false // a comment or something else after the value
	}
	p.li++
	return n, true
}

// quoted reads a one-line quoted scalar at the start of s: its value and
// the bytes it takes. Escapes and line breaks are left to yaml.v3.
func quoted(s string) (val string, used int, ok bool) {
	q := s[0]
	if q == '"' {
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				return "", 0, false
			case '"':
				return s[1:i], i + 1, true
			}
		}
		return "", 0, false
	}
	doubled := false
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			doubled = true
			i++
			continue
		}
		val = s[1:i]
		if doubled {
			val = strings.ReplaceAll(val, "''", "'")
		}
		return val, i + 1, true
	}
	return "", 0, false
}

// flowSequence reads a one-line flow sequence of scalars at byte off of
// line p.li.
func (p *fastParser) flowSequence(off int) (*yaml.Node, int, bool) {
	line := p.li
	s := p.rest(off)
	seq := p.newNode(yaml.SequenceNode, "!!seq", line, off)
	seq.Style = yaml.FlowStyle
	mark := len(p.stack)
	i := 1
	skip := func() {
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	skip()
	if i < len(s) && s[i] == ']' {
		return seq, i + 1, true
	}
	for {
		skip()
		if i == len(s) {
			return nil, 0, false
		}
		var n *yaml.Node
		switch c := s[i]; c {
		case '"', '\'':
			val, u, ok := quoted(s[i:])
			if !ok {
				return nil, 0, false
			}
			n = p.newNode(yaml.ScalarNode, "!!str", line, off+i)
			n.Value = val
			n.Style = yaml.DoubleQuotedStyle
			if c == '\'' {
				n.Style = yaml.SingleQuotedStyle
			}
			i += u
		default:
			if !plainStart(c) && !dashPlain(s[i:]) {
				return nil, 0, false
			}
			j := i
			for j < len(s) && s[j] != ',' && s[j] != ']' {
				switch s[j] {
				case '[', '{', '}', '#', '?':
					return nil, 0, false
				case ':':
					if j+1 == len(s) || s[j+1] == ' ' || s[j+1] == ',' || s[j+1] == ']' {
						return nil, 0, false
					}
				}
				j++
			}
			val := strings.TrimRight(s[i:j], " ")
			if val == "<<" {
				return nil, 0, false
			}
			n = p.newNode(yaml.ScalarNode, plainTag(val), line, off+i)
			n.Value = val
			i = j
		}
		p.stack = append(p.stack, n)
		skip()
		if i == len(s) {
			return nil, 0, false
		}
		if s[i] == ']' {
			seq.Content = p.content(mark)
			return seq, i + 1, true
		}
		if s[i] != ',' {
			return nil, 0, false
		}
		i++
		skip()
		if i < len(s) && s[i] == ']' {
			return nil, 0, false // a trailing comma
		}
	}
}

// literal reads a literal block scalar (|, |- or |+) whose indicator is at
// byte off of line p.li, in a block collection at parent's indentation.
func (p *fastParser) literal(off, parent int) (*yaml.Node, bool) {
	line := p.li
	header := strings.TrimRight(p.rest(off+1), " ")
	chomp := byte(0)
	switch header {
	case "":
	case "-", "+":
		chomp = header[0]
	default:
		return nil, false // indentation indicators, comments
	}
	first := line + 1
	for first < len(p.lines) && p.lines[first].blank {
		first++
	}
	if first == len(p.lines) || p.lines[first].indent <= parent {
		return nil, false // empty
	}
	indent := p.lines[first].indent
	last, size := first, 0
	for i := line + 1; i < len(p.lines); i++ {
		l := p.lines[i]
		if l.blank {
			if l.end-l.start > indent {
				return nil, false // spaces that would be content
			}
			continue
		}
		if l.indent < indent {
			break
		}
		last = i
		size += l.end - l.start - indent + 1
	}
	var b strings.Builder
	b.Grow(size + (last - line))
	for i := line + 1; i <= last; i++ {
		l := p.lines[i]
		if !l.blank {
			b.WriteString(p.text[l.start+indent : l.end])
		}
		if i < last {
			b.WriteByte('\n')
		}
	}
	switch chomp {
	case 0:
		b.WriteByte('\n')
	case '+':
		b.WriteByte('\n')
		for i := last + 1; i < len(p.lines) && p.lines[i].blank; i++ {
			b.WriteByte('\n')
		}
	}
	n := p.newNode(yaml.ScalarNode, "!!str", line, off)
	n.Value, n.Style = b.String(), yaml.LiteralStyle
	p.li = last + 1
	return n, true
}

// plainTag is the tag yaml.v3 resolves a plain scalar to. Only text that
// starts like a number, a boolean, null or a float needs its resolver.
func plainTag(v string) string {
	if v == "" {
		return "!!null"
	}
	switch c := v[0]; {
	case c >= '0' && c <= '9', c == '+', c == '-', c == '.', c == '~', c == '<',
		c == 'y', c == 'Y', c == 'n', c == 'N', c == 't', c == 'T', c == 'f', c == 'F', c == 'o', c == 'O':
		n := yaml.Node{Kind: yaml.ScalarNode, Value: v}
		return n.ShortTag()
	}
	return "!!str"
}
