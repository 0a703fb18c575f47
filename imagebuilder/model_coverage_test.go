package imagebuilder_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest/apimodel"
	awsmodels "github.com/kiln-gitops/kiln/testdata/aws"
)

// Coverage against the service model (issue 9, item 5): for every Image
// Builder operation kiln calls, the input members it sends and the output
// members it reads, read from kiln's source with full type information
// (which fields of the SDK's XInput, XOutput and types.T kiln sets and
// selects), and held to the service model in
// testdata/aws/imagebuilder/2019-12-02/api-2.json: a member kiln uses that
// the model does not have (renamed, dropped) or a required member kiln
// does not send (a model update added one) fails TestKilnUsesTheModel.

const (
	sdkService = "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	sdkTypes   = sdkService + "/types"
)

// use is what kiln does with one Go type of the SDK.
type use struct{ set, read map[string]bool }

// kilnSource type-checks package imagebuilder (not its tests) and returns,
// per SDK type name (CreateComponentInput, types.Distribution as
// "Distribution"), the fields kiln sets (composite literals, assignments)
// and reads (selectors).
func kilnSource(t *testing.T) map[string]*use {
	t.Helper()
	out, err := exec.Command("go", "list", "-export", "-deps", "-json=ImportPath,Export", ".").Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	exports := map[string]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct{ ImportPath, Export string }
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		exports[p.ImportPath] = p.Export
	}
	fset := token.NewFileSet()
	names, _ := filepath.Glob("*.go")
	var files []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if exports[path] == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(exports[path])
	})}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
	if _, err := conf.Check("github.com/kiln-gitops/kiln/imagebuilder", fset, files, info); err != nil {
		t.Fatalf("type-check imagebuilder: %v", err)
	}
	uses := map[string]*use{}
	of := func(typ types.Type) *use {
		for {
			p, ok := typ.(*types.Pointer)
			if !ok {
				break
			}
			typ = p.Elem()
		}
		named, ok := typ.(*types.Named)
		if !ok || named.Obj().Pkg() == nil {
			return nil
		}
		if pkg := named.Obj().Pkg().Path(); pkg != sdkService && pkg != sdkTypes {
			return nil
		}
		name := named.Obj().Name()
		if uses[name] == nil {
			uses[name] = &use{set: map[string]bool{}, read: map[string]bool{}}
		}
		return uses[name]
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if u := of(info.Types[n].Type); u != nil {
					for _, e := range n.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok {
							u.set[kv.Key.(*ast.Ident).Name] = true
						}
					}
				}
			case *ast.AssignStmt:
				for _, lhs := range n.Lhs {
					if sel, ok := lhs.(*ast.SelectorExpr); ok {
						if u := of(info.Types[sel.X].Type); u != nil {
							u.set[sel.Sel.Name] = true
						}
					}
				}
			case *ast.SelectorExpr:
				if s, ok := info.Selections[n]; ok && s.Kind() == types.FieldVal {
					if u := of(s.Recv()); u != nil {
						u.read[n.Sel.Name] = true
					}
				}
			}
			return true
		})
	}
	// An assignment's left side is a selector too; it is a write, not a read.
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if a, ok := n.(*ast.AssignStmt); ok {
				for _, lhs := range a.Lhs {
					if sel, ok := lhs.(*ast.SelectorExpr); ok {
						if u := of(info.Types[sel.X].Type); u != nil && !readElsewhere(files, info, sel) {
							delete(u.read, sel.Sel.Name)
						}
					}
				}
			}
			return true
		})
	}
	return uses
}

// readElsewhere reports whether the field sel names is also read outside
// assignments to it.
func readElsewhere(files []*ast.File, info *types.Info, target *ast.SelectorExpr) bool {
	lhs := map[*ast.SelectorExpr]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if a, ok := n.(*ast.AssignStmt); ok {
				for _, l := range a.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok {
						lhs[sel] = true
					}
				}
			}
			return true
		})
	}
	want := info.Selections[target]
	found := false
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && !lhs[sel] && sel.Sel.Name == target.Sel.Name {
				if s := info.Selections[sel]; s != nil && want != nil && types.Identical(s.Recv(), want.Recv()) {
					found = true
				}
			}
			return !found
		})
	}
	return found
}

// member is the model member of shape that Go field names, or "".
func member(m *apimodel.Model, shape, field string) string {
	for name := range m.Shapes[shape].Members {
		if strings.EqualFold(name, field) {
			return name
		}
	}
	return ""
}

// walk lists the member paths kiln uses under shape, by the Go types' use
// (set or read), descending into structures kiln uses in turn.
func walk(t *testing.T, m *apimodel.Model, uses map[string]*use, shape, goType, prefix string, sends bool, seen map[string]bool) []string {
	u := uses[goType]
	if u == nil || seen[goType] {
		return nil
	}
	seen[goType] = true
	defer delete(seen, goType)
	fields := u.read
	if sends {
		fields = u.set
	}
	var out []string
	for field := range fields {
		name := member(m, shape, field)
		if name == "" {
			t.Errorf("kiln uses %s.%s, which the model's %s does not have", goType, field, shape)
			continue
		}
		p := prefix + name
		out = append(out, p)
		target := m.Shapes[m.Shapes[shape].Members[name].Shape]
		sub := m.Shapes[shape].Members[name].Shape
		suffix := "."
		for target.Type == "list" {
			sub = target.Member.Shape
			target = m.Shapes[sub]
			suffix = "[]."
		}
		if target.Type == "structure" {
			out = append(out, walk(t, m, uses, sub, sub, p+suffix, sends, seen)...)
		}
	}
	sort.Strings(out)
	return out
}

// kilnUses is the table: per operation, member paths sent and read.
func kilnUses(t *testing.T) (map[string][2][]string, *apimodel.Model) {
	m, err := apimodel.Load(awsmodels.FS, awsmodels.ImageBuilder)
	if err != nil {
		t.Fatal(err)
	}
	uses := kilnSource(t)
	table := map[string][2][]string{}
	for goType := range uses {
		op, ok := strings.CutSuffix(goType, "Input")
		if !ok {
			continue
		}
		spec, ok := m.Operations[op]
		if !ok {
			t.Errorf("kiln builds %s, but the model has no operation %s", goType, op)
			continue
		}
		sends := walk(t, m, uses, spec.Input.Shape, goType, "", true, map[string]bool{})
		// The SDK fills clientToken itself (the model's idempotencyToken).
		if _, ok := m.Shapes[spec.Input.Shape].Members["clientToken"]; ok && !slices.Contains(sends, "clientToken") {
			sends = append(sends, "clientToken")
		}
		reads := walk(t, m, uses, spec.Output.Shape, op+"Output", "", false, map[string]bool{})
		table[op] = [2][]string{sends, reads}
	}
	return table, m
}

func TestKilnUsesTheModel(t *testing.T) {
	table, m := kilnUses(t)
	if len(table) == 0 {
		t.Fatal("found no Image Builder operation in kiln's source")
	}
	ops := make([]string, 0, len(table))
	for op := range table {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		sends, reads := table[op][0], table[op][1]
		t.Logf("%s\n  sends: %s\n  reads: %s", op, strings.Join(sends, ", "), strings.Join(reads, ", "))
		for _, r := range m.Required(m.Operations[op].Input.Shape, sends) {
			if !slices.Contains(sends, r) {
				t.Errorf("%s: the model requires %s, which kiln never sets", op, r)
			}
		}
	}
}
