package loader

import (
	"errors"
	"io/fs"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// loadedDocument is an AWSTOE document file read once, however many
// components name it. ok is false when it could not be used (its problems
// were reported once, at the document file).
type loadedDocument struct {
	text  string
	tree  *model.Tree
	value map[string]any
	ok    bool
}

// attachDocument resolves a component's `document:` path or parses its
// inline `data:`. A component with both or neither is left to the schema
// validator.
func (l *loader) attachDocument(r *model.Resource, source string) {
	spec := model.Lookup(r.Node(), "spec")
	if spec == nil || spec.Kind != yaml.MappingNode {
		return
	}
	_, doc := field(spec, "document")
	_, data := field(spec, "data")
	// An alias stands for its anchor, which is where the text really is.
	doc, data = present(deref(doc)), present(deref(data))
	switch {
	case doc != nil && data != nil, doc == nil && data == nil:
		return
	case doc != nil:
		if doc.Kind == yaml.ScalarNode && doc.ShortTag() == "!!str" && doc.Value != "" {
			r.Document = l.documentFile(r, doc)
		}
	default:
		if data.Kind == yaml.ScalarNode && data.ShortTag() == "!!str" && data.Value != "" {
			r.Document = l.inlineDocument(r, data, source)
		}
	}
}

// present is n unless it is missing or null.
func present(n *yaml.Node) *yaml.Node {
	if n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null") {
		return nil
	}
	return n
}

// documentFile reads the file a component's `document:` names, relative to
// the component's folder, refusing paths and symlinks that leave the
// repository.
func (l *loader) documentFile(r *model.Resource, ref *yaml.Node) *model.Document {
	pos := model.PosOf(r.File, ref)
	id := r.ID().String()
	name := ref.Value
	switch {
	case strings.Contains(name, "://"):
		l.add(pos, ruleDocumentPath, id, "document %q must be a path to a file in the repository, relative to %s; to use a document from a URL, put it in the repository", name, r.File)
		return nil
	case strings.Contains(name, `\`):
		l.add(pos, ruleDocumentPath, id, "document %q: separate folders with / rather than \\", name)
		return nil
	case path.IsAbs(name):
		l.add(pos, ruleDocumentPath, id, "document %q must be relative to the component's folder, not absolute", name)
		return nil
	}
	file := path.Join(path.Dir(r.File), name)
	if file == ".." || strings.HasPrefix(file, "../") {
		l.add(pos, ruleDocumentPath, id, "document %q leads outside the repository (it resolves to %s); documents must live in the repository", name, file)
		return nil
	}
	real, err := l.resolve(file)
	var esc *escapeError
	switch {
	case errors.As(err, &esc):
		l.add(pos, ruleDocumentPath, id, "document %q: %v; documents must live in the repository", name, esc)
		return nil
	case errors.Is(err, fs.ErrNotExist):
		l.add(pos, ruleDocumentPath, id, "document %q does not exist (looked for %s)", name, file)
		return nil
	case err != nil:
		l.add(pos, ruleDocumentPath, id, "document %q cannot be read: %v", name, err)
		return nil
	}
	ld, ok := l.documents[real]
	if !ok {
		ld = l.readDocument(real, file, pos, id)
		l.documents[real] = ld
	}
	if !ld.ok {
		return nil
	}
	return &model.Document{File: file, Text: ld.text, Tree: ld.tree, Value: ld.value}
}

func (l *loader) readDocument(real, file string, ref finding.Pos, id string) *loadedDocument {
	// The walk read most documents already, as regular files.
	data, cached := l.plain[real]
	if cached {
		delete(l.plain, real)
	} else {
		fi, err := fs.Stat(l.fsys, real)
		if err != nil || fi.IsDir() {
			l.add(ref, ruleDocumentPath, id, "document %s is not a file", file)
			return &loadedDocument{}
		}
		var ok bool
		data, ok, err = l.readFile(real, file)
		if err != nil {
			l.add(ref, ruleDocumentPath, id, "document %s cannot be read: %v", file, err)
			return &loadedDocument{}
		}
		if !ok {
			return &loadedDocument{}
		}
	}
	l.noteFile(file)
	value, probs := l.parseDocument(data)
	for _, p := range probs {
		l.addProblem(file, p, 0, 0, id)
	}
	if len(probs) > 0 {
		return &loadedDocument{}
	}
	return &loadedDocument{text: data, tree: l.lazyTree(data, 0), value: value, ok: true}
}

// parseDocument parses an AWSTOE document under the same bounds as any
// resource; it must be one YAML document. Only its value is kept: its
// nodes are parsed again for positions (see lazyTree).
func (l *loader) parseDocument(text string) (map[string]any, []problem) {
	docs, p := parseStream(text, l.lim, &l.arena)
	if p != nil {
		return nil, []problem{*p}
	}
	if len(docs) == 0 {
		return nil, []problem{{Line: 1, Column: 1, Rule: ruleYAML, Message: "the AWSTOE document is empty"}}
	}
	if len(docs) > 1 {
		return nil, []problem{{Line: docs[1].Line, Column: docs[1].Column, Rule: ruleYAML,
			Message: "an AWSTOE document must be a single YAML document; this file holds more than one"}}
	}
	if probs := newTreeChecker(l.lim).check(docs[0]); len(probs) > 0 {
		return nil, probs
	}
	conv := &valueConverter{}
	value, _ := conv.value(top(docs[0])).(map[string]any)
	return value, conv.problems
}

// inlineDocument parses a component's inline `data:` and records where its
// text sits in the component's file, so that positions inside it land on
// the right line and column there.
func (l *loader) inlineDocument(r *model.Resource, data *yaml.Node, source string) *model.Document {
	lineOff, colOff := inlineOffsets(data, source)
	value, probs := l.parseDocument(data.Value)
	for _, p := range probs {
		l.addProblem(r.File, p, lineOff, colOff, r.ID().String())
	}
	if len(probs) > 0 {
		return nil
	}
	return &model.Document{File: r.File, Text: data.Value, Tree: l.lazyTree(data.Value, 0), Value: value,
		LineOffset: lineOff, ColumnOffset: colOff}
}

// inlineOffsets maps line 1, column 1 of a scalar's text to its place in
// the file. A block scalar's content starts on the line after the | or >
// indicator, indented by the block's indentation; folded lines (>) only map
// exactly where they were not folded. A quoted or plain scalar starts at
// the node (after the quote); only its first line maps exactly.
func inlineOffsets(n *yaml.Node, source string) (lineOff, colOff int) {
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return n.Line, blockIndent(source, n.Line)
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		return n.Line - 1, n.Column
	}
	return n.Line - 1, n.Column - 1
}

// blockIndent is the indentation of the first non-blank line after line
// (1-based) in source: the indentation of a block scalar whose indicator
// is on that line.
func blockIndent(source string, line int) int {
	rest := source
	for i := 0; i < line && len(rest) > 0; i++ {
		j := strings.IndexByte(rest, '\n')
		if j < 0 {
			return 0
		}
		rest = rest[j+1:]
	}
	for len(rest) > 0 {
		end := strings.IndexByte(rest, '\n')
		l := rest
		if end >= 0 {
			l = rest[:end]
		}
		indent := 0
		for indent < len(l) && l[indent] == ' ' {
			indent++
		}
		if len(strings.TrimSpace(l[indent:])) > 0 {
			return indent
		}
		if end < 0 {
			break
		}
		rest = rest[end+1:]
	}
	return 0
}
