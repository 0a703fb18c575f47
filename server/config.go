// Package server assembles `kiln serve`: configuration, the HTTP endpoints
// (webhook intake, health, readiness, metrics) and the worker pool over the
// durable queue. It wires; the work lives in webhook, queue and the handlers.
package server

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// Config is the configuration of `kiln serve`.
type Config struct {
	AppID          int64  `yaml:"github-app-id"`
	PrivateKeyFile string `yaml:"github-private-key-file"`
	WebhookSecret  string `yaml:"webhook-secret"`
	// WebhookSecretFile holds the webhook secret (a mounted Secret);
	// LoadConfig reads it into WebhookSecret.
	WebhookSecretFile string `yaml:"webhook-secret-file"`
	// GitHubURL is the REST base URL; GitHub Enterprise Server's is
	// https://HOST/api/v3/.
	GitHubURL string `yaml:"github-url"`
	Listen    string `yaml:"listen"`
	// AdminListen serves /healthz, /readyz and /metrics; loopback by
	// default, so the webhook port facing the internet offers nothing else.
	// Empty: no admin listener.
	AdminListen string `yaml:"admin-listen"`
	// AdminOnMain also serves the admin endpoints on Listen.
	AdminOnMain bool `yaml:"admin-on-main"`
	// DataDir holds the embedded JetStream store (the queue and kiln's
	// durable state). Relative paths are relative to the working directory.
	DataDir string `yaml:"data-dir"`
	// NATSURL selects an external NATS cluster; empty runs NATS embedded.
	NATSURL string `yaml:"nats-url"`
	// NATSReplicas is how many NATS servers of the external cluster keep
	// a copy of the queue and state (1, 3 or 5; a server may then fail).
	NATSReplicas int `yaml:"nats-replicas"`
	Workers      int `yaml:"workers"`
	// BakePoll is how often bake tracking looks for bakes that are due;
	// BakeBackoff bounds the interval between two GetImage calls for one
	// bake, which doubles while its state stays the same.
	BakePoll       time.Duration `yaml:"bake-poll"`
	BakeBackoffMin time.Duration `yaml:"bake-backoff-min"`
	BakeBackoffMax time.Duration `yaml:"bake-backoff-max"`
	// DriftInterval is how often the production branches' heads are
	// compared with Image Builder in environments with drift detection on.
	DriftInterval time.Duration `yaml:"drift-interval"`
	// RetryAfter is the first retry delay of a failed job (doubling);
	// JobTimeout bounds one attempt of a job: past it the attempt is
	// cancelled and retried. A crashed worker's jobs resume sooner, within
	// the queue's ack wait, since live workers keep extending their lease.
	RetryAfter time.Duration `yaml:"retry-after"`
	JobTimeout time.Duration `yaml:"job-timeout"`
	// MemoryLimit is the process's soft memory limit (see MemoryPlan);
	// zero decides it from GOMEMLIMIT or the container.
	MemoryLimit ByteSize `yaml:"memory-limit"`
}

// MinWebhookSecret is the shortest webhook secret kiln accepts, in bytes.
const MinWebhookSecret = 16

// Defaults.
const (
	DefaultGitHubURL = "https://api.github.com/"
	DefaultListen    = ":8080"
	DefaultAdmin     = "127.0.0.1:9090"
	DefaultDataDir   = "data"
	DefaultWorkers   = 4

	DefaultBakePoll       = 5 * time.Second
	DefaultBakeBackoffMin = 15 * time.Second
	DefaultBakeBackoffMax = 5 * time.Minute
	DefaultDriftInterval  = 10 * time.Minute
	DefaultRetryAfter     = 5 * time.Second
	DefaultJobTimeout     = 5 * time.Minute
)

// DefaultConfig is the configuration before files, environment and flags.
func DefaultConfig() Config {
	return Config{
		GitHubURL: DefaultGitHubURL, Listen: DefaultListen, AdminListen: DefaultAdmin, DataDir: DefaultDataDir, Workers: DefaultWorkers,
		BakePoll: DefaultBakePoll, BakeBackoffMin: DefaultBakeBackoffMin, BakeBackoffMax: DefaultBakeBackoffMax,
		DriftInterval: DefaultDriftInterval,
		RetryAfter:    DefaultRetryAfter, JobTimeout: DefaultJobTimeout,
	}
}

// setting ties a Config field to its flag, environment variable and file key.
type setting struct {
	flag, env, usage string
	set              func(c *Config, v string) error
}

