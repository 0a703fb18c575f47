package model

import (
	"sync"

	"go.yaml.in/yaml/v3"
)

// Tree is the YAML node tree of a resource or document, which findings
// point into. Nodes take about ten times the bytes of their text, and the
// model is built from them once; so the loader lets them go and a Tree
// parses its text again on the first position asked of it, which only a
// finding does. A large repository's check then holds its values, not its
// nodes.
type Tree struct {
	once  sync.Once
	node  *yaml.Node
	parse func() *yaml.Node
}

// NodeTree is a tree whose nodes are kept.
func NodeTree(n *yaml.Node) *Tree {
	t := &Tree{node: n}
	t.once.Do(func() {})
	return t
}

// LazyTree is a tree parsed by parse on first use; parse must give the
// nodes the loader built the model from (the same text, the same parser).
func LazyTree(parse func() *yaml.Node) *Tree { return &Tree{parse: parse} }

// Node is the tree's top node; nil for a nil Tree or text that no longer
// parses.
func (t *Tree) Node() *yaml.Node {
	if t == nil {
		return nil
	}
	t.once.Do(func() {
		t.node = t.parse()
		t.parse = nil
	})
	return t.node
}
