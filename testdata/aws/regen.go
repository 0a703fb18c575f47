//go:build ignore

// regen writes the AWS service models under testdata/aws from the module
// cache: aws-sdk-go v1's published models (api-2, docs-2, examples-1),
// trimmed to the operations listed below, with the Image Builder members
// that the v2 SDK knows and the frozen v1 model does not layered on from
// the v2 SDK's Go sources (types, enums, validators, serializers, doc
// comments). Run it through regen.sh, which finds the module directories.
//
//	go run regen.go -v1 DIR -v2 DIR -out DIR
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// services lists what is kept of each model. An empty operation list keeps
// every operation (Image Builder: kiln's "every field" test reads all
// Create/Update inputs).
var services = []struct {
	name, version string
	ops           []string
}{
	{"imagebuilder", "2019-12-02", nil},
	{"ssm", "2014-11-06", []string{"PutParameter", "GetParameter", "GetParameters", "DeleteParameter"}},
	{"sts", "2011-06-15", []string{"AssumeRole", "GetCallerIdentity"}},
}

func main() {
	v1 := flag.String("v1", "", "directory of github.com/aws/aws-sdk-go in the module cache")
	v2 := flag.String("v2", "", "directory of github.com/aws/aws-sdk-go-v2/service/imagebuilder in the module cache")
	out := flag.String("out", ".", "testdata/aws")
	flag.Parse()
	if *v1 == "" || *v2 == "" {
		fail(fmt.Errorf("-v1 and -v2 are required"))
	}
	for _, svc := range services {
		src := filepath.Join(*v1, "models", "apis", svc.name, svc.version)
		dst := filepath.Join(*out, svc.name, svc.version)
		api := readJSON(filepath.Join(src, "api-2.json"))
		docs := readJSON(filepath.Join(src, "docs-2.json"))
		examples := readJSON(filepath.Join(src, "examples-1.json"))
		var added []string
		if svc.name == "imagebuilder" {
			l, err := newLayer(*v2, api, docs)
			if err != nil {
				fail(err)
			}
			added = append(l.run(), correct(api, docs)...)
		}
		if svc.ops != nil {
			trim(api, docs, examples, svc.ops)
		}
		if err := os.MkdirAll(dst, 0o755); err != nil {
			fail(err)
		}
		writeJSON(filepath.Join(dst, "api-2.json"), api)
		writeJSON(filepath.Join(dst, "docs-2.json"), docs)
		writeJSON(filepath.Join(dst, "examples-1.json"), examples)
		if svc.name == "imagebuilder" {
			text := "# Members, shapes, enum values and requirement changes layered on the\n" +
				"# aws-sdk-go v1.55.8 model from aws-sdk-go-v2/service/imagebuilder (see ../../VERSIONS).\n" +
				strings.Join(added, "\n") + "\n"
			if err := os.WriteFile(filepath.Join(dst, "v2-additions.txt"), []byte(text), 0o644); err != nil {
				fail(err)
			}
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "regen:", err)
	os.Exit(1)
}

type obj = map[string]any

func readJSON(path string) obj {
	b, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	var v obj
	if err := json.Unmarshal(b, &v); err != nil {
		fail(fmt.Errorf("%s: %w", path, err))
	}
	return v
}

func writeJSON(path string, v any) {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		fail(err)
	}
}

// trim keeps the listed operations and the shapes they reach.
func trim(api, docs, examples obj, keep []string) {
	ops := api["operations"].(obj)
	shapes := api["shapes"].(obj)
	reach := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if reach[name] {
			return
		}
		reach[name] = true
		sh, _ := shapes[name].(obj)
		for _, k := range []string{"member", "key", "value"} {
			if r, ok := sh[k].(obj); ok {
				visit(r["shape"].(string))
			}
		}
		if ms, ok := sh["members"].(obj); ok {
			for _, m := range ms {
				visit(m.(obj)["shape"].(string))
			}
		}
	}
	for name, op := range ops {
		if !slices.Contains(keep, name) {
			delete(ops, name)
			continue
		}
		o := op.(obj)
		for _, k := range []string{"input", "output"} {
			if r, ok := o[k].(obj); ok {
				visit(r["shape"].(string))
			}
		}
		if errs, ok := o["errors"].([]any); ok {
			for _, e := range errs {
				visit(e.(obj)["shape"].(string))
			}
		}
	}
	for name := range shapes {
		if !reach[name] {
			delete(shapes, name)
		}
	}
	if dops, ok := docs["operations"].(obj); ok {
		for name := range dops {
			if _, ok := ops[name]; !ok {
				delete(dops, name)
			}
		}
	}
	if dsh, ok := docs["shapes"].(obj); ok {
		for name, d := range dsh {
			if !reach[name] {
				delete(dsh, name)
				continue
			}
			refs, _ := d.(obj)["refs"].(obj)
			for ref := range refs {
				if !reach[strings.SplitN(ref, "$", 2)[0]] {
					delete(refs, ref)
				}
			}
		}
	}
	if ex, ok := examples["examples"].(obj); ok {
		for name := range ex {
			if _, ok := ops[name]; !ok {
				delete(ex, name)
			}
		}
	}
}