func settings() []setting {
	str := func(f func(c *Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *f(c) = v; return nil }
	}
	dur := func(f func(c *Config) *time.Duration) func(*Config, string) error {
		return func(c *Config, v string) error {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil || d <= 0 {
				return fmt.Errorf("not a positive duration such as 30s: %q", v)
			}
			*f(c) = d
			return nil
		}
	}
	return []setting{
		{"github-app-id", "KILN_GITHUB_APP_ID", "GitHub App ID", func(c *Config, v string) error {
			id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("not a GitHub App ID: %q", v)
			}
			c.AppID = id
			return nil
		}},
		{"github-private-key-file", "KILN_GITHUB_PRIVATE_KEY_FILE", "PEM file with the GitHub App's private key", str(func(c *Config) *string { return &c.PrivateKeyFile })},
		{"webhook-secret", "KILN_WEBHOOK_SECRET", "webhook secret (prefer the environment variable: flags show in ps)", str(func(c *Config) *string { return &c.WebhookSecret })},
		{"webhook-secret-file", "KILN_WEBHOOK_SECRET_FILE", "file holding the webhook secret", str(func(c *Config) *string { return &c.WebhookSecretFile })},
		{"github-url", "KILN_GITHUB_URL", "GitHub REST base URL (GitHub Enterprise Server: https://HOST/api/v3/)", str(func(c *Config) *string { return &c.GitHubURL })},
		{"listen", "KILN_LISTEN", "HTTP listen address", str(func(c *Config) *string { return &c.Listen })},
		{"admin-listen", "KILN_ADMIN_LISTEN", "listen address of /healthz, /readyz and /metrics (empty: none)", str(func(c *Config) *string { return &c.AdminListen })},
		{"admin-on-main", "KILN_ADMIN_ON_MAIN", "also serve /healthz, /readyz and /metrics on the webhook listener (true or false)", func(c *Config, v string) error {
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("not true or false: %q", v)
			}
			c.AdminOnMain = b
			return nil
		}},
		{"data-dir", "KILN_DATA_DIR", "directory of the embedded queue and state", str(func(c *Config) *string { return &c.DataDir })},
		{"nats-url", "KILN_NATS_URL", "external NATS URL (empty: embedded NATS in the data dir)", str(func(c *Config) *string { return &c.NATSURL })},
		{"nats-replicas", "KILN_NATS_REPLICAS", "copies of the queue and state in the external NATS cluster (1, 3 or 5)", func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n <= 0 {
				return fmt.Errorf("not a positive number: %q", v)
			}
			c.NATSReplicas = n
			return nil
		}},
		{"workers", "KILN_WORKERS", "jobs handled in parallel", func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n <= 0 {
				return fmt.Errorf("not a positive number: %q", v)
			}
			c.Workers = n
			return nil
		}},
		{"bake-poll", "KILN_BAKE_POLL", "how often bake tracking looks for bakes that are due", dur(func(c *Config) *time.Duration { return &c.BakePoll })},
		{"bake-backoff-min", "KILN_BAKE_BACKOFF_MIN", "first interval between two looks at one bake", dur(func(c *Config) *time.Duration { return &c.BakeBackoffMin })},
		{"bake-backoff-max", "KILN_BAKE_BACKOFF_MAX", "longest interval between two looks at one bake", dur(func(c *Config) *time.Duration { return &c.BakeBackoffMax })},
		{"drift-interval", "KILN_DRIFT_INTERVAL", "how often environments with drift detection are compared with their branch", dur(func(c *Config) *time.Duration { return &c.DriftInterval })},
		{"retry-after", "KILN_RETRY_AFTER", "first retry delay of a failed job (doubles each attempt)", dur(func(c *Config) *time.Duration { return &c.RetryAfter })},
		{"memory-limit", "KILN_MEMORY_LIMIT", "soft memory limit, such as 512MiB (default: GOMEMLIMIT, else " + DefaultMemoryLimit.String() + " or 3/4 of the container's limit)", func(c *Config, v string) error {
			n, err := ParseByteSize(v)
			if err != nil || n < minMemoryLimit {
				return fmt.Errorf("want a size of at least 64MiB, such as 512MiB: %q", v)
			}
			c.MemoryLimit = n
			return nil
		}},
		{"job-timeout", "KILN_JOB_TIMEOUT", "how long one attempt of a job may run before it is cancelled and retried", dur(func(c *Config) *time.Duration { return &c.JobTimeout })},
	}
}

// Flags are serve's settings registered on a flag set: each flag shows its
// default and its environment variable in the help.
type Flags struct {
	fs         *pflag.FlagSet
	configFile *string
	values     []*string
	sets       []setting
}

