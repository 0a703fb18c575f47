package queue

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// The child process opens the queue in childDirEnv, publishes one job and,
// in "handle" mode, starts handling it; it reports each step on stdout and
// then waits to be killed.
const (
	childDirEnv  = "KILN_QUEUE_TEST_CHILD_DIR"
	childModeEnv = "KILN_QUEUE_TEST_CHILD_MODE"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		os.Exit(child(dir, os.Getenv(childModeEnv)))
	}
	os.Exit(m.Run())
}

func child(dir, mode string) int {
	ctx := context.Background()
	q, err := Open(ctx, testConfig(dir), nil)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	if _, err := q.Publish(ctx, Job{ID: "durable-1", Event: "pull_request", Key: "o/r#1", Payload: []byte(`{"n":1}`)}); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("published")
	if mode == "handle" {
		go func() {
			_ = q.Run(ctx, 1, HandlerFunc(func(ctx context.Context, j Job) error {
				fmt.Println("handling")
				<-ctx.Done()
				return ctx.Err()
			}))
		}()
	}
	select {} // until SIGKILL
}

func TestDurableAcrossKill(t *testing.T) {
	for _, mode := range []string{"publish", "handle"} {
		t.Run("killed after "+mode, func(t *testing.T) {
			dir := t.TempDir()
			want := "published"
			if mode == "handle" {
				want = "handling"
			}
			runChildUntil(t, dir, mode, want)

			q := openTest(t, testConfig(dir))
			var mu sync.Mutex
			var got []Job
			runQueue(t, q, 2, HandlerFunc(func(_ context.Context, j Job) error {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, j)
				return nil
			}))
			waitFor(t, "the job after restart", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(got) > 0
			})
			waitEmpty(t, q)
			// Longer than AckWait: a second delivery would show up now.
			time.Sleep(1500 * time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 || got[0].ID != "durable-1" || string(got[0].Payload) != `{"n":1}` {
				t.Fatalf("handled %+v, want durable-1 exactly once", got)
			}
			// The attempt number after a kill may be 1 or 2: the server
			// writes consumer state asynchronously, so a SIGKILL can lose
			// the record of the first delivery (not the job).
			if dup, err := q.Publish(context.Background(), Job{ID: "durable-1", Event: "pull_request", Key: "o/r#1"}); err != nil || !dup {
				t.Errorf("republish after restart = %v, %v; want duplicate", dup, err)
			}
		})
	}
}

// runChildUntil re-executes the test binary as a child that uses dir, waits
// for it to print want, and kills it with SIGKILL.
func runChildUntil(t *testing.T, dir, mode, want string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir, childModeEnv+"="+mode)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	timeout := time.After(30 * time.Second)
	for seen := false; !seen; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("child exited before %q", want)
			}
			if strings.HasPrefix(l, "error:") {
				t.Fatalf("child: %s", l)
			}
			seen = l == want
		case <-timeout:
			_ = cmd.Process.Kill()
			t.Fatalf("child did not print %q", want)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	go func() {
		for range lines {
		}
	}()
}