// corrections are where the service, as documented, departs from the
// model's constraints; each names its source.
var corrections = []struct {
	shape, member, newShape, pattern, why string
}{
	{"CreateImageRecipeRequest", "semanticVersion", "VersionNumberWithWildcardPatch", `^[0-9]+\.[0-9]+\.([0-9]+|x)$`,
		"a wildcard patch (1.0.x) picks the next patch version (November 2025 auto-versioning release)"},
	{"CreateContainerRecipeRequest", "semanticVersion", "VersionNumberWithWildcardPatch", `^[0-9]+\.[0-9]+\.([0-9]+|x)$`,
		"as for image recipes"},
	{"LifecyclePolicyResourceSelectionRecipe", "semanticVersion", "VersionNumberWildcard", `^([0-9]+|x)\.([0-9]+|x)\.([0-9]+|x)$`,
		"wildcard recipe versions in lifecycle policies (February 2026 release; userguide ibhow-semantic-versioning.html)"},
	{"Image", "version", "ImageBuildVersionNumber", `^[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$`,
		"an image's version carries its build number, 1.0.0/1 (AWS CLI reference, imagebuilder get-image example)"},
	{"ImageSummary", "version", "ImageBuildVersionNumber", `^[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$`,
		"as for Image"},
	{"WorkflowSummary", "arn", "WorkflowBuildVersionArn", "",
		"ListWorkflowBuildVersions lists build versions; the model's WorkflowNameArn admits only x.x.x (an assumption: ComponentSummary.arn, its twin, is a build version ARN)"},
}

func correct(api, docs obj) []string {
	shapes := api["shapes"].(obj)
	var notes []string
	for _, c := range corrections {
		sh, ok := shapes[c.shape].(obj)
		if !ok {
			fail(fmt.Errorf("correction: no shape %s", c.shape))
		}
		m, ok := sh["members"].(obj)[c.member].(obj)
		if !ok {
			fail(fmt.Errorf("correction: no member %s.%s", c.shape, c.member))
		}
		m["shape"] = c.newShape
		if c.pattern == "" {
			// an existing shape
			if _, ok := shapes[c.newShape]; !ok {
				fail(fmt.Errorf("correction: no shape %s", c.newShape))
			}
			notes = append(notes, fmt.Sprintf("corrected %s.%s -> %s: %s", c.shape, c.member, c.newShape, c.why))
			continue
		}
		shapes[c.newShape] = obj{"type": "string", "pattern": c.pattern}
		dsh := docs["shapes"].(obj)
		if _, ok := dsh[c.newShape]; !ok {
			dsh[c.newShape] = obj{"base": nil, "refs": obj{}}
		}
		notes = append(notes, fmt.Sprintf("corrected %s.%s -> %s %s: %s", c.shape, c.member, c.newShape, c.pattern, c.why))
	}
	return notes
}

// layer adds to the v1 model what the v2 SDK's Go sources know.
type layer struct {
	api, docs      obj
	ops, shapes    obj
	structs        map[string]*ast.StructType // type name (types.X or XInput/XOutput) → struct
	docsOf         map[string]map[string]string
	enums          map[string][]string
	required       map[string][]string // struct name → Go field names
	jsonName       map[string]string   // lower-case → wire name
	query, uri     map[string]map[string]string
	opHTTP         map[string][2]string // op → method, path
	opDoc          map[string]string
	added          []string
	visitedStructs map[string]bool
}

