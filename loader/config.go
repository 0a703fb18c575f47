package loader

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// loadConfig reads .kiln.yaml. A missing file gives the defaults; a broken
// one gives findings and whatever part of it decoded.
func (l *loader) loadConfig() (*model.Config, error) {
	const file = model.ConfigFile
	real, err := l.resolve(file)
	var esc *escapeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return model.DefaultConfig(), nil
	case errors.As(err, &esc):
		l.add(finding.Pos{File: file}, ruleSymlink, "", "%v; kiln does not follow it and uses the default settings", esc)
		return model.DefaultConfig(), nil
	case err != nil:
		return nil, err
	}
	fi, err := fs.Stat(l.fsys, real)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return model.DefaultConfig(), nil
	case err != nil:
		return nil, err
	}
	if fi.IsDir() {
		l.add(finding.Pos{File: file}, ruleConfig, "", "%s is a folder; it must be a file", file)
		return model.DefaultConfig(), nil
	}
	l.noteFile(file)
	data, ok, err := l.readFile(real, file)
	if err != nil || !ok {
		return model.DefaultConfig(), err
	}
	docs, p := parseStream(data, l.lim, &l.arena)
	if p != nil {
		l.addProblem(file, *p, 0, 0, "")
		return model.DefaultConfig(), nil
	}
	cfg := model.DefaultConfig()
	if len(docs) == 0 {
		return cfg, nil
	}
	if len(docs) > 1 {
		l.add(model.PosOf(file, docs[1]), ruleConfig, "", "%s must hold a single YAML document", file)
	}
	if probs := newTreeChecker(l.lim).check(docs[0]); len(probs) > 0 {
		for _, p := range probs {
			l.addProblem(file, p, 0, 0, "")
		}
		return cfg, nil
	}
	root := top(docs[0])
	if root == nil || (root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null") {
		return cfg, nil
	}
	if root.Kind != yaml.MappingNode {
		l.add(model.PosOf(file, root), ruleConfig, "", "%s must be a mapping of settings (roots, environments, policy, bake)", file)
		return cfg, nil
	}
	cfg.Node = root
	l.decodeConfig(data, root, cfg)
	for i := range cfg.Policy.Waivers {
		cfg.Policy.Waivers[i].Pos = model.Locate(file, root, "policy", "waivers", i)
	}
	return cfg, nil
}

// decodeConfig decodes the settings strictly: an unknown key is most likely
// a typo that would silently change what kiln does, so it is an error.
func (l *loader) decodeConfig(data string, root *yaml.Node, cfg *model.Config) {
	const file = model.ConfigFile
	dec := yaml.NewDecoder(strings.NewReader(data))
	dec.KnownFields(true)
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("line %d: cannot decode: %v", root.Line, r)
			}
		}()
		return dec.Decode(cfg)
	}()
	cfg.File = file
	var msgs []string
	var te *yaml.TypeError
	switch {
	case errors.As(err, &te):
		msgs = te.Errors
	case err != nil:
		msgs = []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	for _, m := range msgs {
		line := 0
		if sm := lineRE.FindStringSubmatch(m); sm != nil {
			line, _ = strconv.Atoi(sm[1])
			m = m[len(sm[0]):]
		}
		// A type error is about the value, which comes last on its line;
		// anything else (unknown keys) about the key, which comes first.
		col := columnAt(root, line, strings.HasPrefix(m, "cannot unmarshal"))
		l.add(finding.Pos{File: file, Line: line, Column: col}, ruleConfig, "", "%s: %s", file, humanTypeError(m))
	}
	// The decoder cannot pass KnownFields into the custom decoding of
	// environments; check their keys here.
	if envs := model.Lookup(root, "environments"); envs != nil && envs.Kind == yaml.MappingNode {
		known := slices.DeleteFunc(yamlFields(reflect.TypeFor[model.Environment]()), func(s string) bool { return s == "name" })
		for i := 1; i < len(envs.Content); i += 2 {
			e := envs.Content[i]
			if e.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(e.Content); j += 2 {
				k := e.Content[j]
				if !slices.Contains(known, k.Value) {
					l.add(model.PosOf(file, k), ruleConfig, "", "%s: unknown setting %q for environment %q; known settings: %s",
						file, k.Value, envs.Content[i-1].Value, strings.Join(known, ", "))
				}
			}
		}
	}
}

var (
	fieldNotFoundRE = regexp.MustCompile(`^field (\S+) not found in type model\.(\w+)$`)
	unmarshalRE     = regexp.MustCompile(`^cannot unmarshal !!(\w+) (.*)into (\S+)$`)
)

// humanTypeError rewrites yaml.v3's messages, which name Go types, in the
// words of the settings file.
func humanTypeError(m string) string {
	if sm := fieldNotFoundRE.FindStringSubmatch(m); sm != nil {
		return fmt.Sprintf("unknown setting %q (in %s)", sm[1], sm[2])
	}
	if sm := unmarshalRE.FindStringSubmatch(m); sm != nil {
		found := yamlTypeWord(sm[1])
		if v := strings.TrimSpace(sm[2]); v != "" {
			found += " " + v
		}
		return fmt.Sprintf("expected %s, found %s", goTypeWord(sm[3]), found)
	}
	return m
}

func goTypeWord(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "model."):
		return "a mapping"
	case t == "bool", t == "*bool":
		return "true or false"
	case strings.Contains(t, "int"):
		return "a whole number"
	case t == "string", t == "finding.Severity":
		return "a string"
	}
	return t
}

func yamlTypeWord(tag string) string {
	switch tag {
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "str":
		return "the string"
	case "int":
		return "the number"
	case "bool":
		return "the boolean"
	}
	return tag
}

// columnAt is the column of the first node starting on line, or with
// value set the first that is not a mapping key, so a decoding error that
// only names a line still lands on a column.
func columnAt(n *yaml.Node, line int, value bool) int {
	first, firstValue := 0, 0
	var walk func(n *yaml.Node, isKey bool, depth int)
	walk = func(n *yaml.Node, isKey bool, depth int) {
		if n == nil || depth > 1000 || n.Line > line || firstValue > 0 {
			return
		}
		if n.Line == line {
			if first == 0 {
				first = n.Column
			}
			// A block collection starts where its first entry does; the
			// entry is the better place.
			block := n.Kind != yaml.ScalarNode && n.Style&yaml.FlowStyle == 0
			if !isKey && !block && firstValue == 0 {
				firstValue = n.Column
			}
		}
		for i, c := range n.Content {
			walk(c, n.Kind == yaml.MappingNode && i%2 == 0, depth+1)
		}
	}
	if line > 0 {
		walk(n, false, 0)
	}
	if value && firstValue > 0 {
		return firstValue
	}
	return first
}

// yamlFields lists the yaml names of a struct's fields.
func yamlFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}
