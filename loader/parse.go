package loader

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// limits are the bounds a single piece of YAML text is held to.
type limits struct {
	maxDepth int
	maxNodes int
}

// prescanLimit is the depth the byte-level guard allows: looser than the
// exact limit checked on the parsed tree, because the guard only estimates
// and must never refuse a file the exact check would accept.
func (lim limits) prescanLimit() int { return max(4*lim.maxDepth, 256) }

// parseStream checks text for encoding and nesting, then parses every YAML
// document in it into nodes. Nothing is decoded and no alias is expanded
// here; each document still has to pass checkTree before anyone decodes it.
// A parse failure ends the stream: the documents before it are returned.
func parseStream(text string, lim limits, a *fastArena) ([]*yaml.Node, *problem) {
	if p := checkEncoding(text); p != nil {
		return nil, p
	}
	if p := prescanDepth(text, lim.prescanLimit()); p != nil {
		return nil, p
	}
	return decodeNodes(text, lim, a)
}

func decodeNodes(text string, lim limits, a *fastArena) (docs []*yaml.Node, p *problem) {
	if docs, ok := fastParse(text, a); ok {
		return docs, nil
	}
	// The parser is a port of libyaml with internal panics for states it
	// considers impossible; a user's file must never take kiln down.
	defer func() {
		if r := recover(); r != nil {
			p = &problem{Line: 1, Column: 1, Rule: ruleYAML,
				Message: fmt.Sprintf("the YAML parser could not read this file: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(strings.NewReader(text))
	nodes := 0
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, syntaxProblem(err)
		}
		// Every document costs at least one node; this bounds streams of
		// millions of empty documents.
		nodes++
		if nodes > lim.maxNodes {
			return docs, &problem{Line: doc.Line, Column: doc.Column, Rule: ruleTooLarge,
				Message: fmt.Sprintf("the file holds more than %d YAML documents", lim.maxNodes)}
		}
		docs = append(docs, &doc)
	}
}

var lineRE = regexp.MustCompile(`^line (\d+): `)

// syntaxProblem turns a yaml.v3 error ("yaml: line 3: did not find expected
// key") into a problem at that line.
func syntaxProblem(err error) *problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := &problem{Rule: ruleYAML}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	p.Message = "invalid YAML: " + msg
	return p
}

// top is the content of a document node: the node a resource or document
// is made of.
func top(doc *yaml.Node) *yaml.Node {
	if doc != nil && doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil
		}
		return doc.Content[0]
	}
	return doc
}

// size is the expanded size and height of a subtree.
type size struct{ nodes, height int }

// treeChecker walks a parsed document before anything decodes it. It
// rejects duplicate mapping keys (yaml.v3 only reports them when decoding
// into a map or struct, and not at all into a yaml.Node), nesting deeper
// than maxDepth and documents whose aliases would expand to more than
// maxNodes nodes. Aliases are never expanded: the expanded size of each
// anchored node is computed once and reused.
type treeChecker struct {
	lim      limits
	memo     map[*yaml.Node]size
	active   map[*yaml.Node]bool
	aliases  bool
	problems []problem
}

func newTreeChecker(lim limits) *treeChecker {
	return &treeChecker{lim: lim, memo: map[*yaml.Node]size{}, active: map[*yaml.Node]bool{}}
}

// check returns the problems of one document; a document with problems must
// not be decoded. The same checker must be used for every document of a
// stream, because yaml.v3 lets an alias refer to an anchor of an earlier
// document.
func (c *treeChecker) check(doc *yaml.Node) []problem {
	c.problems, c.aliases = nil, false
	c.visit(doc, 0) // the document node itself is no nesting level
	return c.problems
}

func (c *treeChecker) fail(n *yaml.Node, rule, msg string) {
	c.problems = append(c.problems, problem{Line: n.Line, Column: n.Column, Rule: rule, Message: msg})
}