func newLayer(dir string, api, docs obj) (*layer, error) {
	l := &layer{
		api: api, docs: docs,
		ops:     api["operations"].(obj),
		shapes:  api["shapes"].(obj),
		structs: map[string]*ast.StructType{}, docsOf: map[string]map[string]string{},
		enums: map[string][]string{}, required: map[string][]string{}, jsonName: map[string]string{},
		query: map[string]map[string]string{}, uri: map[string]map[string]string{},
		opHTTP: map[string][2]string{}, opDoc: map[string]string{}, visitedStructs: map[string]bool{},
	}
	files, _ := filepath.Glob(filepath.Join(dir, "api_op_*.go"))
	files = append(files, filepath.Join(dir, "types", "types.go"), filepath.Join(dir, "types", "enums.go"))
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, d := range file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && d.Doc != nil && strings.HasPrefix(filepath.Base(f), "api_op_") {
					if star, ok := d.Recv.List[0].Type.(*ast.StarExpr); ok && star.X.(*ast.Ident).Name == "Client" {
						l.opDoc[d.Name.Name] = cleanDoc(d.Doc.Text())
					}
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.TypeSpec:
						if st, ok := sp.Type.(*ast.StructType); ok {
							l.structs[sp.Name.Name] = st
							m := map[string]string{}
							for _, fld := range st.Fields.List {
								if len(fld.Names) == 1 && fld.Doc != nil {
									m[fld.Names[0].Name] = cleanDoc(fld.Doc.Text())
								}
							}
							l.docsOf[sp.Name.Name] = m
						}
					case *ast.ValueSpec:
						if d.Tok == token.CONST && sp.Type != nil && len(sp.Values) == 1 {
							if id, ok := sp.Type.(*ast.Ident); ok {
								if lit, ok := sp.Values[0].(*ast.BasicLit); ok {
									l.enums[id.Name] = append(l.enums[id.Name], strings.Trim(lit.Value, `"`))
								}
							}
						}
					}
				}
			}
		}
	}
	if err := l.readGenerated(dir); err != nil {
		return nil, err
	}
	return l, nil
}

var (
	reValidate = regexp.MustCompile(`(?s)func validate(?:Op)?(\w+)\(v \*(?:types\.)?(\w+)\) error \{(.*?)\n\}`)
	reRequired = regexp.MustCompile(`(?s)if (?:v\.(\w+) == nil|len\(v\.(\w+)\) == 0) \{\s*invalidParams\.Add\(smithy\.NewErrParamRequired`)
	reKey      = regexp.MustCompile(`(?:object\.Key|SetQuery|SetURI|case)\(?"([A-Za-z0-9_]+)"`)
	reBinding  = regexp.MustCompile(`(?s)func awsRestjson1_serializeOpHttpBindings(\w+)Input\(v \*\w+, encoder \*httpbinding\.Encoder\) error \{(.*?)\n\}`)
	reSetQuery = regexp.MustCompile(`if v\.(\w+)[^\n]*\{\s*encoder\.Set(Query|URI)\("([^"]+)"\)`)
	reOpPath   = regexp.MustCompile(`(?s)func \(m \*awsRestjson1_serializeOp(\w+)\) HandleSerialize.*?httpbinding\.SplitURI\("([^"]+)"\).*?request\.Method = "(\w+)"`)
)

func (l *layer) readGenerated(dir string) error {
	val, err := os.ReadFile(filepath.Join(dir, "validators.go"))
	if err != nil {
		return err
	}
	for _, m := range reValidate.FindAllStringSubmatch(string(val), -1) {
		for _, r := range reRequired.FindAllStringSubmatch(m[3], -1) {
			l.required[m[2]] = append(l.required[m[2]], r[1]+r[2])
		}
		if _, ok := l.required[m[2]]; !ok {
			l.required[m[2]] = []string{}
		}
	}
	for _, name := range []string{"serializers.go", "deserializers.go"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		for _, m := range reKey.FindAllStringSubmatch(string(b), -1) {
			l.jsonName[strings.ToLower(m[1])] = m[1]
		}
		if name != "serializers.go" {
			continue
		}
		for _, m := range reBinding.FindAllStringSubmatch(string(b), -1) {
			for _, q := range reSetQuery.FindAllStringSubmatch(m[2], -1) {
				target := l.query
				if q[2] == "URI" {
					target = l.uri
				}
				if target[m[1]] == nil {
					target[m[1]] = map[string]string{}
				}
				target[m[1]][q[1]] = q[3]
			}
		}
		for _, m := range reOpPath.FindAllStringSubmatch(string(b), -1) {
			l.opHTTP[m[1]] = [2]string{m[3], m[2]}
		}
	}
	return nil
}

var reDocLink = regexp.MustCompile(`\[([^\]]+)\]`)

