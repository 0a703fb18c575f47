package loader

import (
	"fmt"
	"strings"

	"github.com/agnivade/levenshtein"
	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/model"
)

// apiGroup is what every kiln apiVersion starts with. Files without it are
// not kiln's (AWSTOE documents, CI settings, Helm charts...) and are not
// parsed at all unless a component names them.
const apiGroup = "kiln/"

// loadResourceFile reads one YAML file found by the walk and adds the kiln
// resources it holds.
func (l *loader) loadResourceFile(real, shown string) error {
	var data string
	if ld := l.documents[real]; ld != nil && ld.ok {
		data = ld.text // read already as a component's document
	} else {
		var ok bool
		var err error
		if data, ok, err = l.readFile(real, shown); err != nil || !ok {
			return err
		}
	}
	if !mayHoldResource(data) {
		if l.documents[real] == nil {
			l.plain[real] = data
		}
		return nil
	}
	docs, p := parseStream(data, l.lim, &l.arena)
	if p != nil {
		l.addProblem(shown, *p, 0, 0, "")
		if len(docs) == 0 {
			return nil
		}
	}
	checker := newTreeChecker(l.lim)
	for i, doc := range docs {
		if err := l.ctx.Err(); err != nil {
			return err
		}
		root := top(doc)
		if !l.isResource(root, shown) {
			continue
		}
		if probs := checker.check(doc); len(probs) > 0 {
			for _, p := range probs {
				l.addProblem(shown, p, 0, 0, "")
			}
			continue
		}
		l.addResource(root, shown, data, i)
	}
	return nil
}

// mayHoldResource reports whether text may hold a kiln resource and must
// be parsed to find out. A resource names kiln/ and has an apiVersion key;
// only a double-quoted key with escapes could spell that key without
// those letters, and only a UTF-16 or UTF-32 file could hide the bytes (it
// gets its encoding finding when parsed). AWSTOE documents, the most
// common other YAML files, often mention kiln/ in a path but never
// apiVersion, and are parsed once, as documents, rather than twice.
func mayHoldResource(text string) bool {
	if wideBOM(text) {
		return true
	}
	return strings.Contains(text, apiGroup) &&
		(strings.Contains(text, "apiVersion") || strings.Contains(text, `\`))
}

// isResource reports whether root is a kiln/v1 document with a known kind,
// reporting kiln documents with another version or an unknown kind. Only
// the top mapping's own keys are read, so this is safe before the tree
// checks.
func (l *loader) isResource(root *yaml.Node, shown string) bool {
	if root == nil || root.Kind != yaml.MappingNode {
		return false
	}
	apiKey, api := field(root, "apiVersion")
	if api == nil || api.Kind != yaml.ScalarNode || !strings.HasPrefix(api.Value, apiGroup) {
		return false
	}
	if api.Value != model.APIVersion {
		l.add(model.PosOf(shown, api), ruleAPIVersion, "",
			"apiVersion %q is not supported; this version of kiln reads %q", api.Value, model.APIVersion)
		return false
	}
	_, kind := field(root, "kind")
	if kind == nil {
		l.add(model.PosOf(shown, apiKey), ruleUnknownKind, "",
			"a %s document needs a kind: one of %s", model.APIVersion, kindList())
		return false
	}
	if kind.Kind != yaml.ScalarNode || !model.Kind(kind.Value).Valid() {
		msg := fmt.Sprintf("unknown kind %q: kiln knows %s", kind.Value, kindList())
		if s := suggestKind(kind.Value); s != "" {
			msg = fmt.Sprintf("unknown kind %q; did you mean %s? kiln knows %s", kind.Value, s, kindList())
		}
		l.add(model.PosOf(shown, kind), ruleUnknownKind, "", "%s", msg)
		return false
	}
	return true
}

// field returns the key and value nodes of a plain mapping entry, without
// following aliases.
func field(m *yaml.Node, name string) (key, value *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == name {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func kindList() string {
	kinds := model.Kinds()
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// suggestKind returns the kind a misspelt one most likely meant.
func suggestKind(s string) string {
	if len(s) > 64 {
		return "" // no kind is that long; spare the distance computation
	}
	best, bestDist := "", 4
	for _, k := range model.Kinds() {
		if strings.EqualFold(s, string(k)) {
			return string(k)
		}
		if d := levenshtein.ComputeDistance(strings.ToLower(s), strings.ToLower(string(k))); d < bestDist {
			best, bestDist = string(k), d
		}
	}
	return best
}

// addResource decodes a checked resource document, the index-th of the
// file source, and adds it. Its nodes are dropped once it is built (see
// model.Tree).
func (l *loader) addResource(root *yaml.Node, shown string, source string, index int) {
	_, kind := field(root, "kind")
	r := &model.Resource{Kind: model.Kind(kind.Value), File: shown, Tree: model.NodeTree(root)}
	defer func() { r.Tree = l.lazyTree(source, index) }()
	if md := model.Lookup(root, "metadata"); md != nil {
		// A partly wrong metadata block still yields the fields that are
		// right; the schema validator reports the rest precisely.
		_ = decodeNode(md, &r.Metadata)
	}
	conv := &valueConverter{}
	r.Value, _ = conv.value(root).(map[string]any)
	for _, p := range conv.problems {
		l.addProblem(shown, p, 0, 0, r.ID().String())
	}
	r.Spec = decodeSpec(r.Kind, model.Lookup(root, "spec"))
	if info, _ := r.Kind.Info(); info.HasDocument() {
		l.attachDocument(r, source)
	}
	if r.Metadata.Name != "" {
		id := r.ID()
		if first, ok := l.ids[id]; ok {
			l.add(r.At("metadata", "name"), ruleDuplicateResource, id.String(),
				"%s is already defined at %s; each resource (and each version of a component or recipe) must be defined once",
				id, first.Pos())
			return
		}
		l.ids[id] = r
	}
	l.repo.Resources = append(l.repo.Resources, r)
}

// lazyTree parses the index-th document of text again when a position in
// it is asked for.
func (l *loader) lazyTree(text string, index int) *model.Tree {
	lim := l.lim
	return model.LazyTree(func() *yaml.Node {
		docs, _ := parseStream(text, lim, nil)
		if index >= len(docs) {
			return nil
		}
		return top(docs[index])
	})
}

// decodeSpec decodes the spec into the typed spec of kind, or returns nil
// when the types do not fit: the schema validator reports that precisely.
func decodeSpec(kind model.Kind, spec *yaml.Node) any {
	out := model.NewSpec(kind)
	if out == nil {
		return nil
	}
	if spec == nil {
		return out
	}
	if err := decodeNode(spec, out); err != nil {
		return nil
	}
	return out
}

// decodeNode is yaml.Node.Decode that never panics.
func decodeNode(n *yaml.Node, out any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decode: %v", r)
		}
	}()
	return n.Decode(out)
}
