package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/gh/ghtest"
	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
)

// kilnBin is the kiln binary TestMain builds.
var kilnBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kiln-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	kilnBin = filepath.Join(dir, "kiln")
	// The binary is built without -race even when the tests run with it:
	// the race detector is for this process, the binary is the product.
	build := exec.Command("go", "build", "-o", kilnBin, "./cmd/kiln")
	build.Dir = moduleRoot()
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build kiln:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

// Repository the emulated installation holds.
const (
	owner    = "platform"
	repoName = "golden-images"
	fullName = owner + "/" + repoName
)

// stagingAccount is the staging environment's account in examples/.kiln.yaml.
const stagingAccount = "111111111111"

// world is one test's emulators and the kiln serving them.
type world struct {
	t      *testing.T
	gh     *ghtest.Server
	ib     *ibtest.Server
	secret []byte

	dataDir, keyFile, home string
	extraEnv               []string

	mu   sync.Mutex
	kiln *kilnProcess
	logs []*syncBuffer // one per kiln process started, in order
}

// newWorld starts both emulators and seeds main with examples/.
func newWorld(t *testing.T, extraEnv ...string) *world {
	t.Helper()
	return newWorldWith(t, nil, extraEnv...)
}

// newWorldWith is newWorld with Image Builder emulator options (list lag,
// faults) beyond the staging account.
func newWorldWith(t *testing.T, ibOpts []ibtest.Option, extraEnv ...string) *world {
	t.Helper()
	w := &world{
		t:        t,
		gh:       ghtest.New(t),
		ib:       ibtest.Start(t, append([]ibtest.Option{ibtest.WithAccount(stagingAccount)}, ibOpts...)...),
		secret:   []byte("e2e-webhook-secret"),
		dataDir:  t.TempDir(),
		home:     t.TempDir(),
		extraEnv: extraEnv,
	}
	w.keyFile = filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(w.keyFile, w.gh.PrivateKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.stop()
		w.checkLogs()
		if t.Failed() {
			w.mu.Lock()
			defer w.mu.Unlock()
			for i, l := range w.logs {
				t.Logf("kiln process %d output:\n%s", i+1, l.String())
			}
		}
	})
	return w
}

// checkLogs holds every kiln process's output to the logging rules: one
// JSON object per line, and never a token, key or the webhook secret.
func (w *world) checkLogs() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, l := range w.logs {
		for n, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
			if line == "" {
				continue
			}
			if !json.Valid([]byte(line)) {
				w.t.Errorf("kiln process %d, line %d is not JSON: %s", i+1, n+1, line)
			}
			for _, secret := range []string{"ghs_", "PRIVATE KEY", string(w.secret)} {
				if strings.Contains(line, secret) {
					w.t.Errorf("kiln process %d, line %d shows a secret (%q): %s", i+1, n+1, secret, line)
				}
			}
		}
	}
}

// seedExamples commits examples/ (without broken/) to main and returns the
// commit.
func (w *world) seedExamples() string {
	w.t.Helper()
	return w.gh.Commit(owner, repoName, "main", exampleFiles(w.t))
}

// exampleFiles reads examples/ without broken/ as a path → content map.
func exampleFiles(t testing.TB) map[string]string {
	t.Helper()
	root := filepath.Join(moduleRoot(), "examples")
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel == "broken" {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatalf("read examples: %v", err)
	}
	return files
}

// kilnProcess is one running `kiln serve`.
type kilnProcess struct {
	cmd *exec.Cmd
	// addr is the webhook listener, admin the /healthz, /readyz and
	// /metrics one.
	addr, admin string
	done        chan struct{}
}

// freeAddrs returns n distinct loopback addresses that were free a moment
// ago. The listeners are held until all n are picked: picking them one by one
// lets the kernel hand out the same port twice (seen as a webhook and an
// admin listener colliding in `kiln serve`).
func freeAddrs(t testing.TB, n int) []string {
	t.Helper()
	addrs := make([]string, n)
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		addrs[i] = l.Addr().String()
	}
	return addrs
}

