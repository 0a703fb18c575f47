package e2e

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/internal/testgen"
)

// TestPRFeedbackLatency measures the time from a pull_request delivery's
// POST to both kiln/validate and kiln/policy completed, for examples/ and
// for a generated 2,000-component repository. It is a measurement, not a
// check of the default run: set KILN_E2E_PRFEEDBACK=1 (bench/prfeedback/
// run.sh does) to run it. It asserts nothing about the times.
func TestPRFeedbackLatency(t *testing.T) {
	if os.Getenv("KILN_E2E_PRFEEDBACK") == "" {
		t.Skip("a measurement: set KILN_E2E_PRFEEDBACK=1 (bench/prfeedback/run.sh)")
	}
	rounds := 5
	if n, err := fmt.Sscan(os.Getenv("KILN_E2E_PRFEEDBACK_ROUNDS"), &rounds); n != 1 || err != nil {
		rounds = 5
	}
	generated := map[string]string{}
	for name, f := range testgen.Repository(2000, 200, 50) {
		generated[name] = string(f.Data)
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		path  string // the file each round edits
	}{
		{"examples", exampleFiles(t), infraPath},
		{"generated-2000", generated, "infrastructure/infra-00.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A long job timeout: a slow job must not be handed to a
			// second worker while it is being measured.
			w := newWorld(t, "KILN_JOB_TIMEOUT=5m")
			w.gh.Commit(owner, repoName, "main", tc.files)
			original := tc.files[tc.path]
			if !strings.Contains(original, "httpTokens: required") {
				t.Fatalf("%s has no httpTokens: required", tc.path)
			}
			head := w.openPR(1, "change", map[string]string{tc.path: original + "\n# round 0\n"}, false)
			w.start()
			var times []time.Duration
			for i := range rounds {
				action := "synchronize"
				if i == 0 {
					action = "opened"
				} else {
					head = w.gh.Commit(owner, repoName, "change", map[string]string{tc.path: fmt.Sprintf("%s\n# round %d\n", original, i)})
				}
				d := w.prEvent(action, 1, "change", head, nil)
				start := time.Now()
				w.mustPost(d)
				deadline := start.Add(5 * time.Minute)
				for {
					_, v := w.completed(head, "kiln/validate")
					_, p := w.completed(head, "kiln/policy")
					if v && p {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("round %d: no results after 5 minutes\n%s", i, w.describeChecks())
					}
					time.Sleep(2 * time.Millisecond)
				}
				times = append(times, time.Since(start))
				w.waitFor(5*time.Minute, "the job to finish", func() bool { return w.metric("kiln_queue_depth") == 0 }, nil)
			}
			slices.Sort(times)
			line := fmt.Sprintf("prfeedback %s: files=%d rounds=%d min=%s median=%s max=%s",
				tc.name, len(tc.files), rounds, times[0].Round(time.Millisecond),
				times[len(times)/2].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond))
			t.Log(line)
			fmt.Println(line)
			if os.Getenv("KILN_E2E_PRFEEDBACK_LOGS") != "" {
				w.mu.Lock()
				fmt.Println(w.logs[len(w.logs)-1].String())
				w.mu.Unlock()
			}
		})
	}
}
