package job

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

func TestShouldReport(t *testing.T) {
	tests := []struct {
		name  string
		last  driftState
		known bool
		cur   driftState
		want  bool
	}{
		{"first check, no drift", driftState{}, false, driftState{Commit: "a"}, true},
		{"first check, drift", driftState{}, false, driftState{Commit: "a", Fingerprint: "x"}, true},
		{"still no drift", driftState{Commit: "a"}, true, driftState{Commit: "a"}, false},
		{"no drift at a new head", driftState{Commit: "a"}, true, driftState{Commit: "b"}, false},
		{"same drift", driftState{Commit: "a", Fingerprint: "x"}, true, driftState{Commit: "a", Fingerprint: "x"}, false},
		{"drift appears", driftState{Commit: "a"}, true, driftState{Commit: "a", Fingerprint: "x"}, true},
		{"drift changes", driftState{Commit: "a", Fingerprint: "x"}, true, driftState{Commit: "a", Fingerprint: "y"}, true},
		{"drift gone", driftState{Commit: "a", Fingerprint: "x"}, true, driftState{Commit: "a"}, true},
		{"same drift at a new head", driftState{Commit: "a", Fingerprint: "x"}, true, driftState{Commit: "b", Fingerprint: "x"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shouldReport(tt.last, tt.known, tt.cur); got != tt.want {
				t.Errorf("shouldReport = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDriftedAndFingerprint(t *testing.T) {
	live := func(d string) *reconciler.Live { return &reconciler.Live{Arn: "arn:x", Digest: d} }
	change := func(a reconciler.Action, name string, l *reconciler.Live) reconciler.Change {
		return reconciler.Change{Action: a, Kind: model.KindInfrastructureConfiguration, Name: name, Live: l, Digest: "want"}
	}
	plan := &reconciler.Plan{Changes: []reconciler.Change{
		change(reconciler.ActionUnchanged, "a", live("want")),
		change(reconciler.ActionUpdate, "b", live("other")),
		change(reconciler.ActionCreate, "c", nil),
		change(reconciler.ActionOrphaned, "d", live("old")),
		change(reconciler.ActionDelete, "e", live("old")),
		change(reconciler.ActionError, "f", live("x")),
	}}
	got := drifted(plan)
	var actions []reconciler.Action
	for _, c := range got {
		actions = append(actions, c.Action)
	}
	want := []reconciler.Action{reconciler.ActionUpdate, reconciler.ActionCreate, reconciler.ActionOrphaned, reconciler.ActionDelete, reconciler.ActionError}
	if !slices.Equal(actions, want) {
		t.Fatalf("drifted actions %v, want %v", actions, want)
	}
	if fingerprint(nil) != "" {
		t.Error("no drift must have the empty fingerprint")
	}
	fp := fingerprint(got)
	if fp == "" || fp != fingerprint(drifted(plan)) {
		t.Errorf("fingerprint not stable: %q", fp)
	}
	// The same resource tampered with again is new drift.
	again := slices.Clone(got)
	again[0].Live = live("other-again")
	if fingerprint(again) == fp {
		t.Error("a different live digest gives the same fingerprint")
	}
	// A correction whose tag was overwritten at once: the digest and the
	// reason are as before, the fields are not.
	fields := slices.Clone(got)
	fields[0].Fields = []reconciler.FieldDiff{{Path: "spec.instanceTypes", Live: `["t3.nano"]`, Desired: `["m7i.large"]`}}
	if fingerprint(fields) == fp {
		t.Error("different fields give the same fingerprint")
	}
}

func TestHeadCommit(t *testing.T) {
	if _, err := headCommit(fstest.MapFS{}); err == nil {
		t.Error("a tree without a commit was accepted")
	}
	if got, err := headCommit(commitFS{fstest.MapFS{}, "abc123"}); err != nil || got != "abc123" {
		t.Errorf("headCommit = %q, %v", got, err)
	}
}

// commitFS is a tree that knows its commit, as gitfetch.TreeFS does.
type commitFS struct {
	fs.FS
	sha string
}

func (c commitFS) Commit() string { return c.sha }

// memKV is KV in memory.
type memKV struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (k *memKV) Get(_ context.Context, key string) ([]byte, bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[key]
	return v, ok, nil
}

func (k *memKV) Put(_ context.Context, key string, v []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string][]byte{}
	}
	k.m[key] = v
	return nil
}

func (k *memKV) Keys(_ context.Context, prefix string) ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for key := range k.m {
		if strings.HasPrefix(key, prefix) {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out, nil
}

// checkRuns records the check runs a job posts; the methods drift
// detection does not use are left to the nil embedded interface.
type checkRuns struct {
	GitHub
	mu   sync.Mutex
	runs []*recordedRun
}

type recordedRun struct {
	name, sha, externalID string
	updates               []CheckRunUpdate
}

func (g *checkRuns) CloneToken(context.Context) (string, error) { return "token", nil }

func (g *checkRuns) StartCheckRun(_ context.Context, name, sha, ext string) (int64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, r := range g.runs {
		if r.name == name && r.sha == sha && r.externalID == ext {
			return int64(i), nil
		}
	}
	g.runs = append(g.runs, &recordedRun{name: name, sha: sha, externalID: ext})
	return int64(len(g.runs) - 1), nil
}

func (g *checkRuns) UpdateCheckRun(_ context.Context, id int64, name string, u CheckRunUpdate) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.runs[id]
	if r.name != name {
		return fmt.Errorf("run %d is %s, not %s", id, r.name, name)
	}
	r.updates = append(r.updates, u)
	return nil
}

func (g *checkRuns) updates() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, r := range g.runs {
		n += len(r.updates)
	}
	return n
}

func (g *checkRuns) last() CheckRunUpdate {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.runs[len(g.runs)-1]
	return r.updates[len(r.updates)-1]
}

// memIB holds what apply creates, in memory, keyed by ARN.
type memIB struct {
	reconciler.ImageBuilder
	mu   sync.Mutex
	live map[string]reconciler.Live
}

func (m *memIB) List(context.Context) ([]reconciler.Live, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Collect(maps.Values(m.live)), nil
}

func (m *memIB) Create(_ context.Context, r *model.Resource, _ reconciler.Resolver, _ string, tags map[string]string, dryRun bool) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	arn := fmt.Sprintf("arn:mem:%s/%s/%s", r.Kind, r.Metadata.Name, r.Metadata.Version)
	if !dryRun {
		if m.live == nil {
			m.live = map[string]reconciler.Live{}
		}
		m.live[arn] = reconciler.Live{Kind: r.Kind, Name: r.Metadata.Name, Version: r.Metadata.Version, Arn: arn, Digest: tags[reconciler.TagDigest], Managed: true, Tags: tags}
	}
	return arn, nil
}

func (m *memIB) Update(_ context.Context, _ *model.Resource, arn string, _ reconciler.Resolver, _ string, tags map[string]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.live[arn]
	l.Digest, l.Tags = tags[reconciler.TagDigest], tags
	m.live[arn] = l
	return nil
}

func (m *memIB) Delete(_ context.Context, _ model.Kind, arn string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.live, arn)
	return nil
}