// AddFlags registers --config and every setting on fs.
func AddFlags(fs *pflag.FlagSet) *Flags {
	f := &Flags{fs: fs, sets: settings()}
	f.configFile = fs.String("config", "", "YAML configuration file with the flags' names as keys (env KILN_CONFIG)")
	defaults := defaultValues(DefaultConfig())
	f.values = make([]*string, len(f.sets))
	for i, s := range f.sets {
		d := defaults[s.flag]
		v := &flagValue{s: d.value, typ: d.typ}
		fl := fs.VarPF(v, s.flag, "", s.usage+" (env "+s.env+")")
		if d.typ == "bool" {
			fl.NoOptDefVal = "true" // --admin-on-main alone means true
		}
		f.values[i] = &v.s
	}
	return f
}

// flagValue is a setting's text as given; the setting parses it, so the
// flag, the environment and the file share one parser. typ names the kind
// of value in the help ("duration", "int").
type flagValue struct{ s, typ string }

func (v *flagValue) String() string     { return v.s }
func (v *flagValue) Set(s string) error { v.s = s; return nil }
func (v *flagValue) Type() string       { return v.typ }

// Load reads the configuration from the parsed flags, the environment and
// an optional YAML file (--config or KILN_CONFIG). Flags win over the
// environment, the environment over the file, the file over the defaults.
// The result is not validated: call Validate.
func (f *Flags) Load(getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	path := *f.configFile
	if path == "" {
		path = getenv("KILN_CONFIG")
	}
	if path != "" {
		if err := loadFile(path, &cfg); err != nil {
			return Config{}, err
		}
	}
	for _, s := range f.sets {
		if v := getenv(s.env); v != "" {
			if err := s.set(&cfg, v); err != nil {
				return Config{}, fmt.Errorf("%s: %w", s.env, err)
			}
		}
	}
	for i, s := range f.sets {
		if !f.fs.Changed(s.flag) {
			continue
		}
		if err := s.set(&cfg, *f.values[i]); err != nil {
			return Config{}, fmt.Errorf("--%s: %w", s.flag, err)
		}
	}
	return cfg, cfg.readSecretFile()
}

// readSecretFile reads WebhookSecretFile into WebhookSecret.
func (c *Config) readSecretFile() error {
	if c.WebhookSecretFile == "" {
		return nil
	}
	if c.WebhookSecret != "" {
		return errors.New("both a webhook secret and a webhook secret file are set: keep one")
	}
	data, err := os.ReadFile(c.WebhookSecretFile)
	if err != nil {
		return fmt.Errorf("webhook secret file: %w", err)
	}
	// Files written by editors and `echo` end in a newline that is not
	// part of the secret GitHub was given.
	c.WebhookSecret = strings.TrimRight(string(data), "\r\n")
	return nil
}

type defaultValue struct{ value, typ string }

// defaultValues are the fields of c by their file key (which is also the
// flag's name): the value as the help shows it (none when zero) and its
// type's name.
func defaultValues(c Config) map[string]defaultValue {
	out := map[string]defaultValue{}
	v := reflect.ValueOf(c)
	for i := range v.NumField() {
		key, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		if key == "" {
			continue
		}
		f := v.Field(i)
		d := defaultValue{typ: "string"}
		switch {
		case f.Type() == reflect.TypeFor[time.Duration]():
			d.typ = "duration"
		case f.Type() == reflect.TypeFor[ByteSize]():
			d.typ = "size"
		case f.CanInt():
			d.typ = "int"
		case f.Kind() == reflect.Bool:
			d.typ = "bool"
		}
		if !f.IsZero() {
			d.value = fmt.Sprint(f.Interface())
		}
		out[key] = d
	}
	return out
}

// LoadConfig reads the configuration from args (flags, without the program
// and command name), the environment and the file, as Flags.Load does.
func LoadConfig(args []string, getenv func(string) string) (Config, error) {
	fs := pflag.NewFlagSet("kiln serve", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return Config{}, fmt.Errorf("%w\n%s", err, Usage())
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), Usage())
	}
	return f.Load(getenv)
}

// Usage describes the flags, their defaults and environment variables.
func Usage() string {
	fs := pflag.NewFlagSet("kiln serve", pflag.ContinueOnError)
	AddFlags(fs)
	return "Usage: kiln serve [flags]\n\n" + fs.FlagUsages()
}

