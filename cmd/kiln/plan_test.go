package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
	"github.com/kiln-gitops/kiln/reconciler"
	"github.com/kiln-gitops/kiln/report"
)

// awsVariables are every variable of the SDK's default chain that could
// lead it to the developer's own credentials or endpoints.
var awsVariables = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IMAGEBUILDER", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSM",
	"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
}

// noAWS empties the SDK's default chain for the test: no variables, no
// shared files, no instance metadata.
func noAWS(t *testing.T) {
	t.Helper()
	for _, v := range awsVariables {
		t.Setenv(v, "")
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// TestCheckPlanEmulator plans examples against an empty Image Builder
// emulator through the SDK's default chain: static keys, the global
// endpoint override, and the staging role assumed through the emulator's
// STS.
func TestCheckPlanEmulator(t *testing.T) {
	ib := ibtest.Start(t, ibtest.WithAccount("111111111111"))
	noAWS(t)
	t.Setenv("AWS_ENDPOINT_URL", ib.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAKILNTESTBASEKEY1")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "kiln-test-secret")
	t.Setenv("AWS_REGION", "us-east-1")

	for _, tc := range []struct {
		name       string
		assumeRole bool
	}{
		{"assume role", true},
		{"base credentials", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(ib.AssumedRoles())
			rep := checkJSON(t, exitOK, "--env", "staging", "--assume-role="+map[bool]string{true: "true", false: "false"}[tc.assumeRole], examples)
			if len(rep.Plan) != 1 {
				t.Fatalf("plan %+v", rep.Plan)
			}
			sec := rep.Plan[0]
			if sec.Environment != "staging" || sec.Account != "111111111111" || sec.Region != "us-east-1" || sec.Note != "" {
				t.Errorf("section %+v", sec)
			}
			// Empty emulator: everything the repository holds is created.
			if len(sec.Changes) != rep.Summary.Resources || rep.Summary.Resources < 15 {
				t.Errorf("%d changes for %d resources", len(sec.Changes), rep.Summary.Resources)
			}
			kinds := map[string]int{}
			for _, c := range sec.Changes {
				kinds[string(c.Kind)]++
				if c.Action != string(reconciler.ActionCreate) {
					t.Errorf("%s/%s: %s, want create", c.Kind, c.Name, c.Action)
				}
				wantDry := ""
				if c.Kind == "Component" || c.Kind == "Workflow" {
					wantDry = "would succeed" // the kinds whose create takes dryRun
				}
				if c.DryRun != wantDry {
					t.Errorf("%s/%s: dryRun %q, want %q", c.Kind, c.Name, c.DryRun, wantDry)
				}
			}
			if kinds["Component"] < 6 || kinds["ImagePipeline"] < 2 {
				t.Errorf("changes by kind %v", kinds)
			}
			if len(sec.Bakes) == 0 {
				t.Error("no pipeline would bake")
			}
			roles := ib.AssumedRoles()[before:]
			if tc.assumeRole && !slices.Contains(roles, "arn:aws:iam::111111111111:role/kiln-imagebuilder") {
				t.Errorf("roles assumed %v", roles)
			}
			if !tc.assumeRole && len(roles) != 0 {
				t.Errorf("--assume-role=false assumed %v", roles)
			}
		})
	}

	t.Run("text", func(t *testing.T) {
		code, out, errOut := kiln(t, "check", "--env", "staging", examples)
		if code != exitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		for _, w := range []string{"staging", "create", "Component/ssh-hardening", "would succeed", "PASS"} {
			if !strings.Contains(out, w) {
				t.Errorf("text report lacks %q:\n%s", w, out)
			}
		}
	})

	// Nothing was created by a plan: dryRun only.
	if n := ib.Calls()["CreateImageRecipe"] + ib.Calls()["CreateImagePipeline"]; n != 0 {
		t.Errorf("%d creates made by a plan", n)
	}
}

// TestCheckNoCredentials runs kiln in a child process whose environment
// has no AWS credentials and whose HTTP(S) proxy is a loopback listener
// recording every connection: Go's transports send everything but
// loopback through the proxy, so a connection there is a network attempt.
func TestCheckNoCredentials(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary as a child process")
	}
	proxy := newRecorder(t)
	home := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"KILN_TEST_CHILD=1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"HTTP_PROXY=" + proxy.url, "HTTPS_PROXY=" + proxy.url,
		"http_proxy=" + proxy.url, "https_proxy=" + proxy.url,
	}

	t.Run("no credentials", func(t *testing.T) {
		code, out, errOut := child(t, env, "check", "-o", "json", "--env", "staging", examples)
		if code != exitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		var rep report.JSONReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err, out)
		}
		if len(rep.Plan) != 1 || !strings.Contains(rep.Plan[0].Note, "no AWS credentials: plan not computed") || len(rep.Plan[0].Changes) != 0 {
			t.Errorf("plan %+v", rep.Plan)
		}
		if got := proxy.seen(); len(got) != 0 {
			t.Errorf("network attempts without credentials: %v", got)
		}
		// The text report says so too.
		_, text, _ := child(t, env, "check", "--env", "staging", examples)
		if !strings.Contains(text, "plan not computed") {
			t.Errorf("text report:\n%s", text)
		}
	})

	// The control: with (fake) credentials and no endpoint override the SDK
	// does try AWS, and the recorder sees it, so the silence above means
	// something. The recorder answers nothing, so no request leaves.
	t.Run("control", func(t *testing.T) {
		withKeys := append(slices.Clone(env), "AWS_ACCESS_KEY_ID=AKIAKILNTESTCONTROL1", "AWS_SECRET_ACCESS_KEY=x", "AWS_MAX_ATTEMPTS=1")
		code, out, errOut := child(t, withKeys, "check", "-o", "json", "--env", "staging", "--assume-role=false", examples)
		if code != exitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		got := proxy.seen()
		if len(got) == 0 || !strings.Contains(got[0], "imagebuilder.us-east-1.amazonaws.com:443") {
			t.Errorf("recorder saw %v, want a CONNECT to Image Builder", got)
		}
		if !strings.Contains(out, "could not read Image Builder") && !strings.Contains(errOut, "imagebuilder") {
			t.Errorf("failed plan not reported:\n%s\n%s", out, errOut)
		}
	})
}

// TestMain lets the test binary stand in for kiln in child processes.
func TestMain(m *testing.M) {
	if os.Getenv("KILN_TEST_CHILD") == "1" {
		args := os.Args[1:]
		if i := slices.Index(args, "--"); i >= 0 {
			args = args[i+1:]
		}
		os.Exit(run(context.Background(), args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func child(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"--"}, args...)...)
	cmd.Env = env
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	return code, out.String(), errOut.String()
}

// recorder is a loopback "proxy" that records the first line of every
// connection and closes it unanswered.
type recorder struct {
	url   string
	mu    sync.Mutex
	lines []string
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{url: "http://" + ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			line, _ := bufio.NewReader(conn).ReadString('\n')
			r.mu.Lock()
			r.lines = append(r.lines, strings.TrimSpace(line))
			r.mu.Unlock()
			conn.Close()
		}
	})
	return r
}

// seen returns the lines recorded since the last call.
func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.lines
	r.lines = nil
	return out
}
