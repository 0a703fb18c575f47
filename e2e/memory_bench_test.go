package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/internal/testgen"
)

// TestBenchServeMemory measures, rather than tests, the peak resident memory
// of the whole `kiln serve` process working on pull requests of a large
// repository (issue 8: 10,000 component versions, 40 recipes, 10
// pipelines): one pull request, then four at once on a fresh process. It
// runs only when KILN_BENCH_MEMORY=1 (bench/memory/run.sh sets it) and
// prints its figures; it asserts nothing about them.
func TestBenchServeMemory(t *testing.T) {
	if os.Getenv("KILN_BENCH_MEMORY") != "1" {
		t.Skip("a benchmark: run bench/memory/run.sh")
	}
	components := envInt("COMPONENTS", 10000)
	recipes := envInt("RECIPES", 40)
	pipelines := envInt("PIPELINES", 10)
	// A large job takes longer than the tests' short job timeout.
	w := newWorld(t, append([]string{"KILN_JOB_TIMEOUT=10m"}, strings.Fields(os.Getenv("KILN_BENCH_ENV"))...)...)
	gen := testgen.Repository(components, recipes, pipelines)
	files := map[string]string{}
	for name, f := range gen {
		files[name] = string(f.Data)
	}
	start := time.Now()
	w.gh.Commit(owner, repoName, "main", files)
	t.Logf("repository: %d files, %d component versions, %d recipes, %d pipelines (committed in %v)",
		len(files), components, recipes, pipelines, time.Since(start).Round(time.Millisecond))

	// Each pull request adds a version of one component.
	var someComponent string
	for name := range files {
		if strings.HasPrefix(name, "components/") && strings.HasSuffix(name, "/1.1.0.yaml") && !strings.Contains(files[name], "data:") {
			someComponent = name
			break
		}
	}
	heads := map[int]string{}
	for n := 1; n <= 4; n++ {
		dir := strings.TrimSuffix(someComponent, "1.1.0.yaml")
		version := fmt.Sprintf("1.%d.0", n+1)
		changes := map[string]string{
			dir + version + ".yaml":     strings.ReplaceAll(strings.ReplaceAll(files[someComponent], "version: 1.1.0", "version: "+version), "1.1.0.toe.yaml", version+".toe.yaml"),
			dir + version + ".toe.yaml": files[dir+"1.1.0.toe.yaml"],
		}
		heads[n] = w.openPR(n, fmt.Sprintf("add-%d", n), changes, false)
	}

	run := func(prs []int) {
		t.Helper()
		p := w.start()
		idle := procStatus(t, p.cmd.Process.Pid, "VmHWM")
		start := time.Now()
		for _, n := range prs {
			w.mustPost(w.prEvent("opened", n, fmt.Sprintf("add-%d", n), heads[n], nil))
		}
		var wg sync.WaitGroup
		for _, n := range prs {
			wg.Go(func() { w.waitChecks(10*time.Minute, heads[n], prChecks...) })
		}
		wg.Wait()
		took := time.Since(start)
		for _, n := range prs {
			for _, name := range prChecks {
				cr, _ := w.completed(heads[n], name)
				t.Logf("PR %d %s: %s %q", n, name, cr.Conclusion, cr.Title)
				if strings.Contains(cr.Title, "could not") {
					t.Errorf("PR %d %s: the job did not run to its end: %s", n, name, cr.Text)
				}
			}
		}
		peak := procStatus(t, p.cmd.Process.Pid, "VmHWM")
		time.Sleep(5 * time.Second) // the memory is returned after the job
		rss := procStatus(t, p.cmd.Process.Pid, "VmRSS")
		fmt.Printf("kiln serve, %d PR job(s) at once on %d component versions: peak RSS %.1f MB (idle %.1f MB), %.1f MB 5 s after, %v\n",
			len(prs), components, mb(peak), mb(idle), mb(rss), took.Round(time.Millisecond))
		w.stop()
	}
	run([]int{1})
	if os.Getenv("PRS") != "1" {
		run([]int{1, 2, 3, 4})
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func mb(bytes int64) float64 { return float64(bytes) / (1 << 20) }
