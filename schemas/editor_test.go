package schemas_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/check"
)

// The editor test drives the real yaml-language-server (npm package
// yaml-language-server, the version .ci/run installs) over stdio with the
// schema store off, so it works offline exactly as an editor would with
// the modelines the examples carry. CI sets KILN_REQUIRE_YAML_LANGUAGE_SERVER
// so a missing server fails there; elsewhere the test skips without it.
// KILN_YAML_LANGUAGE_SERVER names the executable when it is not on PATH.

func languageServer(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("KILN_YAML_LANGUAGE_SERVER")
	if bin == "" {
		bin, _ = exec.LookPath("yaml-language-server")
	}
	if bin == "" {
		if os.Getenv("KILN_REQUIRE_YAML_LANGUAGE_SERVER") != "" {
			t.Fatal("yaml-language-server is required (KILN_REQUIRE_YAML_LANGUAGE_SERVER is set) but not found: .ci/run installs it with npm")
		}
		t.Skip("yaml-language-server not installed (npm install yaml-language-server, or set KILN_YAML_LANGUAGE_SERVER)")
	}
	return bin
}

// lsp is a minimal Language Server Protocol client.
type lsp struct {
	t     *testing.T
	in    io.WriteCloser
	mu    sync.Mutex
	id    int
	calls map[int]chan json.RawMessage
	diags map[string][]diagnostic // by URI, the latest published
	seen  chan string             // URIs as diagnostics arrive
	conf  any
}

type diagnostic struct {
	Range struct {
		Start struct{ Line, Character int } `json:"start"`
	} `json:"range"`
	Message string `json:"message"`
}

