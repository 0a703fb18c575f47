package reconciler_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/kiln-gitops/kiln/imagebuilder"
	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// meta is where every applied resource in these tests comes from.
var meta = reconciler.ApplyMeta{Repo: "acme/golden-images", Commit: "0123456789abcdef0123456789abcdef01234567"}

// harness is one environment backed by the emulator, reached through the
// real SDK client and the adapter the reconciler is given in production.
type harness struct {
	srv   *ibtest.Server
	env   model.Environment
	cache *imagebuilder.TagCache
	ib    *imagebuilder.Client
}

// quiet discards the adapter's logs; failures are the tests' business.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newHarness starts an emulator owning env's account and region.
func newHarness(tb testing.TB, env model.Environment, opts ...ibtest.Option) *harness {
	tb.Helper()
	srv := ibtest.Start(tb, append([]ibtest.Option{ibtest.WithAccount(env.Account), ibtest.WithRegion(env.Region)}, opts...)...)
	h := &harness{srv: srv, env: env, cache: imagebuilder.NewTagCache()}
	h.ib = h.client(h.cache)
	return h
}

// client is a new SDK client against the emulator, as a restarted kiln
// process would build; cache nil gives it a cold tag cache.
func (h *harness) client(cache *imagebuilder.TagCache) *imagebuilder.Client {
	if cache == nil {
		cache = imagebuilder.NewTagCache()
	}
	cfg := aws.Config{Region: h.env.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRETTEST", "")}
	return imagebuilder.New(cfg, h.env,
		imagebuilder.WithEndpoint(h.srv.URL()),
		imagebuilder.WithRetry(8, time.Millisecond),
		imagebuilder.WithLogger(quiet),
		imagebuilder.WithTagCache(cache))
}

// list is what the environment holds now.
func (h *harness) list(tb testing.TB) []reconciler.Live {
	tb.Helper()
	live, err := h.ib.List(context.Background())
	if err != nil {
		tb.Fatalf("list: %v", err)
	}
	return live
}

// plan lists the environment and plans repo against it.
func (h *harness) plan(tb testing.TB, repo *model.Repository) *reconciler.Plan {
	tb.Helper()
	return reconciler.Build(h.env, repo, h.list(tb))
}

// apply plans and applies repo, failing the test on any error.
func (h *harness) apply(tb testing.TB, repo *model.Repository) (*reconciler.Plan, *reconciler.Outcome) {
	tb.Helper()
	p := h.plan(tb, repo)
	out, err := reconciler.Apply(context.Background(), h.ib, repo, p, meta)
	if err != nil {
		tb.Fatalf("apply: %v", err)
	}
	return p, out
}

// byID indexes live resources like Change.ID.
func byID(live []reconciler.Live) map[string]reconciler.Live {
	out := make(map[string]reconciler.Live, len(live))
	for _, l := range live {
		out[l.ID().String()] = l
	}
	return out
}

// loadExamples loads the repository under examples/ and its staging
// environment.
func loadExamples(tb testing.TB) (*model.Repository, model.Environment) {
	tb.Helper()
	repo, fs, err := loader.Load(context.Background(), os.DirFS("../examples"), loader.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if len(fs) > 0 {
		tb.Fatalf("examples load with findings: %v", fs)
	}
	env, ok := repo.Config.Environments.Get("staging")
	if !ok {
		tb.Fatal("examples/.kiln.yaml has no staging environment")
	}
	return repo, env
}

// edit returns a copy of fsys with the given files replaced (nil data
// removes a file).
func edit(fsys fstest.MapFS, files map[string]string) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range fsys {
		out[k] = v
	}
	for k, v := range files {
		if v == "" {
			delete(out, k)
			continue
		}
		out[k] = &fstest.MapFile{Data: []byte(v), Mode: 0o644}
	}
	return out
}

// replace rewrites one file of fsys with old replaced by new, failing when
// old is not there.
func replace(tb testing.TB, fsys fstest.MapFS, name, old, new string) string {
	tb.Helper()
	f, ok := fsys[name]
	if !ok || !strings.Contains(string(f.Data), old) {
		tb.Fatalf("%s has no %q", name, old)
	}
	return strings.Replace(string(f.Data), old, new, 1)
}

// memStore is a BakeStore in memory. It keeps copies, as a real store
// does, so a caller holding a record cannot change the stored one.
type memStore struct {
	mu   sync.Mutex
	recs map[string]reconciler.BakeRecord
	puts int
}

func newMemStore() *memStore { return &memStore{recs: map[string]reconciler.BakeRecord{}} }

func (s *memStore) Put(_ context.Context, b reconciler.BakeRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b.History = slices.Clone(b.History)
	b.AMIs = slices.Clone(b.AMIs)
	s.recs[b.ID] = b
	s.puts++
	return nil
}

func (s *memStore) Get(_ context.Context, id string) (reconciler.BakeRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.recs[id]
	return b, ok, nil
}

func (s *memStore) Active(context.Context) ([]reconciler.BakeRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []reconciler.BakeRecord
	for _, b := range s.recs {
		if !b.Done {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b reconciler.BakeRecord) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// recorder is a BakeReporter that remembers every report. failOn makes
// the report of that state fail once, as a GitHub outage would.
type recorder struct {
	mu      sync.Mutex
	reports []reconciler.BakeRecord
	failOn  string
}

func (r *recorder) ReportBake(_ context.Context, b reconciler.BakeRecord) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failOn != "" && b.State == r.failOn {
		r.failOn = ""
		return errReportFailed
	}
	r.reports = append(r.reports, b)
	return nil
}

// states lists the states reported, in order.
func (r *recorder) states() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, b := range r.reports {
		out = append(out, b.State)
	}
	return out
}

func (r *recorder) last() reconciler.BakeRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reports[len(r.reports)-1]
}

type reportError string

func (e reportError) Error() string { return string(e) }

const errReportFailed = reportError("GitHub is down")
