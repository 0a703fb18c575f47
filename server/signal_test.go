package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/webhook"
)

const childConfigEnv = "KILN_SERVER_TEST_CHILD_CONFIG"

func TestMain(m *testing.M) {
	if c := os.Getenv(childConfigEnv); c != "" {
		os.Exit(runChild(c))
	}
	os.Exit(m.Run())
}

// printHandler says on stdout when a job starts and ends.
type printHandler struct{ delay time.Duration }

func (printHandler) Handles() []string { return []string{"pull_request"} }

func (h printHandler) Handle(ctx context.Context, event, id string, payload []byte) error {
	fmt.Println("handling " + id)
	select {
	case <-time.After(h.delay):
		fmt.Println("finished " + id)
		return nil
	case <-ctx.Done():
		fmt.Println("cancelled " + id)
		return ctx.Err()
	}
}

func runChild(configJSON string) int {
	var cfg Config
	if err := json.Unmarshal([]byte(configJSON), &cfg); err != nil {
		fmt.Println("error:", err)
		return 2
	}
	err := Run(context.Background(), cfg, nil, Options{}, ServeOptions{Handlers: []webhook.EventHandler{printHandler{delay: 700 * time.Millisecond}}})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("exited")
	return 0
}

// kiln serve receiving SIGTERM while a job runs lets the job finish, then
// exits cleanly.
func TestRunShutsDownOnSIGTERM(t *testing.T) {
	cfg := validConfig(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen = ln.Addr().String()
	cfg.AdminOnMain = true
	ln.Close()
	cfgJSON, _ := json.Marshal(cfg)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childConfigEnv+"="+string(cfgJSON))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	lines := make(chan string, 16)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()

	body, _ := os.ReadFile("../testdata/github/webhooks/pull_request.opened.json")
	base := "http://" + cfg.Listen
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("child never ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code := post(t, base+"/webhook", "pull_request", "term-1", body, cfg.WebhookSecret); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	expect := func(want string) {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok || l != want {
				t.Fatalf("child said %q (open %v), want %q", l, ok, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("child did not say %q", want)
		}
	}
	expect("handling term-1")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	expect("finished term-1")
	expect("exited")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child exit: %v", err)
	}
	for l := range lines {
		if strings.HasPrefix(l, "error") {
			t.Fatal(l)
		}
	}
}