// env is the environment kiln runs with: nothing inherited but PATH, so
// no AWS files or variables of the machine leak in.
func (w *world) env(addr, admin string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + w.home,
		"KILN_GITHUB_APP_ID=" + strconv.FormatInt(w.gh.AppID, 10),
		"KILN_GITHUB_PRIVATE_KEY_FILE=" + w.keyFile,
		"KILN_WEBHOOK_SECRET=" + string(w.secret),
		"KILN_GITHUB_URL=" + w.gh.URL + "/",
		"KILN_LISTEN=" + addr,
		"KILN_ADMIN_LISTEN=" + admin,
		"KILN_DATA_DIR=" + w.dataDir,
		"KILN_WORKERS=2",
		"KILN_BAKE_POLL=100ms",
		"KILN_BAKE_BACKOFF_MIN=100ms",
		"KILN_BAKE_BACKOFF_MAX=400ms",
		"KILN_RETRY_AFTER=200ms",
		"KILN_JOB_TIMEOUT=5s",
	}
	env = append(env, awsEnv(w.ib)...)
	return append(env, w.extraEnv...)
}

// awsEnv points the AWS SDK's default chain at the Image Builder emulator
// (which also answers STS and SSM) with static credentials.
func awsEnv(ib *ibtest.Server) []string {
	return []string{
		"AWS_ACCESS_KEY_ID=AKIAE2ETESTKEY000001",
		"AWS_SECRET_ACCESS_KEY=e2e-secret-access-key",
		"AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL=" + ib.URL(),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	}
}

