package main

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kiln-gitops/kiln/schemas"
	"github.com/kiln-gitops/kiln/server"
)

// commandPaths are the arguments that name every command of kiln's tree,
// so tests cover commands added later without being told about them.
func commandPaths(t *testing.T) [][]string {
	t.Helper()
	var out [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		out = append(out, path)
		for _, sub := range c.Commands() {
			if sub.Hidden {
				continue
			}
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	root := newRootCmd(io.Discard, io.Discard)
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	walk(root, nil)
	if len(out) < 8 {
		t.Fatalf("command tree has %d commands: %v", len(out), out)
	}
	return out
}

// TestHelpEverywhere: -h, --help and `kiln help CMD` print the command's
// usage on stdout and exit 0 for every command.
func TestHelpEverywhere(t *testing.T) {
	for _, path := range commandPaths(t) {
		for _, args := range [][]string{
			append(append([]string{}, path...), "-h"),
			append(append([]string{}, path...), "--help"),
			append([]string{"help"}, path...),
		} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, out, errOut := kiln(t, args...)
				if code != exitOK || !strings.Contains(out, "Usage:") || errOut != "" {
					t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
				}
			})
		}
	}
}

// TestFlagsAnywhere: flags after the folder are read as flags (Go's flag
// package stopped at the first argument and refused them).
func TestFlagsAnywhere(t *testing.T) {
	for _, args := range [][]string{
		{"check", "-o", "json", examples},
		{"check", examples, "-o", "json"},
		{"check", examples, "--output", "json"},
		{"check", examples, "--output=json", "--fail-on", "high"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errOut := kiln(t, args...)
			if code != exitOK || !strings.HasPrefix(out, "{") {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
		})
	}
}

// TestSuggestions: a mistyped command gets the command it was probably
// meant to be, with exit 2, at every level and through `kiln help`.
func TestSuggestions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"chek", examples}, "Did you mean this?\n\tcheck"},
		{[]string{"serv"}, "Did you mean this?\n\tserve"},
		{[]string{"help", "chek"}, "Did you mean this?\n\tcheck"},
		{[]string{"policy", "tes"}, "Did you mean this?\n\ttest"},
		{[]string{"versoin"}, "Did you mean this?\n\tversion"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := kiln(t, tc.args...)
			if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
		})
	}
}

