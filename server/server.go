package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kiln-gitops/kiln/queue"
	"github.com/kiln-gitops/kiln/webhook"
)

// Server is a running kiln App: an open queue and, once Serve is called, the
// HTTP endpoints and the workers.
type Server struct {
	cfg             Config
	log             *slog.Logger
	metrics         *Metrics
	queue           *queue.Queue
	draining        atomic.Bool
	shutdownTimeout time.Duration
	queueReady      *cachedCheck
}

// Options are the optional parts of a Server.
type Options struct {
	// Metrics to use, so that the GitHub client built before the server can
	// report to the same registry; NewMetrics() if nil.
	Metrics *Metrics
	// Queue tunes the queue; its DataDir and URL come from Config.
	Queue queue.Config
	// ShutdownTimeout bounds how long Serve waits for open HTTP requests
	// once its context is done (default 10s). Running jobs get
	// Queue.ShutdownGrace on top.
	ShutdownTimeout time.Duration
}

// New opens the queue (starting embedded NATS unless cfg.NATSURL is set).
// Call Validate on cfg first.
func New(ctx context.Context, cfg Config, log *slog.Logger, opts Options) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := opts.Metrics
	if m == nil {
		m = NewMetrics()
	}
	qcfg := opts.Queue
	qcfg.DataDir, qcfg.URL = cfg.DataDir, cfg.NATSURL
	if cfg.NATSURL != "" {
		qcfg.Replicas = cfg.NATSReplicas
	}
	if cfg.NATSURL == "" {
		if err := writableDir(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	q, err := queue.Open(ctx, qcfg, log.With("component", "queue"))
	if err != nil {
		return nil, err
	}
	if err := m.WatchQueue(q.Depth); err != nil {
		_ = q.Close()
		return nil, fmt.Errorf("queue metrics: %w", err)
	}
	s := &Server{cfg: cfg, log: log, metrics: m, queue: q, queueReady: &cachedCheck{ttl: 2 * time.Second, check: q.Ready}}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 10 * time.Second
	}
	s.shutdownTimeout = opts.ShutdownTimeout
	return s, nil
}

// Queue is the server's queue, e.g. for Queue().KV(ctx, "bakes").
func (s *Server) Queue() *queue.Queue { return s.queue }

// Metrics is the server's metrics, for the GitHub client.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Close closes the queue.
func (s *Server) Close() error { return s.queue.Close() }

// ServeOptions say what the workers do and how readiness is judged.
type ServeOptions struct {
	// Handlers do the work of queued deliveries, one per event.
	Handlers []webhook.EventHandler
	// GitHubReady, if set, is part of /readyz. It is called on every probe,
	// so it must answer from what it knows (gh.Clients.Reachable does),
	// never with a GitHub call per probe.
	GitHubReady func(ctx context.Context) error
	// Listener to serve webhooks on instead of listening on Config.Listen;
	// AdminListener likewise for Config.AdminListen.
	Listener      net.Listener
	AdminListener net.Listener
}

// Handler returns the webhook endpoint, POST /webhook, and with
// Config.AdminOnMain the admin endpoints too.
func (s *Server) Handler(githubReady func(ctx context.Context) error) (http.Handler, error) {
	intake, err := webhook.NewIntake([]byte(s.cfg.WebhookSecret), s.queue, webhook.IntakeOptions{
		Log:     s.log.With("component", "intake"),
		Observe: s.metrics.Delivery,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhook", intake)
	if s.cfg.AdminOnMain {
		s.adminRoutes(mux, githubReady)
	}
	return mux, nil
}

// AdminHandler returns GET /healthz, GET /readyz and GET /metrics.
func (s *Server) AdminHandler(githubReady func(ctx context.Context) error) http.Handler {
	mux := http.NewServeMux()
	s.adminRoutes(mux, githubReady)
	return mux
}

func (s *Server) adminRoutes(mux *http.ServeMux, githubReady func(ctx context.Context) error) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := s.ready(r.Context(), githubReady); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = fmt.Fprintf(w, "not ready: %v\n", err)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", s.metrics.Handler())
}

func (s *Server) ready(ctx context.Context, githubReady func(ctx context.Context) error) error {
	if s.draining.Load() {
		return errors.New("shutting down")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := s.queueReady.run(ctx); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	if githubReady != nil {
		if err := githubReady(ctx); err != nil {
			return fmt.Errorf("github: %w", err)
		}
	}
	return nil
}

// Serve runs the HTTP endpoints and the workers until ctx is done, then
// shuts down in order: readiness fails, intake stops taking requests (open
// ones finish), workers finish running jobs within the queue's grace period.
func (s *Server) Serve(ctx context.Context, opts ServeOptions) error {
	router, err := webhook.NewRouter(s.log.With("component", "worker"), s.metrics.JobDone, opts.Handlers...)
	if err != nil {
		return err
	}
	handler, err := s.Handler(opts.GitHubReady)
	if err != nil {
		return err
	}
	ln := opts.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", s.cfg.Listen); err != nil {
			return fmt.Errorf("listen on %s: %w", s.cfg.Listen, err)
		}
	}
	srv := s.httpServer(handler)
	var admin *http.Server
	adminLn := opts.AdminListener
	if adminLn == nil && s.cfg.AdminListen != "" {
		if adminLn, err = net.Listen("tcp", s.cfg.AdminListen); err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s (admin): %w", s.cfg.AdminListen, err)
		}
	}
	if adminLn != nil {
		admin = s.httpServer(s.AdminHandler(opts.GitHubReady))
	}

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	workersDone := make(chan error, 1)
	go func() { workersDone <- s.queue.Run(workCtx, s.cfg.Workers, router) }()
	httpDone := make(chan error, 2)
	go func() { httpDone <- srv.Serve(ln) }()
	adminAddr := ""
	if admin != nil {
		adminAddr = adminLn.Addr().String()
		go func() { httpDone <- fmt.Errorf("admin: %w", admin.Serve(adminLn)) }()
	}
	s.log.InfoContext(ctx, "kiln serving", "addr", ln.Addr().String(), "admin_addr", adminAddr, "config", s.cfg)

	select {
	case <-ctx.Done():
	case err := <-httpDone:
		stopWork()
		<-workersDone
		_ = srv.Close()
		if admin != nil {
			_ = admin.Close()
		}
		return fmt.Errorf("http server: %w", err)
	}
	s.log.InfoContext(ctx, "shutting down")
	s.draining.Store(true)
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		s.log.WarnContext(ctx, "http shutdown", "error", err)
		_ = srv.Close()
	}
	stopWork()
	werr := <-workersDone
	// The admin port answers (readiness: shutting down) until the work is
	// done, so an orchestrator sees the drain.
	if admin != nil {
		_ = admin.Close()
	}
	s.log.InfoContext(ctx, "stopped")
	return werr
}

// Run is `kiln serve`: it validates cfg, opens the queue, serves until
// SIGTERM or SIGINT (or ctx is done) and shuts down gracefully.
func Run(ctx context.Context, cfg Config, log *slog.Logger, opts Options, serve ServeOptions) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	s, err := New(ctx, cfg, log, opts)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Serve(ctx, serve)
}

// httpServer bounds what one connection may hold: the intake bounds a
// body's read time itself, these bound the rest.
func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute, // a 25 MB payload on a slow link
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// NewLogger is the JSON logger of `kiln serve`. Durations are written as
// Go durations ("1.5s"), not as nanosecond counts.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: durationText}))
}

func durationText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}
