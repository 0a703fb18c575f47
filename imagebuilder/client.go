// Package imagebuilder is kiln's adapter to EC2 Image Builder (and to SSM
// for publishing AMI ids) in one environment: an account and region,
// reached through the environment's role. It translates kiln resources
// into the service's calls and the service's answers into plain values;
// what to create, update or bake is decided by the reconciler, not here.
//
// Every list is paginated, throttling and transient failures are retried by
// the SDK's standard retryer, and every write takes a client token so that a
// retried or replayed call never creates anything twice.
package imagebuilder

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kiln-gitops/kiln/model"
)

// Tags kiln writes on everything it creates.
const (
	TagManaged = "kiln:managed" // "true"
	TagDigest  = "kiln:digest"  // model.Digest of the resource
	TagRepo    = "kiln:repo"    // owner/name of the repository
	TagCommit  = "kiln:commit"  // commit the resource was applied from
)

// Defaults of the retry policy: Image Builder's request quotas are low
// (a few calls per second per operation), so an apply of many resources
// meets throttling as a matter of course and must wait it out.
const (
	DefaultMaxAttempts = 8
	DefaultMaxBackoff  = 20 * time.Second
	// DefaultListConcurrency bounds the tag reads List makes in parallel.
	DefaultListConcurrency = 8
)

// Client is Image Builder in one environment. It is safe for concurrent
// use.
type Client struct {
	env  model.Environment
	ib   *ib.Client
	ssm  *ssm.Client
	log  *slog.Logger
	tags *TagCache
	conc int
}

type options struct {
	endpoint    string
	maxAttempts int
	maxBackoff  time.Duration
	log         *slog.Logger
	cache       *TagCache
	conc        int
}

// Option configures a Client.
type Option func(*options)

// WithEndpoint sends Image Builder and SSM calls to url (an emulator in
// tests). Production uses the SDK's endpoint resolution, which already
// honours AWS_ENDPOINT_URL_IMAGEBUILDER and AWS_ENDPOINT_URL_SSM.
func WithEndpoint(url string) Option { return func(o *options) { o.endpoint = url } }

// WithRetry sets the retryer's attempts per call and longest backoff
// between them; tests shorten the backoff to keep throttling scenarios fast.
func WithRetry(maxAttempts int, maxBackoff time.Duration) Option {
	return func(o *options) { o.maxAttempts, o.maxBackoff = maxAttempts, maxBackoff }
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithTagCache shares a cache of component tags between clients (and so
// between plans): component listings carry no tags, so without a warm cache
// List reads them once per component version.
func WithTagCache(c *TagCache) Option { return func(o *options) { o.cache = c } }

// WithListConcurrency bounds the parallel tag reads of List.
func WithListConcurrency(n int) Option { return func(o *options) { o.conc = n } }

// New builds a Client for env from cfg, whose credentials must already be
// the environment's. The region is env.Region when set.
func New(cfg aws.Config, env model.Environment, opts ...Option) *Client {
	o := options{maxAttempts: DefaultMaxAttempts, maxBackoff: DefaultMaxBackoff, conc: DefaultListConcurrency}
	for _, f := range opts {
		f(&o)
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.cache == nil {
		o.cache = NewTagCache()
	}
	if o.conc < 1 {
		o.conc = 1
	}
	cfg = cfg.Copy()
	if env.Region != "" {
		cfg.Region = env.Region
	}
	cfg.Retryer = newRetryer(o.maxAttempts, o.maxBackoff)
	c := &Client{env: env, log: o.log.With("environment", env.Name), tags: o.cache, conc: o.conc}
	c.ib = ib.NewFromConfig(cfg, func(io *ib.Options) {
		if o.endpoint != "" {
			io.BaseEndpoint = aws.String(o.endpoint)
		}
	})
	c.ssm = ssm.NewFromConfig(cfg, func(so *ssm.Options) {
		if o.endpoint != "" {
			so.BaseEndpoint = aws.String(o.endpoint)
		}
	})
	return c
}

// ForEnvironment builds a Client that assumes env.RoleArn from base's
// credentials (refreshed before they expire), or uses base as it is when
// the environment names no role.
func ForEnvironment(ctx context.Context, base aws.Config, env model.Environment, opts ...Option) (*Client, error) {
	_ = ctx // credentials are fetched lazily, on the first call
	cfg := base.Copy()
	if env.RoleArn != "" {
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), env.RoleArn, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "kiln-" + sessionName(env.Name)
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
	}
	return New(cfg, env, opts...), nil
}

// sessionName keeps the characters STS allows in a role session name.
func sessionName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) > 58 {
		b = b[:58]
	}
	return string(b)
}

// newRetryer is the SDK's standard retryer with Image Builder's own
// throttling code added, and without the client-side retry quota: an apply
// must outlast throttling, and the backoff already spaces the attempts.
func newRetryer(attempts int, maxBackoff time.Duration) func() aws.Retryer {
	return func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = maxBackoff
			o.Backoff = retry.NewExponentialJitterBackoff(maxBackoff)
			o.RateLimiter = ratelimit.None
			codes := retry.RetryableErrorCode{Codes: map[string]struct{}{"CallRateLimitExceededException": {}}}
			o.Retryables = append(o.Retryables, codes)
			o.Throttles = append(o.Throttles, retry.ThrottleErrorCode{Codes: codes.Codes})
		})
	}
}

// Environment is the environment the client works in.
func (c *Client) Environment() model.Environment { return c.env }