func cleanDoc(s string) string {
	s = strings.ReplaceAll(s, "This member is required.", "")
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "[") && strings.Contains(line, "]: http") {
			continue
		}
		keep = append(keep, line)
	}
	s = reDocLink.ReplaceAllString(strings.Join(keep, " "), "$1")
	return "<p>" + strings.Join(strings.Fields(s), " ") + "</p>"
}

func (l *layer) wire(field string) string {
	if n, ok := l.jsonName[strings.ToLower(field)]; ok {
		return n
	}
	return strings.ToLower(field[:1]) + field[1:]
}

func (l *layer) note(format string, args ...any) {
	l.added = append(l.added, fmt.Sprintf(format, args...))
}

func (l *layer) run() []string {
	var names []string
	for n := range l.structs {
		if strings.HasSuffix(n, "Input") {
			names = append(names, strings.TrimSuffix(n, "Input"))
		}
	}
	sort.Strings(names)
	for _, op := range names {
		if _, ok := l.structs[op+"Output"]; !ok {
			continue
		}
		o, ok := l.ops[op].(obj)
		if !ok {
			http, ok := l.opHTTP[op]
			if !ok {
				continue
			}
			o = obj{
				"name":   op,
				"http":   obj{"method": http[0], "requestUri": http[1], "responseCode": 200},
				"input":  obj{"shape": op + "Request"},
				"output": obj{"shape": op + "Response"},
				"errors": []any{},
			}
			l.ops[op] = o
			l.docs["operations"].(obj)[op] = l.opDoc[op]
			l.note("operation %s (%s %s)", op, http[0], http[1])
		}
		in := o["input"].(obj)["shape"].(string)
		out := o["output"].(obj)["shape"].(string)
		l.structure(in, op+"Input", op, true)
		l.structure(out, op+"Output", "", false)
	}
	sort.Strings(l.added)
	return l.added
}