// visit returns the expanded size of n found at depth, and false once a
// limit is hit (the walk then stops: the document is refused anyway).
func (c *treeChecker) visit(n *yaml.Node, depth int) (size, bool) {
	if n == nil {
		return size{}, true
	}
	if depth > c.lim.maxDepth {
		c.fail(n, ruleDepth, fmt.Sprintf("the YAML nests deeper than %d levels", c.lim.maxDepth))
		return size{}, false
	}
	if n.Kind == yaml.AliasNode {
		return c.alias(n, depth)
	}
	if s, ok := c.memo[n]; ok {
		return s, true
	}
	if n.Anchor != "" {
		c.active[n] = true
		defer delete(c.active, n)
	}
	if n.Kind == yaml.MappingNode {
		c.duplicateKeys(n)
	}
	s := size{nodes: 1, height: 1}
	for _, child := range n.Content {
		cs, ok := c.visit(child, depth+1)
		if !ok {
			return s, false
		}
		s.nodes += cs.nodes
		s.height = max(s.height, cs.height+1)
		if s.nodes > c.lim.maxNodes {
			c.tooMany(child)
			return s, false
		}
	}
	if n.Anchor != "" {
		c.memo[n] = s
	}
	return s, true
}

func (c *treeChecker) alias(n *yaml.Node, depth int) (size, bool) {
	c.aliases = true
	target := n.Alias
	if target == nil {
		c.fail(n, ruleAlias, fmt.Sprintf("alias *%s refers to no anchor", n.Value))
		return size{}, false
	}
	if c.active[target] {
		c.fail(n, ruleAlias, fmt.Sprintf("alias *%s refers to the node that contains it; a value cannot include itself", n.Value))
		return size{}, false
	}
	s, ok := c.memo[target]
	if !ok {
		// The anchor was not measured yet (it lies in a part of the stream
		// this checker did not see); measure it from here.
		var good bool
		if s, good = c.visit(target, depth); !good {
			return s, false
		}
	}
	if depth-1+s.height > c.lim.maxDepth {
		c.fail(n, ruleDepth, fmt.Sprintf("alias *%s expands to YAML nested deeper than %d levels", n.Value, c.lim.maxDepth))
		return s, false
	}
	if s.nodes > c.lim.maxNodes {
		c.tooMany(n)
		return s, false
	}
	return s, true
}

func (c *treeChecker) tooMany(at *yaml.Node) {
	if c.aliases {
		c.fail(at, ruleAlias, fmt.Sprintf("the aliases in this document expand to more than %d YAML nodes (an alias bomb?); kiln refuses it", c.lim.maxNodes))
		return
	}
	c.fail(at, ruleTooLarge, fmt.Sprintf("the document has more than %d YAML nodes", c.lim.maxNodes))
}

// duplicateKeys reports every key of mapping n that repeats an earlier key.
// Keys compare by their text, which is how they end up in Resource.Value.
func (c *treeChecker) duplicateKeys(n *yaml.Node) {
	pairs := len(n.Content) / 2
	if pairs < 2 {
		return
	}
	if pairs <= 8 {
		for i := 2; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if !comparableKey(k) {
				continue
			}
			for j := 0; j < i; j += 2 {
				if sameKey(n.Content[j], k) {
					c.duplicate(n.Content[j], k)
					break
				}
			}
		}
		return
	}
	seen := make(map[string]*yaml.Node, pairs)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !comparableKey(k) {
			continue
		}
		v := keyText(k)
		if first, ok := seen[v]; ok {
			c.duplicate(first, k)
			continue
		}
		seen[v] = k
	}
}

func (c *treeChecker) duplicate(first, again *yaml.Node) {
	c.fail(again, ruleDuplicateKey, fmt.Sprintf("key %q is already defined at line %d; YAML keys must be unique", keyText(again), first.Line))
}

// comparableKey leaves out merge keys (<<), which may repeat, and
// collection keys, which the value converter refuses on its own.
func comparableKey(k *yaml.Node) bool {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	return k.Kind == yaml.ScalarNode && !isMerge(k)
}

func sameKey(a, b *yaml.Node) bool {
	return comparableKey(a) && keyText(a) == keyText(b)
}

func keyText(k *yaml.Node) string {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		return k.Alias.Value
	}
	return k.Value
}

func isMerge(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "<<" && n.Style == 0 && (n.Tag == "" || n.Tag == "!!merge" || n.Tag == "tag:yaml.org,2002:merge")
}
