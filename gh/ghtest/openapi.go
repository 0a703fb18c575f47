package ghtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// specURL names the converted description inside the schema compiler;
// responsesURL a copy whose schemas require nothing, against which the
// emulator's own answers are checked (it sends a subset of GitHub's fields,
// each with GitHub's type).
const (
	specURL      = "https://kiln.invalid/api.github.com.json"
	responsesURL = "https://kiln.invalid/responses.json"
)

// testdataDir is testdata/github at the root of the module, found from this
// source file so that tests of any package can use the emulator.
func testdataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "github")
}

// spec is GitHub's OpenAPI description, trimmed to kiln's operations, with
// every request schema compiled to JSON Schema (draft 4, whose rules match
// OpenAPI 3.0's, with `nullable` rewritten into types).
type spec struct {
	ops []*operation

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	doc      map[string]any
	respDoc  map[string]any
}

type operation struct {
	ID       string
	Method   string
	Template string
	re       *regexp.Regexp
	names    []string // path parameter names in order

	once      sync.Once
	params    []*param
	body      *jsonschema.Schema
	bodyReq   bool
	responses map[string]*jsonschema.Schema // by status code
	compiled  error
}

type param struct {
	name     string
	in       string
	required bool
	typ      string
	schema   *jsonschema.Schema
}

func loadSpec() (*spec, error) {
	file := filepath.Join(testdataDir(), "api.github.com.json")
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("ghtest: read OpenAPI description: %w", err)
	}
	docAny, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("ghtest: parse %s: %w", file, err)
	}
	doc, ok := docAny.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("ghtest: %s is not an object", file)
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		pathItem, _ := item.(map[string]any)
		for method, opAny := range pathItem {
			op, ok := opAny.(map[string]any)
			if !ok || method == "parameters" {
				continue
			}
			convertSchemas(op["requestBody"], true)
		}
	}
	convertSchemas(doc["components"], false)
	convertSchemas(doc["paths"], false)

	respAny, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("ghtest: parse %s: %w", file, err)
	}
	respDoc := respAny.(map[string]any)
	convertSchemas(respDoc, false)
	dropRequired(respDoc)

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.AssertFormat()
	if err := c.AddResource(specURL, doc); err != nil {
		return nil, fmt.Errorf("ghtest: add OpenAPI description: %w", err)
	}
	if err := c.AddResource(responsesURL, respDoc); err != nil {
		return nil, fmt.Errorf("ghtest: add OpenAPI description: %w", err)
	}
	s := &spec{compiler: c, doc: doc, respDoc: respDoc}
	for tmpl, item := range paths {
		pathItem, _ := item.(map[string]any)
		for method, opAny := range pathItem {
			op, ok := opAny.(map[string]any)
			if !ok || method == "parameters" {
				continue
			}
			id, _ := op["operationId"].(string)
			re, names := templateRegexp(tmpl)
			s.ops = append(s.ops, &operation{
				ID: id, Method: strings.ToUpper(method), Template: tmpl, re: re, names: names,
			})
		}
	}
	// Literal segments win over parameters: /a/b/x before /a/{p}/x.
	slices.SortFunc(s.ops, func(a, b *operation) int {
		return strings.Compare(strings.ReplaceAll(a.Template, "{", "~"), strings.ReplaceAll(b.Template, "{", "~"))
	})
	return s, nil
}

// convertSchemas rewrites OpenAPI 3.0 schema objects under v in place:
// `nullable: true` becomes a "null" type, and in request bodies (strict)
// objects that list their properties refuse unknown ones, so a misspelt
// field is an error rather than silently ignored.
func convertSchemas(v any, strict bool) {
	switch n := v.(type) {
	case []any:
		for _, e := range n {
			convertSchemas(e, strict)
		}
	case map[string]any:
		for k, e := range n {
			if k == "example" || k == "examples" {
				continue
			}
			convertSchemas(e, strict)
		}
		if nullable, _ := n["nullable"].(bool); nullable {
			delete(n, "nullable")
			switch t := n["type"].(type) {
			case string:
				n["type"] = []any{t, "null"}
				if enum, ok := n["enum"].([]any); ok && !slices.Contains(enum, nil) {
					n["enum"] = append(enum, nil)
				}
			case nil:
				inner := make(map[string]any, len(n))
				for k, e := range n {
					inner[k] = e
					delete(n, k)
				}
				n["anyOf"] = []any{map[string]any{"type": "null"}, inner}
			}
		}
		if strict {
			_, hasProps := n["properties"].(map[string]any)
			_, hasAdditional := n["additionalProperties"]
			_, hasAllOf := n["allOf"]
			if hasProps && !hasAdditional && !hasAllOf {
				n["additionalProperties"] = false
			}
		}
	}
}