// tamper sets the digest of every resource called name.
func (m *memIB) tamper(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for arn, l := range m.live {
		if l.Name == name {
			l.Digest = "tampered"
			m.live[arn] = l
		}
	}
}

// examplesWithDrift is examples/ (without broken/) with staging's drift
// set to mode.
func examplesWithDrift(t *testing.T, mode string) fstest.MapFS {
	t.Helper()
	root := filepath.Join("..", "examples")
	out := fstest.MapFS{}
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
		out[filepath.ToSlash(rel)] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(out[".kiln.yaml"].Data)
	if !strings.Contains(cfg, "    branch: main\n") {
		t.Fatal("examples/.kiln.yaml no longer has staging on main")
	}
	out[".kiln.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(cfg, "    branch: main\n", "    branch: main\n    drift: "+mode+"\n", 1))}
	return out
}

// applyStaging puts head's staging environment in place in ib, as a push
// would, and records head as applied with drift set to mode. It returns
// the environment as head's .kiln.yaml has it.
func applyStaging(t *testing.T, checker *check.Checker, ib *memIB, kv KV, repo Repo, head commitFS, mode string) model.Environment {
	t.Helper()
	ctx := context.Background()
	res, err := checker.Run(ctx, check.Input{Head: head.FS})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := res.Config.Environments.Get("staging")
	if _, err := reconciler.Apply(ctx, ib, res.Head, reconciler.Build(env, res.Head, nil), reconciler.ApplyMeta{Repo: repo.FullName(), Commit: head.sha}); err != nil {
		t.Fatal(err)
	}
	remembered := env
	remembered.Drift = mode
	if err := rememberDriftTarget(ctx, kv, repo, remembered, head.sha); err != nil {
		t.Fatal(err)
	}
	return env
}

func TestDriftCheckerTick(t *testing.T) {
	checker, err := check.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	repo := Repo{Owner: "platform", Name: "golden-images", CloneURL: "https://git.invalid/platform/golden-images.git", Installation: 7}

	tests := []struct {
		name string
		// remembered is the drift mode recorded at the last apply; mode
		// is the one in the branch head's .kiln.yaml.
		remembered, mode string
		wantFetch        bool
		wantConclusion   string
		wantTitle        string
		wantLive         string // the digest of build-ami afterwards
		// before changes the environment besides tampering with build-ami.
		before      func(m *memIB)
		wantSummary string
	}{
		{name: "off at the last apply: not even fetched", remembered: DriftOff, mode: DriftWarn},
		{name: "turned off on the branch", remembered: DriftWarn, mode: DriftOff, wantFetch: true, wantLive: "tampered"},
		{name: "warn", remembered: DriftWarn, mode: DriftWarn, wantFetch: true, wantConclusion: "neutral", wantTitle: "Drift in staging", wantLive: "tampered"},
		{name: "correct", remembered: DriftWarn, mode: DriftCorrect, wantFetch: true, wantConclusion: "success", wantTitle: "Drift in staging corrected"},
		{
			name: "correct keeps orphans without pruning", remembered: DriftCorrect, mode: DriftCorrect, wantFetch: true,
			before: func(m *memIB) {
				m.live["arn:mem:legacy"] = reconciler.Live{Kind: model.KindInfrastructureConfiguration, Name: "legacy", Arn: "arn:mem:legacy", Digest: "old", Managed: true}
			},
			wantConclusion: "success", wantTitle: "Drift in staging corrected", wantSummary: "Kept (pruning is off): orphaned InfrastructureConfiguration/legacy",
		},
		{
			name: "correct refuses a plan with errors", remembered: DriftCorrect, mode: DriftCorrect, wantFetch: true,
			before: func(m *memIB) {
				for arn, l := range m.live {
					if l.Name == "build-ami" {
						l.Managed = false
						m.live[arn] = l
					}
				}
			},
			wantConclusion: "failure", wantTitle: "Drift in staging not corrected: the plan has errors", wantLive: "tampered",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := examplesWithDrift(t, tt.mode)
			head := commitFS{tree, "c0ffee0000000000000000000000000000000001"}
			ib := &memIB{}
			kv := &memKV{}
			gh := &checkRuns{}
			fetches := 0
			deps := &Deps{
				GitHub: func(context.Context, Repo) (GitHub, error) { return gh, nil },
				Fetch: func(_ context.Context, url, token, ref, sha string) (fs.FS, error) {
					fetches++
					if url != repo.CloneURL || token != "token" || ref != "refs/heads/main" || sha != "" {
						return nil, fmt.Errorf("fetch %s %s %s", url, ref, sha)
					}
					return head, nil
				},
				Checker:      checker,
				Environments: func(context.Context, model.Environment) (reconciler.ImageBuilder, error) { return ib, nil },
				State:        kv,
			}
			applyStaging(t, checker, ib, kv, repo, head, tt.remembered)

			dc := &DriftChecker{Deps: deps}
			if err := dc.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			if tt.wantFetch {
				if fetches != 1 {
					t.Fatalf("fetched %d times, want once", fetches)
				}
			} else if fetches != 0 {
				t.Fatalf("fetched %d times, want none", fetches)
			}
			if tt.wantConclusion == "" {
				ib.tamper("build-ami")
				if err := dc.Tick(ctx); err != nil {
					t.Fatal(err)
				}
				if gh.updates() != 0 {
					t.Fatalf("drift off posted %d check run updates", gh.updates())
				}
				return
			}
			if u := gh.last(); u.Conclusion != "success" || !strings.Contains(u.Output.Title, "No drift") {
				t.Errorf("first check: %s %q, want success, no drift", u.Conclusion, u.Output.Title)
			}
			if tt.before != nil {
				tt.before(ib)
			}
			ib.tamper("build-ami")
			if err := dc.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			u := gh.last()
			if !strings.Contains(u.Output.Summary, tt.wantSummary) {
				t.Errorf("the report lacks %q:\n%s", tt.wantSummary, u.Output.Summary)
			}
			if u.Conclusion != tt.wantConclusion || !strings.HasPrefix(u.Output.Title, tt.wantTitle) {
				t.Errorf("after tampering: %s %q, want %s %q", u.Conclusion, u.Output.Title, tt.wantConclusion, tt.wantTitle)
			}
			if !strings.Contains(u.Output.Summary, "InfrastructureConfiguration/build-ami") {
				t.Errorf("the report does not name build-ami:\n%s", u.Output.Summary)
			}
			if len(gh.runs) != 1 || gh.runs[0].name != CheckDrift("staging") || gh.runs[0].sha != head.sha {
				t.Errorf("check runs: %+v, want one kiln/drift (staging) on the head", gh.runs)
			}
			// Nothing new: nothing posted.
			n := gh.updates()
			if err := dc.Tick(ctx); err != nil {
				t.Fatal(err)
			}
			if gh.updates() != n {
				t.Errorf("an unchanged state was posted again (%d updates, then %d)", n, gh.updates())
			}
			for _, l := range ib.live {
				if l.Name == "build-ami" {
					if tt.wantLive == "tampered" && l.Digest != "tampered" {
						t.Errorf("build-ami changed in %s mode", tt.mode)
					}
					if tt.wantLive == "" && l.Digest == "tampered" {
						t.Error("build-ami was not corrected")
					}
				}
			}
		})
	}
}

