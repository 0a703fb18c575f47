package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kiln-gitops/kiln/report"
)

// Several kiln replicas against a three-node NATS cluster of real
// nats-server processes, at the version in go.mod, built from the module
// cache.

var (
	natsOnce sync.Once
	natsBin  string
	natsErr  error
)

// natsServer builds nats-server once per test binary, next to kilnBin.
func natsServer(t *testing.T) string {
	t.Helper()
	natsOnce.Do(func() {
		natsBin = filepath.Join(filepath.Dir(kilnBin), "nats-server")
		build := exec.Command("go", "build", "-o", natsBin, "github.com/nats-io/nats-server/v2")
		build.Dir = moduleRoot()
		out, err := build.CombinedOutput()
		if err != nil {
			natsErr = fmt.Errorf("build nats-server: %v\n%s", err, out)
		}
	})
	if natsErr != nil {
		t.Fatal(natsErr)
	}
	return natsBin
}

// natsCluster starts three clustered nats-server processes with JetStream on
// loopback and returns their client URLs, comma-separated as NATS clients
// take them.
func natsCluster(t *testing.T) string {
	t.Helper()
	bin := natsServer(t)
	const nodes = 3
	clients, routes := make([]string, nodes), make([]string, nodes)
	a := freeAddrs(t, 2*nodes)
	for i := range nodes {
		clients[i], routes[i] = a[2*i], a[2*i+1]
	}
	var routeURLs []string
	for _, r := range routes {
		routeURLs = append(routeURLs, "nats-route://"+r)
	}
	for i := range nodes {
		dir := t.TempDir()
		host, port, _ := net.SplitHostPort(clients[i])
		rhost, rport, _ := net.SplitHostPort(routes[i])
		conf := fmt.Sprintf(`server_name: n%d
host: %s
port: %s
jetstream { store_dir: %q }
cluster {
  name: kiln-e2e
  host: %s
  port: %s
  routes: [%s]
}
`, i+1, host, port, filepath.Join(dir, "js"), rhost, rport, strings.Join(routeURLs, ", "))
		file := filepath.Join(dir, "nats.conf")
		if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-c", file)
		logs := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("start nats-server: %v", err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-done
			if t.Failed() {
				t.Logf("nats-server n%d output:\n%s", i+1, logs.String())
			}
		})
	}
	var urls []string
	for _, c := range clients {
		urls = append(urls, "nats://"+c)
	}
	url := strings.Join(urls, ",")
	// Ready once JetStream has a meta leader and answers.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := jetStreamReady(url); err == nil {
			return url
		} else if time.Now().After(deadline) {
			t.Fatalf("NATS cluster not ready after 30s: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func jetStreamReady(url string) error {
	nc, err := nats.Connect(url, nats.Timeout(time.Second))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err
}

// replicaWorld is a world whose kiln runs as several replicas on one NATS
// cluster.
func replicaWorld(t *testing.T) *world {
	url := natsCluster(t)
	// The job timeout is the default a user runs with: work held by a
	// killed replica must resume long before it.
	return newWorld(t, "KILN_NATS_URL="+url, "KILN_NATS_REPLICAS=3", "KILN_JOB_TIMEOUT=5m")
}

// replica is one `kiln serve` of several.
type replica struct {
	*kilnProcess
	logs *syncBuffer
}

// startReplica runs another `kiln serve` with its own data dir and
// listeners and waits until it is ready. The world's own kiln (w.kiln) is
// left alone; the world's cleanup checks every replica's logs.
func (w *world) startReplica() *replica {
	w.t.Helper()
	a := freeAddrs(w.t, 2)
	addr, admin := a[0], a[1]
	logs := &syncBuffer{}
	cmd := exec.Command(kilnBin, "serve")
	cmd.Env = append(w.env(addr, admin), "KILN_DATA_DIR="+w.t.TempDir())
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		w.t.Fatalf("start kiln: %v", err)
	}
	p := &kilnProcess{cmd: cmd, addr: addr, admin: admin, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	w.mu.Lock()
	w.logs = append(w.logs, logs)
	w.mu.Unlock()
	w.t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.done:
			w.t.Fatalf("kiln serve exited before it was ready: %v\n%s", cmd.ProcessState, logs.String())
		default:
		}
		if resp, err := http.Get("http://" + admin + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return &replica{kilnProcess: p, logs: logs}
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("kiln serve not ready after 30s\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (r *replica) kill() {
	_ = r.cmd.Process.Kill()
	<-r.done
}

// holds reports whether r took the named lease (and logged it).
func (r *replica) holds(lease string) bool {
	for _, l := range strings.Split(r.logs.String(), "\n") {
		if strings.Contains(l, `"msg":"lease taken"`) && strings.Contains(l, `"lease":"`+lease+`"`) {
			return true
		}
	}
	return false
}

// postTo sends a delivery to one replica and requires 202.
func (w *world) postTo(r *replica, d delivery) {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+r.addr+"/webhook", strings.NewReader(string(d.body)))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header = d.header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("POST /webhook: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		w.t.Fatalf("POST /webhook %s %s: status %d, want 202", d.event, d.id(), resp.StatusCode)
	}
}

// Two replicas share a burst of pull requests; one is killed in the middle
// of it. Every pull request gets each check run and its sticky comment
// exactly once, the killed replica's work resuming on the other within
// seconds, not after the job timeout.
func TestTwoReplicasShareABurstAcrossASIGKILL(t *testing.T) {
	w := replicaWorld(t)
	w.seedExamples()
	const prs = 8
	heads := map[int]string{}
	for n := 1; n <= prs; n++ {
		changes := javaBump(t)
		changes[fmt.Sprintf("notes/pr-%d.md", n)] = fmt.Sprintf("pull request %d\n", n) // a head of its own
		heads[n] = w.openPR(n, fmt.Sprintf("bump-%d", n), changes, false)
	}
	a, b := w.startReplica(), w.startReplica()
	for n := 1; n <= prs/2; n++ {
		w.postTo(a, w.prEvent("opened", n, fmt.Sprintf("bump-%d", n), heads[n], nil))
	}
	a.kill()
	killed := time.Now()
	for n := prs/2 + 1; n <= prs; n++ {
		w.postTo(b, w.prEvent("opened", n, fmt.Sprintf("bump-%d", n), heads[n], nil))
	}
	for n := 1; n <= prs; n++ {
		w.waitChecks(60*time.Second, heads[n], prChecks...)
	}
	t.Logf("every pull request checked %v after the SIGKILL", time.Since(killed).Round(time.Millisecond))
	w.waitFor(30*time.Second, "an empty queue", func() bool { return w.metricAt(b.admin, "kiln_queue_depth") == 0 }, nil)
	for n := 1; n <= prs; n++ {
		for _, name := range prChecks {
			if runs := w.runs(heads[n], name); len(runs) != 1 {
				t.Errorf("PR %d: %d %s check runs, want 1", n, len(runs), name)
			}
		}
		if c := w.commentsWith(n, report.CommentMarker); len(c) != 1 {
			t.Errorf("PR %d: %d sticky comments, want 1", n, len(c))
		}
	}
}

// Three replicas; the one following the bakes is killed while an image is
// BUILDING. Another takes the lease, and the bake is reported exactly once.
func TestThreeReplicasBakeReportedOnceWhenTheTrackerDies(t *testing.T) {
	w := replicaWorld(t)
	w.seedExamples()
	head := w.openPR(4, "java-bump", javaBump(t), false)
	merge := w.gh.Merge(owner, repoName, 4)
	rs := []*replica{w.startReplica(), w.startReplica(), w.startReplica()}
	w.postTo(rs[0], w.closedMerged(4, "java-bump", head, merge))
	w.postTo(rs[1], w.pushEvent("main", strings.Repeat("0", 40), merge, mergeMessage(4, "java-bump")))

	w.imagesStarted(1)
	w.waitFor(30*time.Second, "an empty queue", func() bool { return w.metricAt(rs[2].admin, "kiln_queue_depth") == 0 }, nil)
	images := w.ib.Images()
	w.waitFor(bakeTimeout, "the bake check run to show BUILDING", func() bool {
		runs := w.runs(merge, bakeCheck)
		if len(runs) == 1 && strings.Contains(runs[0].Text, "BUILDING") {
			return true
		}
		w.ib.Advance(20 * time.Second) // PENDING → CREATING → BUILDING
		time.Sleep(100 * time.Millisecond)
		return false
	}, w.describeChecks)
	var holder, others = -1, 0
	for i, r := range rs {
		if r.holds("bake-tracker") {
			holder = i
			others++
		}
	}
	if others != 1 {
		t.Fatalf("%d replicas took the bake-tracker lease, want 1", others)
	}
	rs[holder].kill()
	killed := time.Now()

	w.ib.Advance(time.Hour)
	run := w.bakeToEnd(merge)
	t.Logf("bake reported %v after the tracker's SIGKILL", time.Since(killed).Round(time.Millisecond))
	if run.Conclusion != "success" {
		t.Fatalf("bake: %s %q\n%s", run.Conclusion, run.Title, run.Text)
	}
	takers := 0
	for i, r := range rs {
		if i != holder && r.holds("bake-tracker") {
			takers++
		}
	}
	if takers != 1 {
		t.Errorf("%d surviving replicas took the bake-tracker lease, want 1", takers)
	}
	if got := len(w.ib.Images()); got != len(images) {
		t.Errorf("%d images, want %d: nothing may be started again", got, len(images))
	}
	if n := len(w.runs(merge, bakeCheck)); n != 1 {
		t.Errorf("%d bake check runs, want 1", n)
	}
	if n := completions(w.gh.Requests(), run.ID); n != 1 {
		t.Errorf("the bake check run was completed %d times, want exactly once", n)
	}
	marker := "<!-- kiln:bake staging " + merge + " -->"
	w.waitFor(30*time.Second, "the bake comment on the merged PR", func() bool { return len(w.commentsWith(4, marker)) > 0 }, nil)
	time.Sleep(time.Second) // a second copy would show up now
	if n := len(w.commentsWith(4, marker)); n != 1 {
		t.Errorf("%d bake comments on the merged PR, want 1", n)
	}
}

// A burst of /kiln plan commands on one pull request, with kiln killed
// twice while it works through them: each command is answered exactly
// once, and none is given up for the deliveries the kills cost.
func TestCommandBurstAcrossTwoSIGKILLs(t *testing.T) {
	w := newWorld(t, "KILN_JOB_TIMEOUT=5m")
	w.seedExamples()
	head := w.openPR(9, "java-bump", javaBump(t), false)
	w.start()
	w.mustPost(w.prEvent("opened", 9, "java-bump", head, nil))
	w.waitChecks(checkTimeout, head, prChecks...)

	const commands = 6
	ids := map[int]int64{}
	// An answer names the command it answers in a hidden marker, and the
	// user who asked.
	answered := func(i int) int {
		n := 0
		for _, c := range w.gh.Comments(fullName, 9) {
			if strings.Contains(c.Body, fmt.Sprintf("<!-- kiln:answer %d -->", ids[i])) && strings.Contains(c.Body, fmt.Sprintf("@user%d ", i)) {
				n++
			}
		}
		return n
	}
	all := func() bool {
		for i := 1; i <= commands; i++ {
			if answered(i) == 0 {
				return false
			}
		}
		return true
	}
	state := func() string {
		var b strings.Builder
		for _, c := range w.gh.Comments(fullName, 9) {
			fmt.Fprintf(&b, "  comment %d: %.80q\n", c.ID, c.Body)
		}
		return b.String()
	}
	for i := 1; i <= commands; i++ {
		user := fmt.Sprintf("user%d", i)
		ids[i] = w.gh.AddComment(fullName, 9, user, "/kiln plan")
		w.mustPost(w.commentEvent(9, ids[i], user, "/kiln plan"))
	}
	w.kill()
	w.start()
	w.waitFor(45*time.Second, "a first answer after the restart", func() bool { return answered(1) > 0 || answered(2) > 0 }, state)
	w.kill()
	killed := time.Now()
	w.start()
	w.waitFor(45*time.Second, "every command answered", all, state)
	t.Logf("every command answered %v after the second SIGKILL", time.Since(killed).Round(time.Millisecond))
	w.idle()
	for i := 1; i <= commands; i++ {
		if n := answered(i); n != 1 {
			t.Errorf("command of user%d answered %d times, want 1\n%s", i, n, state())
		}
	}
}