// dropRequired removes every list of required properties under v. Without
// them alternatives overlap, so oneOf becomes anyOf.
func dropRequired(v any) {
	switch n := v.(type) {
	case []any:
		for _, e := range n {
			dropRequired(e)
		}
	case map[string]any:
		if _, ok := n["required"].([]any); ok {
			delete(n, "required")
		}
		if alts, ok := n["oneOf"].([]any); ok {
			delete(n, "oneOf")
			n["anyOf"] = alts
		}
		for k, e := range n {
			if k != "example" && k != "examples" {
				dropRequired(e)
			}
		}
	}
}

// templateRegexp turns /repos/{owner}/{repo}/contents/{path} into a regexp.
// A trailing {path} or the {ref} of git/ref may hold slashes.
func templateRegexp(tmpl string) (*regexp.Regexp, []string) {
	var b strings.Builder
	var names []string
	b.WriteString("^")
	rest := tmpl
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		j := strings.IndexByte(rest[i:], '}') + i
		b.WriteString(regexp.QuoteMeta(rest[:i]))
		name := rest[i+1 : j]
		names = append(names, name)
		last := j == len(rest)-1
		if last && (name == "path" || strings.HasSuffix(tmpl, "/git/ref/{ref}")) {
			b.WriteString("(.+)")
		} else {
			b.WriteString("([^/]+)")
		}
		rest = rest[j+1:]
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()), names
}

// match finds the operation for method and path and its path parameters.
// It reports whether any operation has the path (for 405 versus 404).
func (s *spec) match(method, path string) (*operation, map[string]string, bool) {
	pathKnown := false
	for _, op := range s.ops {
		m := op.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		pathKnown = true
		if op.Method != method {
			continue
		}
		params := make(map[string]string, len(op.names))
		for i, name := range op.names {
			params[name] = m[i+1]
		}
		return op, params, true
	}
	return nil, nil, pathKnown
}

// compile prepares the schemas of op on first use.
func (s *spec) compile(op *operation) error {
	op.once.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		op.compiled = s.compileLocked(op)
	})
	return op.compiled
}

func (s *spec) compileLocked(op *operation) error {
	base := "#/paths/" + pointerEscape(op.Template)
	pathItem := s.doc["paths"].(map[string]any)[op.Template].(map[string]any)
	raw := pathItem[strings.ToLower(op.Method)].(map[string]any)
	opPtr := base + "/" + strings.ToLower(op.Method)

	var list []struct {
		ptr string
		v   any
	}
	if shared, ok := pathItem["parameters"].([]any); ok {
		for i, p := range shared {
			list = append(list, struct {
				ptr string
				v   any
			}{fmt.Sprintf("%s/parameters/%d", base, i), p})
		}
	}
	if own, ok := raw["parameters"].([]any); ok {
		for i, p := range own {
			list = append(list, struct {
				ptr string
				v   any
			}{fmt.Sprintf("%s/parameters/%d", opPtr, i), p})
		}
	}
	for _, entry := range list {
		ptr, pm := s.deref(entry.ptr, entry.v)
		name, _ := pm["name"].(string)
		in, _ := pm["in"].(string)
		if in != "path" && in != "query" {
			continue
		}
		required, _ := pm["required"].(bool)
		p := &param{name: name, in: in, required: required || in == "path"}
		if sch, ok := pm["schema"].(map[string]any); ok {
			_, resolved := s.deref(ptr+"/schema", sch)
			p.typ, _ = resolved["type"].(string)
			compiled, err := s.compiler.Compile(specURL + ptr + "/schema")
			if err != nil {
				return fmt.Errorf("compile parameter %s of %s: %w", name, op.ID, err)
			}
			p.schema = compiled
		}
		op.params = append(op.params, p)
	}
	op.responses = map[string]*jsonschema.Schema{}
	respOp := s.respDoc["paths"].(map[string]any)[op.Template].(map[string]any)[strings.ToLower(op.Method)].(map[string]any)
	if responses, ok := respOp["responses"].(map[string]any); ok {
		for code, r := range responses {
			ptr, resp := derefIn(s.respDoc, opPtr+"/responses/"+code, r)
			content, _ := resp["content"].(map[string]any)
			media, ok := content["application/json"].(map[string]any)
			if !ok || media["schema"] == nil {
				continue
			}
			compiled, err := s.compiler.Compile(responsesURL + ptr + "/content/application~1json/schema")
			if err != nil {
				return fmt.Errorf("compile %s response of %s: %w", code, op.ID, err)
			}
			op.responses[code] = compiled
		}
	}
	if rb, ok := raw["requestBody"].(map[string]any); ok {
		ptr, body := s.deref(opPtr+"/requestBody", rb)
		op.bodyReq, _ = body["required"].(bool)
		content, _ := body["content"].(map[string]any)
		if media, ok := content["application/json"].(map[string]any); ok {
			if _, ok := media["schema"]; ok {
				compiled, err := s.compiler.Compile(specURL + ptr + "/content/application~1json/schema")
				if err != nil {
					return fmt.Errorf("compile request body of %s: %w", op.ID, err)
				}
				op.body = compiled
			}
		}
	}
	return nil
}