// While the branch head is not the commit last applied (its push is still
// queued), drift detection leaves the environment to that push: it neither
// reports nor corrects, and it holds the branch's queue key while it looks.
func TestDriftWaitsForTheHeadToBeApplied(t *testing.T) {
	checker, err := check.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	repo := Repo{Owner: "platform", Name: "golden-images", CloneURL: "https://git.invalid/platform/golden-images.git", Installation: 7}
	tree := examplesWithDrift(t, DriftCorrect)
	applied := commitFS{tree, "c0ffee0000000000000000000000000000000001"}
	pushed := commitFS{tree, "c0ffee0000000000000000000000000000000002"}
	head := applied
	ib, kv, gh := &memIB{}, &memKV{}, &checkRuns{}
	var keys []string
	dc := &DriftChecker{
		Deps: &Deps{
			GitHub:       func(context.Context, Repo) (GitHub, error) { return gh, nil },
			Fetch:        func(context.Context, string, string, string, string) (fs.FS, error) { return head, nil },
			Checker:      checker,
			Environments: func(context.Context, model.Environment) (reconciler.ImageBuilder, error) { return ib, nil },
			State:        kv,
			WithKey: func(ctx context.Context, key string, fn func(context.Context) error) error {
				keys = append(keys, key)
				return fn(ctx)
			},
		},
	}
	env := applyStaging(t, checker, ib, kv, repo, applied, DriftCorrect)
	tampered := func() bool {
		for _, l := range ib.live {
			if l.Name == "build-ami" {
				return l.Digest == "tampered"
			}
		}
		t.Fatal("no build-ami")
		return false
	}

	var logged bytes.Buffer
	dc.Log = slog.New(slog.NewTextHandler(&logged, nil))
	head = pushed
	ib.tamper("build-ami")
	for range 2 {
		if err := dc.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logged.String(), "drift waits for the branch head to be applied"); n != 1 {
		t.Errorf("waiting logged %d times over two ticks, want once:\n%s", n, logged.String())
	}
	if gh.updates() != 0 || !tampered() {
		t.Fatalf("drift acted on a head not applied yet: %d check run updates, build-ami tampered %v", gh.updates(), tampered())
	}
	if want := []string{"platform/golden-images@main", "platform/golden-images@main"}; !slices.Equal(keys, want) {
		t.Errorf("held queue keys %q, want %q", keys, want)
	}

	// The push is applied: from now on drift compares with it.
	if err := rememberDriftTarget(ctx, kv, repo, env, pushed.sha); err != nil {
		t.Fatal(err)
	}
	if err := dc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if u := gh.last(); u.Conclusion != "success" || !strings.HasPrefix(u.Output.Title, "Drift in staging corrected") || tampered() {
		t.Errorf("after the push was applied: %s %q, build-ami tampered %v", u.Conclusion, u.Output.Title, tampered())
	}
	if len(gh.runs) != 1 || gh.runs[0].sha != pushed.sha {
		t.Errorf("check runs %+v, want one on the pushed head", gh.runs)
	}
}