// structure makes shape name agree with the Go struct goName: missing
// members are added, and for input shapes the required list is the v2
// validator's. op names the operation whose HTTP bindings apply.
func (l *layer) structure(name, goName, op string, input bool) {
	key := fmt.Sprint(name, "/", goName, "/", input)
	if l.visitedStructs[key] {
		return
	}
	l.visitedStructs[key] = true
	st := l.structs[goName]
	sh, ok := l.shapes[name].(obj)
	if !ok {
		sh = obj{"type": "structure", "members": obj{}}
		l.shapes[name] = sh
		l.docShape(name)
		l.note("shape %s (structure)", name)
	}
	members, _ := sh["members"].(obj)
	if members == nil {
		members = obj{}
		sh["members"] = members
	}
	for _, fld := range st.Fields.List {
		if len(fld.Names) != 1 || !fld.Names[0].IsExported() {
			continue
		}
		field := fld.Names[0].Name
		wire := l.wire(field)
		if loc, ok := l.query[op][field]; ok {
			wire = loc
		}
		if loc, ok := l.uri[op][field]; ok {
			wire = loc
		}
		m, exists := members[wire].(obj)
		target := l.typeShape(fld.Type, name, wire, input)
		if target == "" {
			continue
		}
		if !exists {
			m = obj{"shape": target}
			if loc, ok := l.query[op][field]; ok {
				m["location"], m["locationName"] = "querystring", loc
			}
			if loc, ok := l.uri[op][field]; ok {
				m["location"], m["locationName"] = "uri", loc
			}
			members[wire] = m
			l.docRef(target, name+"$"+wire, l.docsOf[goName][field])
			l.note("member %s.%s (%s)", name, wire, target)
		}
	}
	if !input {
		return
	}
	req, known := l.required[goName]
	if !known && op == "" {
		// A nested type without a validator keeps the v1 model's list.
		return
	}
	var want []any
	for _, f := range req {
		want = append(want, l.wire(f))
	}
	// A member with a zero value (bool, int32, …) cannot be checked by a
	// Go validator; the v1 model's word on it stands.
	if r, ok := sh["required"].([]any); ok {
		for _, fld := range st.Fields.List {
			if id, ok := fld.Type.(*ast.Ident); ok && len(fld.Names) == 1 && slices.Contains([]string{"bool", "int32", "int64", "float64"}, id.Name) {
				if w := l.wire(fld.Names[0].Name); slices.Contains(r, any(w)) && !slices.Contains(want, any(w)) {
					want = append(want, w)
				}
			}
		}
	}
	slices.SortFunc(want, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
	var had []any
	if r, ok := sh["required"].([]any); ok {
		had = slices.Clone(r)
	}
	slices.SortFunc(had, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
	if fmt.Sprint(had) != fmt.Sprint(want) {
		if len(want) == 0 {
			delete(sh, "required")
		} else {
			sh["required"] = want
		}
		l.note("required %s: %v -> %v", name, had, want)
	}
}

// typeShape names the shape for a Go type, creating it when the v1 model
// has none, and walks into structs.
func (l *layer) typeShape(t ast.Expr, parent, member string, input bool) string {
	switch t := t.(type) {
	case *ast.StarExpr:
		return l.typeShape(t.X, parent, member, input)
	case *ast.Ident:
		switch t.Name {
		case "string":
			return l.primitive("String", "string")
		case "bool":
			return l.primitive("Boolean", "boolean")
		case "int32":
			return l.primitive("Integer", "integer")
		case "int64":
			return l.primitive("Long", "long")
		case "float64":
			return l.primitive("Double", "double")
		}
		// types.go names its own types without the package.
		return l.named(t.Name, input)
	case *ast.SelectorExpr:
		pkg := t.X.(*ast.Ident).Name
		switch {
		case pkg == "time" && t.Sel.Name == "Time":
			return l.primitive("Timestamp", "timestamp")
		case pkg == "types":
			return l.named(t.Sel.Name, input)
		case pkg == "document":
			return ""
		}
		return ""
	case *ast.ArrayType:
		elem := l.typeShape(t.Elt, parent, member, input)
		if elem == "" {
			return ""
		}
		name := elem + "List"
		if s, ok := l.shapes[name].(obj); ok && s["type"] == "list" && s["member"].(obj)["shape"] == elem {
			return name
		}
		var lists []string
		for n, s := range l.shapes {
			if s := s.(obj); s["type"] == "list" && s["member"].(obj)["shape"] == elem {
				lists = append(lists, n)
			}
		}
		if len(lists) > 0 {
			sort.Strings(lists)
			return lists[0]
		}
		l.shapes[name] = obj{"type": "list", "member": obj{"shape": elem}}
		l.docShape(name)
		l.note("shape %s (list of %s)", name, elem)
		return name
	case *ast.MapType:
		for _, n := range []string{"TagMap", "StringMap"} {
			if _, ok := l.shapes[n]; ok && n == "TagMap" && strings.Contains(strings.ToLower(member), "tag") {
				return n
			}
		}
		if _, ok := l.shapes["StringMap"]; !ok {
			l.shapes["StringMap"] = obj{"type": "map", "key": obj{"shape": l.primitive("String", "string")}, "value": obj{"shape": l.primitive("String", "string")}}
			l.docShape("StringMap")
			l.note("shape StringMap (map of String)")
		}
		return "StringMap"
	}
	return ""
}

func (l *layer) primitive(name, typ string) string {
	if s, ok := l.shapes[name].(obj); ok && s["type"] == typ {
		return name
	}
	if _, ok := l.shapes[name]; ok {
		name = "Layered" + name
		if _, ok := l.shapes[name]; ok {
			return name
		}
	}
	l.shapes[name] = obj{"type": typ}
	l.docShape(name)
	l.note("shape %s (%s)", name, typ)
	return name
}

// named is a types.X: an enum or a struct.
func (l *layer) named(name string, input bool) string {
	if vals, ok := l.enums[name]; ok {
		sh, exists := l.shapes[name].(obj)
		if !exists {
			sh = obj{"type": "string"}
			l.shapes[name] = sh
			l.docShape(name)
			l.note("shape %s (enum %v)", name, vals)
		}
		var had []string
		if e, ok := sh["enum"].([]any); ok {
			for _, v := range e {
				had = append(had, v.(string))
			}
		}
		var grown []any
		for _, v := range had {
			grown = append(grown, v)
		}
		for _, v := range vals {
			if !slices.Contains(had, v) {
				grown = append(grown, v)
				if exists {
					l.note("enum %s += %s", name, v)
				}
			}
		}
		sh["enum"] = grown
		return name
	}
	if _, ok := l.structs[name]; ok {
		l.structure(name, name, "", input)
		return name
	}
	return ""
}

func (l *layer) docShape(name string) {
	dsh := l.docs["shapes"].(obj)
	if _, ok := dsh[name]; !ok {
		dsh[name] = obj{"base": nil, "refs": obj{}}
	}
}

func (l *layer) docRef(target, ref, doc string) {
	if doc == "" {
		return
	}
	l.docShape(target)
	d := l.docs["shapes"].(obj)[target].(obj)
	refs, _ := d["refs"].(obj)
	if refs == nil {
		refs = obj{}
		d["refs"] = refs
	}
	refs[ref] = doc
}
