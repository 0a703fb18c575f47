// Package apimodel reads AWS service models (the api-2.json format the AWS
// SDKs are generated from) and checks decoded JSON values against their
// shapes: required members, types, enums, string lengths and patterns,
// list and map sizes, numeric ranges. The Image Builder emulator uses it to
// hold every request (and, in tests, every answer) to the published model.
package apimodel

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
)

// Model is one service's API model.
type Model struct {
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
	// Unchecked lists patterns Go's regexp cannot compile (the models are
	// written for Java's); values are not checked against them.
	Unchecked []string `json:"-"`
}

// Metadata is the model's header.
type Metadata struct {
	APIVersion   string `json:"apiVersion"`
	Protocol     string `json:"protocol"`
	TargetPrefix string `json:"targetPrefix"`
	ServiceID    string `json:"serviceId"`
}

// Operation is one API call.
type Operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method     string `json:"method"`
		RequestURI string `json:"requestUri"`
	} `json:"http"`
	Input  *Ref  `json:"input"`
	Output *Ref  `json:"output"`
	Errors []Ref `json:"errors"`
}

// Ref is a reference to a shape, with where an input member travels.
type Ref struct {
	Shape        string `json:"shape"`
	Location     string `json:"location"`
	LocationName string `json:"locationName"`
}

// Shape is a type in the model.
type Shape struct {
	Type      string          `json:"type"`
	Required  []string        `json:"required"`
	Members   map[string]*Ref `json:"members"`
	Member    *Ref            `json:"member"`
	Key       *Ref            `json:"key"`
	Value     *Ref            `json:"value"`
	Enum      []string        `json:"enum"`
	Pattern   string          `json:"pattern"`
	Min       *float64        `json:"min"`
	Max       *float64        `json:"max"`
	Exception bool            `json:"exception"`
	Error     *struct {
		Code       string `json:"code"`
		StatusCode int    `json:"httpStatusCode"`
	} `json:"error"`

	re        *regexp.Regexp
	notPrefix string // from a leading (?!…) lookahead, which RE2 lacks
}

// Load reads an api-2.json model from fsys.
func Load(fsys fs.FS, path string) (*Model, error) {
	b, err := fs.ReadFile(fsys, path)
	if err != nil {
		return nil, fmt.Errorf("read model %s: %w", path, err)
	}
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse model %s: %w", path, err)
	}
	for name, sh := range m.Shapes {
		if sh.Pattern == "" {
			continue
		}
		re, notPrefix, err := compilePattern(sh.Pattern)
		sh.notPrefix = notPrefix
		if err != nil {
			m.Unchecked = append(m.Unchecked, name)
			continue
		}
		sh.re = re
	}
	sort.Strings(m.Unchecked)
	return &m, nil
}

// compilePattern translates a model's (Java) pattern to Go's RE2: \uXXXX
// escapes, repetition counts above RE2's 1000 (the shape's min and max
// still bound the length), and a leading negative lookahead of a literal,
// ^(?!aws:)…, which is returned to be checked on its own.
func compilePattern(p string) (*regexp.Regexp, string, error) {
	p = javaEscapes.ReplaceAllString(p, `\x{$1}`)
	p = bigRepeat.ReplaceAllString(p, "{$1,}")
	var notPrefix string
	if m := leadingLookahead.FindStringSubmatch(p); m != nil {
		notPrefix = m[1]
		p = "^" + p[len(m[0]):]
	}
	re, err := regexp.Compile(p)
	return re, notPrefix, err
}

var (
	bigRepeat        = regexp.MustCompile(`\{(\d+),\d{4,}\}`)
	leadingLookahead = regexp.MustCompile(`^\^\(\?!([A-Za-z0-9:_-]+)\)`)
)

// javaEscapes are the \uXXXX escapes of the models' (Java) patterns, which
// Go writes \x{XXXX}; up to six digits, as the models write code points
// beyond the BMP (\u10FFFF).
var javaEscapes = regexp.MustCompile(`\\u([0-9A-Fa-f]{4,6})`)

// MustLoad is Load for models embedded in the binary, whose failure is a
// build mistake.
func MustLoad(fsys fs.FS, path string) *Model {
	m, err := Load(fsys, path)
	if err != nil {
		panic(err)
	}
	return m
}