// deref follows a local $ref, returning the pointer and object it names.
func (s *spec) deref(ptr string, v any) (string, map[string]any) {
	return derefIn(s.doc, ptr, v)
}

func derefIn(doc map[string]any, ptr string, v any) (string, map[string]any) {
	m, _ := v.(map[string]any)
	for i := 0; i < 8; i++ {
		ref, ok := m["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#/") {
			return ptr, m
		}
		ptr = ref
		var cur any = doc
		for _, tok := range strings.Split(ref[2:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			obj, _ := cur.(map[string]any)
			cur = obj[tok]
		}
		m, _ = cur.(map[string]any)
	}
	return ptr, m
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// validate checks one request against op and returns every problem found.
func (s *spec) validate(op *operation, pathParams map[string]string, query url.Values, contentType string, body []byte) []string {
	if err := s.compile(op); err != nil {
		return []string{err.Error()}
	}
	var problems []string
	known := map[string]bool{}
	for _, p := range op.params {
		var raw string
		var present bool
		switch p.in {
		case "path":
			raw, present = pathParams[p.name]
		case "query":
			known[p.name] = true
			if vs, ok := query[p.name]; ok {
				raw, present = vs[0], true
			}
		}
		if !present {
			if p.required {
				problems = append(problems, fmt.Sprintf("%s parameter %q is required", p.in, p.name))
			}
			continue
		}
		if p.schema == nil {
			continue
		}
		if err := p.schema.Validate(coerce(p.typ, raw)); err != nil {
			problems = append(problems, fmt.Sprintf("%s parameter %q=%q: %v", p.in, p.name, raw, err))
		}
	}
	for name := range query {
		if !known[name] {
			problems = append(problems, fmt.Sprintf("query parameter %q is not defined for %s", name, op.ID))
		}
	}
	switch {
	case op.body == nil && len(bytes.TrimSpace(body)) > 0:
		problems = append(problems, fmt.Sprintf("%s takes no request body", op.ID))
	case op.body == nil:
	case len(bytes.TrimSpace(body)) == 0:
		if op.bodyReq {
			problems = append(problems, "request body is required")
		}
	default:
		if mt := strings.TrimSpace(strings.Split(contentType, ";")[0]); mt != "" && mt != "application/json" {
			problems = append(problems, fmt.Sprintf("content type %q, want application/json", contentType))
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			problems = append(problems, fmt.Sprintf("request body is not JSON: %v", err))
			break
		}
		if err := op.body.Validate(v); err != nil {
			problems = append(problems, fmt.Sprintf("request body: %v", err))
		}
	}
	return problems
}

// validateResponse checks a 2xx answer of the emulator against the
// operation's response schema for status.
func (s *spec) validateResponse(op *operation, status int, body []byte) error {
	if err := s.compile(op); err != nil {
		return err
	}
	sch, ok := op.responses[strconv.Itoa(status)]
	if !ok {
		if len(op.responses) > 0 {
			return fmt.Errorf("status %d is not a documented response", status)
		}
		return nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

// coerce turns a parameter's text into the JSON value its schema expects.
func coerce(typ, raw string) any {
	switch typ {
	case "integer", "number":
		if _, err := strconv.ParseFloat(raw, 64); err == nil {
			return json.Number(raw)
		}
	case "boolean":
		if b, err := strconv.ParseBool(raw); err == nil {
			return b
		}
	}
	return raw
}