func loadFile(path string, cfg *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

// Validate refuses a configuration kiln cannot serve with, saying which
// setting to fix. It reads and parses the private key.
func (c Config) Validate() error {
	var errs []error
	switch {
	case c.WebhookSecret == "":
		errs = append(errs, errors.New("no webhook secret: set KILN_WEBHOOK_SECRET or KILN_WEBHOOK_SECRET_FILE (or --webhook-secret-file, or webhook-secret in the config file) to the secret of the GitHub App's webhook"))
	case len(c.WebhookSecret) < MinWebhookSecret:
		errs = append(errs, fmt.Errorf("webhook secret of %d bytes: want at least %d (e.g. `openssl rand -hex 32`)", len(c.WebhookSecret), MinWebhookSecret))
	}
	if c.AppID <= 0 {
		errs = append(errs, errors.New("no GitHub App ID: set KILN_GITHUB_APP_ID or --github-app-id"))
	}
	if c.PrivateKeyFile == "" {
		errs = append(errs, errors.New("no GitHub App private key: set KILN_GITHUB_PRIVATE_KEY_FILE or --github-private-key-file to the .pem file GitHub generated"))
	} else if _, err := c.PrivateKey(); err != nil {
		errs = append(errs, err)
	}
	if u, err := url.Parse(c.GitHubURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("github URL %q: want an http(s) URL such as %s", c.GitHubURL, DefaultGitHubURL))
	}
	if c.Listen == "" {
		errs = append(errs, errors.New("empty listen address"))
	}
	if c.AdminListen != "" && c.AdminListen == c.Listen {
		errs = append(errs, fmt.Errorf("admin listen address %s is the webhook listen address: choose another, or set admin-on-main and an empty admin-listen", c.AdminListen))
	}
	if c.NATSURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("no data dir for the embedded queue: set KILN_DATA_DIR or --data-dir, or KILN_NATS_URL"))
	}
	if c.Workers <= 0 {
		errs = append(errs, fmt.Errorf("workers %d: want at least 1", c.Workers))
	}
	if c.MemoryLimit != 0 && c.MemoryLimit < minMemoryLimit {
		errs = append(errs, fmt.Errorf("memory limit %s: want at least %s", c.MemoryLimit, minMemoryLimit))
	}
	return errors.Join(errs...)
}

// Warnings are settings kiln runs with but an operator should fix.
func (c Config) Warnings() []string {
	var out []string
	if fi, err := os.Stat(c.PrivateKeyFile); err == nil && fi.Mode().Perm()&0o004 != 0 {
		out = append(out, fmt.Sprintf("GitHub App private key %s is readable by others (mode %04o): chmod 600 it", c.PrivateKeyFile, fi.Mode().Perm()))
	}
	return out
}

// PrivateKey reads the GitHub App private key file and checks that it holds
// an RSA private key in PEM (PKCS#1, as GitHub generates, or PKCS#8).
func (c Config) PrivateKey() ([]byte, error) {
	pemBytes, err := os.ReadFile(c.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("GitHub App private key: %w", err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("GitHub App private key %s: no PEM block", c.PrivateKeyFile)
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return nil, fmt.Errorf("GitHub App private key %s: %w", c.PrivateKeyFile, err)
		}
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("GitHub App private key %s: %w", c.PrivateKeyFile, err)
		}
		if _, ok := k.(*rsa.PrivateKey); !ok {
			return nil, fmt.Errorf("GitHub App private key %s: %T, want an RSA key", c.PrivateKeyFile, k)
		}
	default:
		return nil, fmt.Errorf("GitHub App private key %s: PEM block %q, want RSA PRIVATE KEY", c.PrivateKeyFile, block.Type)
	}
	return pemBytes, nil
}

// LogValue logs the configuration without the webhook secret.
func (c Config) LogValue() slog.Value {
	secret := "unset"
	if c.WebhookSecret != "" {
		secret = "set"
	}
	return slog.GroupValue(
		slog.Int64("github_app_id", c.AppID),
		slog.String("github_private_key_file", c.PrivateKeyFile),
		slog.String("webhook_secret", secret),
		slog.String("webhook_secret_file", c.WebhookSecretFile),
		slog.String("github_url", c.GitHubURL),
		slog.String("listen", c.Listen),
		slog.String("admin_listen", c.AdminListen),
		slog.Bool("admin_on_main", c.AdminOnMain),
		slog.String("data_dir", c.DataDir),
		slog.String("nats_url", redactURL(c.NATSURL)),
		slog.Int("nats_replicas", c.NATSReplicas),
		slog.Int("workers", c.Workers),
		slog.String("memory_limit", c.MemoryLimit.String()),
		slog.Duration("bake_poll", c.BakePoll),
		slog.Duration("bake_backoff_min", c.BakeBackoffMin),
		slog.Duration("bake_backoff_max", c.BakeBackoffMax),
		slog.Duration("drift_interval", c.DriftInterval),
		slog.Duration("retry_after", c.RetryAfter),
		slog.Duration("job_timeout", c.JobTimeout),
	)
}

// String is LogValue's text, so printing a Config never shows the secret.
func (c Config) String() string { return c.LogValue().String() }

// redactURL drops credentials from a NATS URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// GoString keeps %#v from printing the secret too.
func (c Config) GoString() string { return "server.Config" + c.String() }
