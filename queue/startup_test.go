package queue

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// freePorts reserves n loopback ports and frees them for the caller, as a
// cluster's routes must name each other's ports before any node listens.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// natsNode starts node i of a three-node JetStream cluster whose route ports
// are routes.
func natsNode(t *testing.T, i int, routes []int) *server.Server {
	t.Helper()
	ns, err := startNode(t, i, routes)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// startNode is natsNode for a goroutine other than the test's, which must
// not call t.Fatal.
func startNode(t *testing.T, i int, routes []int) (*server.Server, error) {
	var urls []string
	for _, p := range routes {
		urls = append(urls, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: fmt.Sprintf("n%d", i+1),
		Host:       "127.0.0.1", Port: -1,
		JetStream: true, StoreDir: t.TempDir(),
		Cluster: server.ClusterOpts{Name: "kiln-test", Host: "127.0.0.1", Port: routes[i]},
		Routes:  server.RoutesFromStr(strings.Join(urls, ",")),
		NoLog:   true, NoSigs: true,
	})
	if err != nil {
		return nil, fmt.Errorf("nats node %d: %w", i+1, err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		return nil, fmt.Errorf("nats node %d not ready", i+1)
	}
	return ns, nil
}

// A replica that starts while one of three NATS nodes is still down (a
// rollout restarting both) waits for the cluster to form instead of failing
// or hanging on a request no meta leader answers.
func TestOpenWaitsForTheCluster(t *testing.T) {
	t.Parallel()
	routes := freePorts(t, 3)
	first := natsNode(t, 0, routes)
	natsNode(t, 1, routes)
	late := time.Second
	started := make(chan struct{})
	go func() {
		defer close(started)
		time.Sleep(late)
		if _, err := startNode(t, 2, routes); err != nil {
			t.Error(err)
		}
	}()
	cfg := testConfig("")
	cfg.URL, cfg.Replicas = first.ClientURL(), 3
	begun := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q, err := Open(ctx, cfg, testLogger(t))
	opened := time.Since(begun)
	<-started // the node's goroutine is done with t before the test can end
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = q.Close() })
	if opened < late {
		t.Errorf("Open returned after %v, before the third node started", opened)
	}
	info, err := q.stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 {
		t.Errorf("stream has %d replicas, want 3", info.Config.Replicas)
	}
}

// Two nodes of three, the third never comes: Open gives up after
// StartTimeout with the cause, instead of hanging on a request no meta
// leader answers.
func TestOpenGivesUpAfterStartTimeout(t *testing.T) {
	t.Parallel()
	routes := freePorts(t, 3)
	first := natsNode(t, 0, routes)
	natsNode(t, 1, routes)
	cfg := testConfig("")
	cfg.URL, cfg.Replicas, cfg.StartTimeout = first.ClientURL(), 3, 2*time.Second
	_, err := Open(context.Background(), cfg, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "nats not ready within 2s") {
		t.Fatalf("Open: %v, want it to give up after 2s", err)
	}
}

// NATS not up yet (it restarts with kiln): Open keeps dialling until
// StartTimeout.
func TestOpenRedialsUntilStartTimeout(t *testing.T) {
	t.Parallel()
	cfg := testConfig("")
	cfg.URL, cfg.StartTimeout = fmt.Sprintf("nats://127.0.0.1:%d", freePorts(t, 1)[0]), time.Second
	_, err := Open(context.Background(), cfg, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "nats not ready within 1s") || !errors.Is(err, nats.ErrNoServers) {
		t.Fatalf("Open: %v, want it to redial for 1s", err)
	}
}

func TestTransient(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&jetstream.APIError{Code: 400, ErrorCode: 10005, Description: "no suitable peers for placement"}, true},
		{&jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}, true},
		{&jetstream.APIError{Code: 500, ErrorCode: 10009, Description: "JetStream cluster can not handle request"}, true},
		{&jetstream.APIError{Code: 400, ErrorCode: 10058, Description: "stream name already in use with a different configuration"}, true},
		{&jetstream.APIError{Code: 500, ErrorCode: 10074, Description: "replicas > 1 not supported in non-clustered mode"}, false},
		{&jetstream.APIError{Code: 500, ErrorCode: 10052, Description: "max age needs to be >= 100ms"}, false},
		{fmt.Errorf("create stream: %w", jetstream.ErrJetStreamNotEnabled), false},
		{fmt.Errorf("create stream: %w", nats.ErrNoResponders), true},
		{fmt.Errorf("connect to nats: %w", nats.ErrNoServers), true},
		{context.DeadlineExceeded, true},
		{context.Canceled, false},
		{errors.New("nats: authorization violation"), false},
	} {
		if got := transient(c.err); got != c.want {
			t.Errorf("transient(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// A mistake the server names (three replicas on one server) fails at once,
// not after StartTimeout.
func TestOpenFailsFastOnARefusal(t *testing.T) {
	cfg := testConfig("")
	cfg.URL, cfg.Replicas, cfg.StartTimeout = startNATS(t), 3, time.Minute
	begun := time.Now()
	_, err := Open(context.Background(), cfg, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "replicas > 1 not supported") {
		t.Fatalf("Open: %v, want the server's refusal", err)
	}
	if took := time.Since(begun); took > 30*time.Second {
		t.Errorf("Open took %v to report a refusal", took)
	}
}
