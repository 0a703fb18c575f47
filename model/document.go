package model

import (
	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
)

// Document is a component's AWSTOE document, read from the file its
// `document:` names or from its inline `data:`. Plain AWSTOE files stay
// usable with `awstoe validate` and `awstoe run`.
type Document struct {
	// File is where the document lives; for inline data it is the
	// component's own file.
	File string
	// Text is the document as Image Builder receives it (the `data` field).
	Text string
	// Tree holds the parsed document's top node; positions inside it are
	// relative to Text and shifted by LineOffset and ColumnOffset.
	Tree  *Tree
	Value map[string]any
	// LineOffset and ColumnOffset map positions inside Text to positions in
	// File: zero for a separate file, the block scalar's place for inline
	// data.
	LineOffset, ColumnOffset int
}

// Node is the document's top node; nil without a tree.
func (d *Document) Node() *yaml.Node { return d.Tree.Node() }

// At is the position in File of the value at path inside the document.
func (d *Document) At(path ...any) finding.Pos {
	return d.shift(Locate(d.File, d.Node(), path...))
}

// KeyAt is the position in File of the key of the value at path.
func (d *Document) KeyAt(path ...any) finding.Pos {
	return d.shift(LocateKey(d.File, d.Node(), path...))
}

// PosOf is the position in File of a node inside the document.
func (d *Document) PosOf(n *yaml.Node) finding.Pos { return d.shift(PosOf(d.File, n)) }

func (d *Document) shift(p finding.Pos) finding.Pos {
	if p.Line > 0 {
		p.Line += d.LineOffset
		p.Column += d.ColumnOffset
	}
	return p
}