// TestServeHelpNamesEverySetting: `kiln serve -h` shows each setting's
// environment variable and the default of each that has one.
func TestServeHelpNamesEverySetting(t *testing.T) {
	code, out, _ := kiln(t, "serve", "-h")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	serve, _, err := newRootCmd(io.Discard, io.Discard).Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	serve.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" {
			return
		}
		n++
		line := ""
		for l := range strings.SplitSeq(out, "\n") {
			if strings.Contains(l, "--"+f.Name+" ") {
				line = l
			}
		}
		if !strings.Contains(line, "(env KILN_") {
			t.Errorf("--%s: no environment variable in %q", f.Name, line)
		}
		if f.DefValue != "" && !strings.Contains(line, "(default ") {
			t.Errorf("--%s: no default in %q", f.Name, line)
		}
	})
	for _, want := range []string{
		`--listen string`, `(env KILN_LISTEN) (default ":8080")`,
		`--workers int`, `(env KILN_WORKERS) (default 4)`,
		`--bake-poll duration`, `(env KILN_BAKE_POLL) (default 5s)`,
		`(env KILN_WEBHOOK_SECRET)`, `(env KILN_GITHUB_APP_ID)`, `(env KILN_GITHUB_PRIVATE_KEY_FILE)`,
		`(env KILN_GITHUB_URL) (default "https://api.github.com/")`, `(env KILN_DATA_DIR) (default "data")`, `(env KILN_NATS_URL)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("serve -h lacks %q:\n%s", want, out)
		}
	}
	if n < 10 {
		t.Errorf("serve has %d flags", n)
	}
}

// TestServeFlagsAfterParsing: serve reads its flags through cobra, and a
// bad value is a usage error that names the flag.
func TestServeFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--workers", "0"}, "--workers: not a positive number"},
		{[]string{"serve", "extra"}, `unknown command "extra" for "kiln serve"`},
		{[]string{"serve", "--no-such"}, "unknown flag: --no-such"},
	} {
		code, out, errOut := kiln(t, tc.args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", tc.args, code, out, errOut)
		}
	}
	// Without a secret it refuses to start, saying which variable to set.
	t.Setenv("KILN_WEBHOOK_SECRET", "")
	code, _, errOut := kiln(t, "serve", "--data-dir", t.TempDir())
	if code != exitUsage || !strings.Contains(errOut, "KILN_WEBHOOK_SECRET") {
		t.Errorf("serve without secret: exit %d: %s", code, errOut)
	}
}

func TestBuildVersion(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	for _, tc := range []struct {
		name             string
		ldVersion, ldRev string
		bi               *debug.BuildInfo
		wantVer, wantRev string
	}{
		{"go install @version", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0", ""},
		{"pseudo-version", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261204101010-abcdef123456"}}, "v0.0.0-20261204101010-abcdef123456", ""},
		{"clone build", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("abc123", "false")}, "dev", "abc123"},
		{"dirty clone", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("abc123", "true")}, "dev", "abc123-dirty"},
		{"ldflags win", "v2.0.0", "fff", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: vcs("abc123", "true")}, "v2.0.0", "fff"},
		{"no build info", "", "", nil, "dev", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, oldRev := version, commit
			version, commit = tc.ldVersion, tc.ldRev
			defer func() { version, commit = old, oldRev }()
			ver, rev := buildVersion(tc.bi, tc.bi != nil)
			if ver != tc.wantVer || rev != tc.wantRev {
				t.Errorf("got %q %q, want %q %q", ver, rev, tc.wantVer, tc.wantRev)
			}
		})
	}
}

// TestVersionFromLdflags: a binary built with -X reports that version and
// commit, through `kiln version` and `kiln --version`.
func TestVersionFromLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kiln")
	}
	bin := filepath.Join(t.TempDir(), "kiln")
	if out, err := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7 -X main.commit=0123abc", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil || string(out) != "kiln v9.8.7 (commit 0123abc)\n" {
			t.Errorf("%v: %q, %v", args, out, err)
		}
	}
}

// TestCompletion: the scripts for bash, zsh and fish are generated, and
// the shell's callback completes commands, formats and severities.
func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, out, errOut := kiln(t, "completion", shell)
		if code != exitOK || !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: exit %d, %d bytes: %s", shell, code, len(out), errOut)
		}
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "ch"}, []string{"check"}},
		{[]string{"__complete", "check", "--output", ""}, []string{"text", "json", "sarif", "junit", "github"}},
		{[]string{"__complete", "check", "--fail-on", ""}, []string{"critical", "high", "medium", "low", "info"}},
		{[]string{"__complete", "help", "se"}, []string{"serve"}},
	} {
		code, out, errOut := kiln(t, tc.args...)
		if code != exitOK {
			t.Errorf("%v: exit %d: %s", tc.args, code, errOut)
		}
		var got []string
		for l := range strings.SplitSeq(out, "\n") {
			name, _, _ := strings.Cut(l, "\t")
			got = append(got, name)
		}
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("%v: no %q in\n%s", tc.args, w, out)
			}
		}
	}
}

// TestNoCommand: kiln alone prints its usage on stderr and fails, so a
// script that forgot the command does not pass.
func TestNoCommand(t *testing.T) {
	for _, args := range [][]string{nil, {"policy"}} {
		code, out, errOut := kiln(t, args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "Available Commands:") {
			t.Errorf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
		}
	}
}

// TestServeBoolFlag: a yes/no setting is a flag that needs no value.
func TestServeBoolFlag(t *testing.T) {
	for _, args := range [][]string{{"--admin-on-main"}, {"--admin-on-main=true"}} {
		cfg, err := server.LoadConfig(args, func(string) string { return "" })
		if err != nil || !cfg.AdminOnMain {
			t.Errorf("%v: %v, admin on main %v", args, err, cfg.AdminOnMain)
		}
	}
}

// TestSchemaCommand: kiln schema writes every embedded schema, byte for
// byte, and prints one by name.
func TestSchemaCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vendor", "schemas")
	code, out, errOut := kiln(t, "schema", "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	names, err := fs.Glob(schemas.FS(), "*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		want, _ := fs.ReadFile(schemas.FS(), name)
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v (%d bytes, want %d)", name, err, len(got), len(want))
		}
		if !strings.Contains(out, filepath.Join(dir, name)) {
			t.Errorf("output does not name %s:\n%s", name, out)
		}
	}
	code, out, _ = kiln(t, "schema", "kiln.json")
	if want, _ := fs.ReadFile(schemas.FS(), "kiln.json"); code != exitOK || out != string(want) {
		t.Errorf("kiln schema kiln.json: exit %d, %d bytes", code, len(out))
	}
	if code, _, errOut := kiln(t, "schema", "nope.json"); code != exitUsage || !strings.Contains(errOut, `no schema "nope.json"`) {
		t.Errorf("unknown schema: exit %d %s", code, errOut)
	}
}
