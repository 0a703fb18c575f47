package schemas_test

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kiln-gitops/kiln/schemas"
)

// TestNoAbsoluteIDsOrRefs: no schema names an address of its own ($id) or
// of another schema ($ref with a scheme or host): an editor then resolves
// every $ref against wherever kiln.json was loaded from.
func TestNoAbsoluteIDsOrRefs(t *testing.T) {
	names, err := fs.Glob(schemas.FS(), "*.json")
	if err != nil || len(names) < 8 {
		t.Fatalf("schemas: %v %v", names, err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(schemas.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		walkJSON(doc, "", func(ptr, key string, v any) {
			s, _ := v.(string)
			switch key {
			case "$id":
				t.Errorf("%s%s: $id %q: the schemas must not say where they live", name, ptr, s)
			case "$ref":
				u, err := url.Parse(s)
				if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "/") {
					t.Errorf("%s%s: $ref %q is not relative", name, ptr, s)
				}
			}
		})
	}
}

func walkJSON(v any, ptr string, fn func(ptr, key string, v any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			fn(ptr, k, e)
			walkJSON(e, ptr+"/"+k, fn)
		}
	case []any:
		for i, e := range x {
			walkJSON(e, fmt.Sprintf("%s/%d", ptr, i), fn)
		}
	}
}

// TestSchemasLoadFromAnyServer: served over HTTP under an arbitrary
// prefix, as a release's raw files or a local server are, kiln.json
// compiles with every $ref fetched from that server, and validates.
func TestSchemasLoadFromAnyServer(t *testing.T) {
	srv := httptest.NewServer(http.StripPrefix("/kiln/v9.9.9/schemas/", http.FileServerFS(schemas.FS())))
	defer srv.Close()
	c := jsonschema.NewCompiler()
	fetched := map[string]bool{}
	c.UseLoader(httpLoader{t: t, fetched: fetched})
	s, err := c.Compile(srv.URL + "/kiln/v9.9.9/schemas/kiln.json")
	if err != nil {
		t.Fatalf("compile from %s: %v", srv.URL, err)
	}
	for _, want := range []string{"common.json", "image-recipe.json", "image-pipeline.json"} {
		if !fetched[srv.URL+"/kiln/v9.9.9/schemas/"+want] {
			t.Errorf("%s was not fetched from the server: %v", want, fetched)
		}
	}
	bad := map[string]any{"apiVersion": "kiln/v1", "kind": "ImagePipeline", "metadata": map[string]any{"name": "p"}, "spec": map[string]any{"nope": true}}
	if err := s.Validate(bad); err == nil {
		t.Error("an invalid pipeline validates")
	}
}

type httpLoader struct {
	t       *testing.T
	fetched map[string]bool
}

func (l httpLoader) Load(u string) (any, error) {
	l.fetched[u] = true
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
}
