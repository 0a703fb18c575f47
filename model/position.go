package model

import (
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
)

// PosOf is the position of node n in file.
func PosOf(file string, n *yaml.Node) finding.Pos {
	if n == nil {
		return finding.Pos{File: file}
	}
	return finding.Pos{File: file, Line: n.Line, Column: n.Column}
}

// Locate walks path (string keys, int indices; a string that parses as an
// integer also indexes a sequence, so JSON-pointer and Rego paths work)
// from n and returns the position of the value found, or of the deepest
// ancestor that exists.
func Locate(file string, n *yaml.Node, path ...any) finding.Pos {
	_, val := walk(n, path)
	return PosOf(file, val)
}

// LocateKey is Locate, but returns the position of the mapping key of the
// last path element when there is one.
func LocateKey(file string, n *yaml.Node, path ...any) finding.Pos {
	key, val := walk(n, path)
	if key != nil {
		return PosOf(file, key)
	}
	return PosOf(file, val)
}

// Lookup returns the node at path, or nil.
func Lookup(n *yaml.Node, path ...any) *yaml.Node {
	cur := n
	for _, p := range path {
		next, _ := step(cur, p)
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

func walk(n *yaml.Node, path []any) (key, val *yaml.Node) {
	cur := n
	var lastKey *yaml.Node
	for _, p := range path {
		next, k := step(cur, p)
		if next == nil {
			return nil, cur
		}
		cur, lastKey = next, k
	}
	return lastKey, cur
}

// step returns the child of n named by p and, for mappings, its key node.
func step(n *yaml.Node, p any) (child, key *yaml.Node) {
	if n == nil {
		return nil, nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		name, ok := p.(string)
		if !ok {
			name = strconv.Itoa(toInt(p))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				return n.Content[i+1], n.Content[i]
			}
		}
	case yaml.SequenceNode:
		i := -1
		switch v := p.(type) {
		case int:
			i = v
		case string:
			if x, err := strconv.Atoi(v); err == nil {
				i = x
			}
		default:
			i = toInt(p)
		}
		if i >= 0 && i < len(n.Content) {
			return n.Content[i], nil
		}
	}
	return nil, nil
}

func toInt(p any) int {
	switch v := p.(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	case uint:
		return int(v)
	}
	return -1
}