type message struct {
	ID     *json.RawMessage `json:"id,omitempty"`
	Method string           `json:"method,omitempty"`
	Params json.RawMessage  `json:"params,omitempty"`
	Result json.RawMessage  `json:"result,omitempty"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func startLSP(t *testing.T, bin, root string) *lsp {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--stdio")
	// No proxy, no network: the schema store is off and every schema is a
	// relative file.
	cmd.Env = append(os.Environ(), "HTTP_PROXY=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() { in.Close(); cancel(); _ = cmd.Wait() })
	c := &lsp{t: t, in: in, calls: map[int]chan json.RawMessage{}, diags: map[string][]diagnostic{}, seen: make(chan string, 1024)}
	c.conf = map[string]any{
		"validate": true, "completion": true, "hover": true,
		"schemaStore": map[string]any{"enable": false},
		"schemas":     map[string]any{},
	}
	go c.read(bufio.NewReader(out))
	rootURI := fileURI(root)
	c.call("initialize", map[string]any{
		"processId": os.Getpid(), "rootUri": rootURI,
		"workspaceFolders": []any{map[string]any{"uri": rootURI, "name": "examples"}},
		"capabilities": map[string]any{
			"workspace":    map[string]any{"configuration": true},
			"textDocument": map[string]any{"publishDiagnostics": map[string]any{}, "completion": map[string]any{"completionItem": map[string]any{"snippetSupport": false}}},
		},
		"initializationOptions": map[string]any{"yaml": c.conf},
	})
	c.notify("initialized", map[string]any{})
	c.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"yaml": c.conf}})
	return c
}

func (c *lsp) send(m any) {
	b, err := json.Marshal(m)
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.in, "Content-Length: %d\r\n\r\n%s", len(b), b)
}

func (c *lsp) notify(method string, params any) {
	c.send(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

func (c *lsp) call(method string, params any) json.RawMessage {
	c.mu.Lock()
	c.id++
	id := c.id
	ch := make(chan json.RawMessage, 1)
	c.calls[id] = ch
	c.mu.Unlock()
	c.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	select {
	case r := <-ch:
		return r
	case <-time.After(60 * time.Second):
		c.t.Fatalf("%s: no answer from yaml-language-server", method)
		return nil
	}
}

func (c *lsp) read(r *bufio.Reader) {
	for {
		n := -1
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length:"); ok {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		if n < 0 {
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		var m message
		if json.Unmarshal(body, &m) != nil {
			continue
		}
		switch {
		case m.Method == "textDocument/publishDiagnostics":
			var p struct {
				URI         string       `json:"uri"`
				Diagnostics []diagnostic `json:"diagnostics"`
			}
			if json.Unmarshal(m.Params, &p) == nil {
				c.mu.Lock()
				c.diags[p.URI] = p.Diagnostics
				c.mu.Unlock()
				c.seen <- p.URI
			}
		case m.Method != "" && m.ID != nil:
			// A request from the server: the settings, or an
			// acknowledgement of capability and progress requests.
			var result any
			if m.Method == "workspace/configuration" {
				var p struct{ Items []any }
				_ = json.Unmarshal(m.Params, &p)
				out := make([]any, len(p.Items))
				for i := range out {
					out[i] = c.conf
				}
				result = out
			}
			c.send(map[string]any{"jsonrpc": "2.0", "id": m.ID, "result": result})
		case m.ID != nil:
			var id int
			_ = json.Unmarshal(*m.ID, &id)
			c.mu.Lock()
			ch := c.calls[id]
			delete(c.calls, id)
			c.mu.Unlock()
			if ch != nil {
				if m.Error != nil {
					c.t.Errorf("request %d: %s", id, m.Error.Message)
				}
				ch <- m.Result
			}
		}
	}
}

// open opens a file and waits for its diagnostics; the server may publish
// more than once, so it waits until none arrive for a moment.
func (c *lsp) open(path, text string) []diagnostic {
	uri := fileURI(path)
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
	deadline := time.After(60 * time.Second)
	got := false
	for {
		quiet := time.After(800 * time.Millisecond)
		if !got {
			quiet = nil
		}
		select {
		case u := <-c.seen:
			got = got || u == uri
		case <-quiet:
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.diags[uri]
		case <-deadline:
			c.t.Fatalf("%s: no diagnostics from yaml-language-server", path)
		}
	}
}

func fileURI(p string) string {
	abs, _ := filepath.Abs(p)
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// TestEditorExamples: with only the modelines the files carry, the real
// yaml-language-server reports nothing on the examples, one diagnostic at
// the right line on each schema-class mistake of examples/broken, and
// offers the kinds for completion.
func TestEditorExamples(t *testing.T) {
	bin := languageServer(t)
	root := "../examples"
	c := startLSP(t, bin, root)

	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "broken" {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("only %d example files", len(files))
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// Resources, .kiln.yaml and AWSTOE documents have schemas; Image
		// Builder workflow documents (*.workflow.yaml) have none yet.
		hasSchema := strings.Contains(string(b), "apiVersion: kiln/v1") || filepath.Base(p) == ".kiln.yaml" || strings.HasSuffix(p, ".toe.yaml")
		if !strings.Contains(string(b), "# yaml-language-server: $schema=") {
			if hasSchema {
				t.Errorf("%s has no modeline", p)
			}
			continue
		}
		for _, d := range c.open(p, string(b)) {
			t.Errorf("%s:%d:%d: %s", p, d.Range.Start.Line+1, d.Range.Start.Character+1, d.Message)
		}
	}

	// Each schema-class mistake of examples/broken gets a diagnostic on
	// the line kiln check names (1-based there, 0-based in LSP).
	broken, err := os.OpenRoot(root + "/broken")
	if err != nil {
		t.Fatal(err)
	}
	defer broken.Close()
	checker, err := check.New()
	if err != nil {
		t.Fatal(err)
	}
	res, err := checker.Run(context.Background(), check.Input{Head: broken.FS()})
	if err != nil {
		t.Fatal(err)
	}
	schemaLines := map[string][]int{}
	for _, f := range res.Findings() {
		if f.Rule == "schema" {
			schemaLines[f.File] = append(schemaLines[f.File], f.Line)
		}
	}
	if len(schemaLines) < 2 {
		t.Fatalf("kiln check finds schema mistakes in only %v", schemaLines)
	}
	for file, want := range schemaLines {
		p := root + "/broken/" + file
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ds := c.open(p, string(b))
		lines := make([]int, len(ds))
		for i, d := range ds {
			lines[i] = d.Range.Start.Line + 1
		}
		for _, w := range want {
			if !slices.Contains(lines, w) {
				t.Errorf("%s: editor diagnostics on lines %v, none on line %d where kiln check reports: %+v", file, lines, w, ds)
			}
		}
	}

	// Completion offers the kinds after "kind: ".
	p := filepath.Join(root, "recipes", "new.yaml")
	text := "# yaml-language-server: $schema=../../schemas/kiln.json\napiVersion: kiln/v1\nkind: \n"
	c.open(p, text)
	answer := c.call("textDocument/completion", map[string]any{
		"textDocument": map[string]any{"uri": fileURI(p)},
		"position":     map[string]any{"line": 2, "character": 6},
	})
	var list struct {
		Items []struct {
			Label string `json:"label"`
		} `json:"items"`
	}
	if err := json.Unmarshal(answer, &list); err != nil || len(list.Items) == 0 {
		var items []struct {
			Label string `json:"label"`
		}
		if json.Unmarshal(answer, &items) == nil {
			list.Items = items
		}
	}
	var labels []string
	for _, it := range list.Items {
		labels = append(labels, it.Label)
	}
	for _, want := range []string{"Component", "ImageRecipe", "ContainerRecipe", "InfrastructureConfiguration", "DistributionConfiguration", "ImagePipeline"} {
		if !slices.Contains(labels, want) {
			t.Errorf("completion after kind: lacks %s: %v", want, labels)
		}
	}
}

func lineOf(t *testing.T, p, s string) int {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("%s: no line with %q", p, s)
	return 0
}
