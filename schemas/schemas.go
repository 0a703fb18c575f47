// Package schemas holds kiln's JSON Schemas (one per resource kind, the
// repository settings and the AWSTOE document structure) and a compiled
// validator that turns schema violations into findings at the file, line
// and column of the offending value.
//
// The same files are written out for editors (`kiln schema --out DIR`): a
// resource file that starts with a modeline naming kiln.json by a relative
// path (`# yaml-language-server: $schema=../schemas/kiln.json`) gets
// completion, hover descriptions and live errors. The files carry no $id
// and refer to each other by relative $refs, so they work from wherever
// they are loaded: a folder, a raw URL of a tagged release, a local server.
package schemas

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

//go:embed *.json
var files embed.FS

// baseURL is where the compiler places the embedded files. It is no
// published address: the files have no $id, so their relative $refs
// resolve against whatever URL they were loaded from, here this one.
const baseURL = "file:///kiln/schemas/"

// Schema file names.
const (
	FileAny      = "kiln.json"
	FileConfig   = "kiln-config.json"
	FileDocument = "awstoe-document.json"
	FileCommon   = "common.json"
)

// KindFile is the schema file of kind k ("" for an unknown kind).
func KindFile(k model.Kind) string {
	info, _ := k.Info()
	return info.Schema
}

// FS returns the schema files, for serving or writing them out.
func FS() fs.FS { return files }

// Validator checks resources, settings and AWSTOE documents against the
// compiled schemas. It is immutable after New and safe for concurrent use.
type Validator struct {
	kinds    map[model.Kind]*jsonschema.Schema
	any      *jsonschema.Schema
	config   *jsonschema.Schema
	document *jsonschema.Schema
	// byLocation finds a compiled (sub)schema from an error's SchemaURL, for
	// descriptions and the property names a typo is compared with.
	byLocation map[string]*jsonschema.Schema
}

// New compiles every embedded schema once.
func New() (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, fmt.Errorf("list schemas: %w", err)
	}
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			return nil, fmt.Errorf("read schema %s: %w", e.Name(), err)
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
		if err != nil {
			return nil, fmt.Errorf("parse schema %s: %w", e.Name(), err)
		}
		if err := c.AddResource(baseURL+e.Name(), doc); err != nil {
			return nil, fmt.Errorf("add schema %s: %w", e.Name(), err)
		}
	}
	v := &Validator{kinds: map[model.Kind]*jsonschema.Schema{}, byLocation: map[string]*jsonschema.Schema{}}
	compile := func(name string) (*jsonschema.Schema, error) {
		s, err := c.Compile(baseURL + name)
		if err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", name, err)
		}
		index(s, v.byLocation)
		return s, nil
	}
	for _, k := range model.Kinds() {
		if v.kinds[k], err = compile(KindFile(k)); err != nil {
			return nil, err
		}
	}
	if v.any, err = compile(FileAny); err != nil {
		return nil, err
	}
	if v.config, err = compile(FileConfig); err != nil {
		return nil, err
	}
	if v.document, err = compile(FileDocument); err != nil {
		return nil, err
	}
	return v, nil
}

// noLoader keeps the compiler from reading files or the network: every
// schema it needs is embedded and added up front.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not embedded", url)
}

// Resource validates a resource against the schema of its kind (or, for an
// unknown kind, the dispatching schema, which names the valid kinds).
func (v *Validator) Resource(r *model.Resource) []finding.Finding {
	s, ok := v.kinds[r.Kind]
	if !ok {
		s = v.any
	}
	inst := instance(r.Value, r.Node)
	return v.findings(s, inst, func(p problem) finding.Finding {
		pos := r.At(p.path()...)
		if p.key {
			pos = r.KeyAt(p.path()...)
		}
		return newFinding(pos, r.ID().String(), p.msg)
	})
}

// Config validates .kiln.yaml. The loader keeps only the typed Config, so
// the plain value is decoded here from its node; a missing file (no node)
// is the default and always valid.
func (v *Validator) Config(c *model.Config) []finding.Finding {
	if c == nil || c.Node == nil {
		return nil
	}
	inst := instance(nil, func() *yaml.Node { return c.Node })
	if inst == nil {
		inst = map[string]any{} // an empty file is the defaults
	}
	return v.findings(v.config, inst, func(p problem) finding.Finding {
		pos := model.Locate(c.File, c.Node, p.path()...)
		if p.key {
			pos = model.LocateKey(c.File, c.Node, p.path()...)
		}
		return newFinding(pos, "", p.msg)
	})
}

// Document validates the structure of an AWSTOE document; the rules of the
// action modules and of variables are package awstoe's.
func (v *Validator) Document(d *model.Document) []finding.Finding {
	if d == nil {
		return nil
	}
	inst := instance(d.Value, d.Node)
	return v.findings(v.document, inst, func(p problem) finding.Finding {
		pos := d.At(p.path()...)
		if p.key {
			pos = d.KeyAt(p.path()...)
		}
		return newFinding(pos, "", p.msg)
	})
}

func (v *Validator) findings(s *jsonschema.Schema, inst any, at func(problem) finding.Finding) []finding.Finding {
	err := s.Validate(inst)
	if err == nil {
		return nil
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []finding.Finding{at(problem{msg: err.Error()})}
	}
	var out []finding.Finding
	for _, p := range v.problems(verr, inst) {
		out = append(out, at(p))
	}
	finding.Sort(out)
	return out
}

func newFinding(pos finding.Pos, resource, msg string) finding.Finding {
	return finding.Finding{
		Pos:      pos,
		Rule:     "schema",
		Severity: finding.SeverityError,
		Source:   finding.SourceValidate,
		Message:  msg,
		Resource: resource,
	}
}

// instance is the JSON-like value to validate: the loader's plain value
// when there is one, else the node decoded here (parsing it only then).
func instance(value map[string]any, node func() *yaml.Node) any {
	if value != nil {
		return normalize(value)
	}
	if node == nil {
		return nil
	}
	n := node()
	if n == nil {
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil
	}
	return normalize(v)
}