// start runs `kiln serve` and waits until /readyz answers 200.
func (w *world) start() *kilnProcess {
	w.t.Helper()
	a := freeAddrs(w.t, 2)
	addr, admin := a[0], a[1]
	logs := &syncBuffer{}
	cmd := exec.Command(kilnBin, "serve")
	cmd.Env = w.env(addr, admin)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		w.t.Fatalf("start kiln: %v", err)
	}
	p := &kilnProcess{cmd: cmd, addr: addr, admin: admin, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	w.mu.Lock()
	w.kiln = p
	w.logs = append(w.logs, logs)
	w.mu.Unlock()

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.done:
			w.t.Fatalf("kiln serve exited before it was ready: %v\n%s", cmd.ProcessState, logs.String())
		default:
		}
		resp, err := http.Get("http://" + admin + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("kiln serve not ready after 30s (last: %v)\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL to the running kiln and waits for it to die.
func (w *world) kill() {
	w.t.Helper()
	w.mu.Lock()
	p := w.kiln
	w.kiln = nil
	w.mu.Unlock()
	if p == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop ends the running kiln gracefully (SIGTERM), then kills it if it
// does not stop in time.
func (w *world) stop() {
	w.mu.Lock()
	p := w.kiln
	w.kiln = nil
	w.mu.Unlock()
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (w *world) addr() string { return w.process().addr }

// adminAddr is the running kiln's admin listener.
func (w *world) adminAddr() string { return w.process().admin }

func (w *world) process() *kilnProcess {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.kiln == nil {
		w.t.Fatal("kiln is not running")
	}
	return w.kiln
}

// delivery is one webhook delivery, signed.
type delivery struct {
	event  string
	body   []byte
	header http.Header
}

func (d delivery) id() string { return d.header.Get("X-GitHub-Delivery") }

// newDelivery builds GitHub's example of event/action addressed to the
// emulated repository (pull request number with head headSHA when set),
// then applies mutate, and signs it.
func (w *world) newDelivery(event, action string, number int, headSHA string, mutate func(map[string]any)) delivery {
	w.t.Helper()
	address := w.gh.Address(owner, repoName, number, headSHA)
	body, h := ghtest.SignedDelivery(w.t, w.secret, event, action, func(p map[string]any) {
		address(p)
		if mutate != nil {
			mutate(p)
		}
	})
	return delivery{event: event, body: body, header: h}
}

// post sends a delivery to kiln's /webhook and returns the status.
func (w *world) post(d delivery) int {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+w.addr()+"/webhook", bytes.NewReader(d.body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header = d.header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("POST /webhook: %v", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// mustPost posts and requires 202 Accepted.
func (w *world) mustPost(d delivery) {
	w.t.Helper()
	if got := w.post(d); got != http.StatusAccepted {
		w.t.Fatalf("POST /webhook %s %s: status %d, want 202", d.event, d.id(), got)
	}
}

// waitFor polls cond until it holds or the deadline passes; what says what
// was awaited, and state describes what there is instead.
func (w *world) waitFor(timeout time.Duration, what string, cond func() bool, state func() string) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			msg := ""
			if state != nil {
				msg = state()
			}
			w.t.Fatalf("timed out after %s waiting for %s\n%s", timeout, what, msg)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// metric reads the sum of the samples of a Prometheus metric whose labels
// contain every given label="value" pair.
func (w *world) metric(name string, labels ...string) float64 {
	w.t.Helper()
	return w.metricAt(w.adminAddr(), name, labels...)
}

// metricAt is metric read from the admin listener at admin.
func (w *world) metricAt(admin, name string, labels ...string) float64 {
	w.t.Helper()
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		w.t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	sum := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		match := true
		for _, l := range labels {
			if !strings.Contains(rest, l) {
				match = false
			}
		}
		if !match {
			continue
		}
		f := strings.Fields(rest)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			sum += v
		}
	}
	return sum
}

// idle waits until kiln's queue holds nothing queued or in progress.
func (w *world) idle() {
	w.t.Helper()
	w.waitFor(30*time.Second, "an empty queue", func() bool {
		return w.metric("kiln_queue_depth") == 0
	}, nil)
}

// runs returns the check runs called name on commit sha.
func (w *world) runs(sha, name string) []ghtest.CheckRun {
	var out []ghtest.CheckRun
	for _, cr := range w.gh.CheckRuns(fullName) {
		if cr.HeadSHA == sha && cr.Name == name {
			out = append(out, cr)
		}
	}
	return out
}

// completed returns the completed check run called name on sha, if any.
func (w *world) completed(sha, name string) (ghtest.CheckRun, bool) {
	for _, cr := range w.runs(sha, name) {
		if cr.Status == "completed" {
			return cr, true
		}
	}
	return ghtest.CheckRun{}, false
}

// waitChecks waits until every named check run on sha is completed and
// returns them by name.
func (w *world) waitChecks(timeout time.Duration, sha string, names ...string) map[string]ghtest.CheckRun {
	w.t.Helper()
	out := map[string]ghtest.CheckRun{}
	w.waitFor(timeout, fmt.Sprintf("check runs %v completed on %.7s", names, sha), func() bool {
		for _, n := range names {
			cr, ok := w.completed(sha, n)
			if !ok {
				return false
			}
			out[n] = cr
		}
		return true
	}, w.describeChecks)
	return out
}

func (w *world) describeChecks() string {
	var b strings.Builder
	b.WriteString("check runs:\n")
	for _, cr := range w.gh.CheckRuns(fullName) {
		fmt.Fprintf(&b, "  %d %s on %.7s: %s/%s %q ext=%s updates=%d\n", cr.ID, cr.Name, cr.HeadSHA, cr.Status, cr.Conclusion, cr.Title, cr.ExternalID, cr.Updates)
	}
	return b.String()
}

// commentsWith returns the comments on pr that carry marker.
func (w *world) commentsWith(pr int, marker string) []ghtest.Comment {
	var out []ghtest.Comment
	for _, c := range w.gh.Comments(fullName, pr) {
		if strings.Contains(c.Body, marker) {
			out = append(out, c)
		}
	}
	return out
}

// syncBuffer collects a process's output for the test log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lineOf is the 1-based line of the first line of content containing s.
func lineOf(t testing.TB, content, s string) int {
	t.Helper()
	for i, l := range strings.Split(content, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("%q not found", s)
	return 0
}
