package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/spf13/cobra"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/gh"
	"github.com/kiln-gitops/kiln/gitfetch"
	"github.com/kiln-gitops/kiln/imagebuilder"
	"github.com/kiln-gitops/kiln/job"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/queue"
	"github.com/kiln-gitops/kiln/reconciler"
	"github.com/kiln-gitops/kiln/server"
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the GitHub App",
		Long: `Serve runs kiln as a GitHub App: webhooks arrive at POST /webhook, health,
readiness and metrics are served on the admin listener. Every setting is a
flag, an environment variable (named beside it below) or a key of the
--config file; flags win over the environment, the environment over the file.
It refuses to start without a webhook secret.`,
		Args: cobra.NoArgs,
	}
	flags := server.AddFlags(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := flags.Load(os.Getenv)
		if err != nil {
			return usageErrorf("%v", err)
		}
		return runServe(cmd.Context(), cfg, cmd.OutOrStdout())
	}
	return cmd
}

// runServe is `kiln serve`: the GitHub App. It wires the adapters (GitHub,
// Git, Image Builder, JetStream) to the jobs and serves until SIGTERM.
func runServe(ctx context.Context, cfg server.Config, stdout io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return usageErrorf("refusing to start:\n%v", err)
	}
	log := server.NewLogger(stdout, slog.LevelInfo)
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	if err := serve(ctx, cfg, log); err != nil {
		log.Error("kiln serve stopped", "err", err)
		return &exitError{code: exitFindings}
	}
	return nil
}

func serve(ctx context.Context, cfg server.Config, log *slog.Logger) error {
	key, err := cfg.PrivateKey()
	if err != nil {
		return err
	}
	metrics := server.NewMetrics()
	clients, err := gh.New(gh.Config{AppID: cfg.AppID, PrivateKey: key, BaseURL: cfg.GitHubURL, Observer: metrics, Logger: log.With("component", "github")})
	if err != nil {
		return err
	}
	srv, err := server.New(ctx, cfg, log, server.Options{Metrics: metrics, Queue: queue.Config{
		JobTimeout: cfg.JobTimeout,
		Backoff:    []time.Duration{cfg.RetryAfter, 2 * cfg.RetryAfter, 4 * cfg.RetryAfter, 8 * cfg.RetryAfter},
	}})
	if err != nil {
		return err
	}
	defer srv.Close()
	state, err := srv.Queue().Store(ctx, "kiln_state")
	if err != nil {
		return err
	}
	mem := cfg.MemoryPlan(os.Getenv, server.CgroupMemoryLimit)
	if mem.Source != "GOMEMLIMIT" {
		debug.SetMemoryLimit(mem.Limit)
	}
	log.Info("memory", "limit", server.ByteSize(mem.Limit).String(), "from", mem.Source, "load_budget", server.ByteSize(mem.LoadBudget).String())
	checker, err := check.New(check.WithBudget(mem.LoadBudget))
	if err != nil {
		return err
	}
	deps := &job.Deps{
		GitHub:  clients.Factory(),
		Fetch:   fetcher(checker, mem.LoadBudget/2, gitfetch.Fetch),
		Checker: checker,
		State:   state,
		Log:     log.With("component", "job"),
		Now:     time.Now,
		WithKey: srv.Queue().WithKey,
	}
	if awsCfg, err := awsConfig(ctx, ""); err != nil {
		log.Warn("no AWS credentials: plans show a note, merges are not applied", "err", err)
	} else {
		deps.Environments = (&environments{base: awsCfg, log: log.With("component", "imagebuilder")}).open
	}

	tracker := &reconciler.Tracker{
		Store:    job.BakeStore{KV: state},
		Reporter: job.BakeReporter{Deps: deps},
		Open:     deps.OpenEnvironment,
		Backoff:  reconciler.Backoff{First: cfg.BakeBackoffMin, Max: cfg.BakeBackoffMax},
		Now:      time.Now,
		Log:      log.With("component", "bakes"),
	}
	var wg sync.WaitGroup
	trackCtx, stopTracking := context.WithCancel(ctx)
	defer func() { stopTracking(); wg.Wait() }()
	if deps.Environments != nil {
		// One replica at a time follows the bakes and checks for drift,
		// under leases in JetStream; another takes over when it dies.
		q := srv.Queue()
		wg.Go(func() {
			_ = q.RunLeased(trackCtx, "bake-tracker", func(ctx context.Context) { tracker.Run(ctx, cfg.BakePoll) })
		})
		// Environments whose .kiln.yaml sets drift: warn or correct are
		// compared with their branch's head on every interval, never
		// while a push to the branch is being applied.
		drift := &job.DriftChecker{Deps: &job.Deps{
			GitHub: deps.GitHub, Fetch: deps.Fetch, Checker: deps.Checker, Environments: deps.Environments,
			State: deps.State, Log: log.With("component", "drift"), Now: deps.Now, WithKey: deps.WithKey,
		}}
		wg.Go(func() {
			_ = q.RunLeased(trackCtx, "drift", func(ctx context.Context) { drift.Run(ctx, cfg.DriftInterval) })
		})
	}

	return srv.Serve(ctx, server.ServeOptions{
		Handlers:    job.Handlers(deps),
		GitHubReady: clients.Reachable,
	})
}

// fetcher is job.Fetcher over gitfetch. A fetch may inflate at most
// maxUnpacked bytes of objects and reserves that much of the load budget
// while it runs, so the fetches of all workers share the memory the loads
// do: a few large pull requests (from forks too) fetch one after another.
// Git's refusal of the token is told apart, so the job can replace the
// token.
func fetcher(budget reserver, maxUnpacked int64, fetch func(context.Context, gitfetch.FetchOptions) (fs.FS, error)) job.Fetcher {
	return func(ctx context.Context, url, token, ref, sha string) (fs.FS, error) {
		release, err := budget.Reserve(ctx, maxUnpacked)
		if err != nil {
			return nil, fmt.Errorf("wait for memory to fetch: %w", err)
		}
		defer release()
		tree, err := fetch(ctx, gitfetch.FetchOptions{URL: url, Token: token, Ref: ref, SHA: sha, MaxUnpackedBytes: maxUnpacked})
		switch {
		case errors.Is(err, transport.ErrAuthenticationRequired) || errors.Is(err, transport.ErrAuthorizationFailed):
			return nil, fmt.Errorf("%w: %w", job.ErrTokenRefused, err)
		case errors.Is(err, gitfetch.ErrTooLarge):
			return nil, fmt.Errorf("%w: %w", job.ErrTooLarge, err)
		}
		return tree, err
	}
}

// reserver is the part of check.Checker fetcher needs.
type reserver interface {
	Reserve(ctx context.Context, n int64) (release func(), err error)
}

// environments keeps one Image Builder client per environment, so role
// credentials and the component tag cache live as long as the process.
type environments struct {
	base aws.Config
	// log is kiln's JSON logger; without it the clients would log in
	// slog's default text format.
	log     *slog.Logger
	mu      sync.Mutex
	clients map[model.Environment]*imagebuilder.Client
}

func (e *environments) open(ctx context.Context, env model.Environment) (reconciler.ImageBuilder, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.clients[env]; ok {
		return c, nil
	}
	c, err := imagebuilder.ForEnvironment(ctx, e.base, env, imagebuilder.WithLogger(e.log))
	if err != nil {
		return nil, err
	}
	if e.clients == nil {
		e.clients = map[model.Environment]*imagebuilder.Client{}
	}
	e.clients[env] = c
	return c, nil
}
