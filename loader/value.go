package loader

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// valueConverter turns a checked node tree into plain JSON-like values:
// map[string]any, []any, string, int, float64, bool and nil, which is what
// JSON Schema and Rego see. It follows aliases (their expansion was bounded
// by treeChecker) and applies merge keys (<<) as yaml.v3 does when
// decoding: keys written in the mapping win over merged ones.
type valueConverter struct {
	problems []problem
}

func (c *valueConverter) value(n *yaml.Node) any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return c.value(n.Content[0])
	case yaml.AliasNode:
		return c.value(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, child := range n.Content {
			out[i] = c.value(child)
		}
		return out
	case yaml.MappingNode:
		return c.mapping(n)
	case yaml.ScalarNode:
		return scalarValue(n)
	}
	return nil
}

func (c *valueConverter) mapping(n *yaml.Node) map[string]any {
	out := make(map[string]any, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMerge(k) {
			merges = append(merges, v)
			continue
		}
		key, ok := c.key(k)
		if !ok {
			continue
		}
		out[key] = c.value(v)
	}
	for _, m := range merges {
		c.merge(out, m, n)
	}
	return out
}

// merge adds the keys of the mapping (or sequence of mappings) m that out
// does not hold yet; later mappings of a sequence win over earlier ones, as
// in yaml.v3, which is what the typed Spec sees too.
func (c *valueConverter) merge(out map[string]any, m *yaml.Node, parent *yaml.Node) {
	var sources []*yaml.Node
	switch deref(m).Kind {
	case yaml.MappingNode:
		sources = []*yaml.Node{deref(m)}
	case yaml.SequenceNode:
		for _, s := range deref(m).Content {
			if deref(s).Kind != yaml.MappingNode {
				c.problems = append(c.problems, problem{Line: s.Line, Column: s.Column, Rule: ruleYAML,
					Message: "a merge key (<<) takes a mapping or a list of mappings"})
				return
			}
			sources = append(sources, deref(s))
		}
	default:
		c.problems = append(c.problems, problem{Line: m.Line, Column: m.Column, Rule: ruleYAML,
			Message: "a merge key (<<) takes a mapping or a list of mappings"})
		return
	}
	explicit := make(map[string]bool, len(parent.Content)/2)
	for i := 0; i+1 < len(parent.Content); i += 2 {
		if !isMerge(parent.Content[i]) {
			explicit[keyText(parent.Content[i])] = true
		}
	}
	for _, src := range sources {
		for k, v := range c.mapping(src) {
			if !explicit[k] {
				out[k] = v
			}
		}
	}
}

func (c *valueConverter) key(k *yaml.Node) (string, bool) {
	k = deref(k)
	if k.Kind != yaml.ScalarNode {
		c.problems = append(c.problems, problem{Line: k.Line, Column: k.Column, Rule: ruleYAML,
			Message: "a mapping key must be a plain value, not a list or mapping"})
		return "", false
	}
	return k.Value, true
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// scalarValue uses the tag the parser resolved. Timestamps stay strings
// (JSON has no time type), and so do .inf and .nan, which JSON cannot hold.
func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		switch n.Value {
		case "true", "True", "TRUE":
			return true
		case "false", "False", "FALSE":
			return false
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return normInt(i)
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
		if strings.Contains(strings.ToLower(n.Value), "inf") || strings.Contains(strings.ToLower(n.Value), "nan") {
			return n.Value
		}
	case "!!str", "!!binary", "!!timestamp", "!!merge":
		return n.Value
	default:
		// Custom tags (!Ref, !Sub, ...) mean nothing to kiln: keep the text.
		return n.Value
	}
	return decodeScalar(n)
}

// decodeScalar asks yaml.v3 for the spellings the fast paths above leave
// out (0x1F, 0o17, 1_000, explicit !!bool tags).
func decodeScalar(n *yaml.Node) (v any) {
	defer func() {
		if recover() != nil {
			v = n.Value
		}
	}()
	var out any
	if err := n.Decode(&out); err != nil {
		return n.Value
	}
	switch x := out.(type) {
	case int:
		return x
	case int64:
		return normInt(x)
	case uint64:
		if x <= math.MaxInt64 {
			return normInt(int64(x))
		}
		return float64(x)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return n.Value
		}
		return x
	case bool, string, nil:
		return x
	case time.Time:
		return n.Value
	}
	return fmt.Sprint(out)
}

func normInt(i int64) any {
	if int64(int(i)) == i {
		return int(i)
	}
	return float64(i)
}
