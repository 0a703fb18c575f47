// Package gh is kiln's GitHub client: app and installation authentication,
// a transport that survives GitHub's failures and rate limits, and the few
// operations the pull request loop needs, each one small and named for what
// it does on GitHub.
package gh

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
)

// DefaultBaseURL is GitHub's REST API.
const DefaultBaseURL = "https://api.github.com/"

// Observer receives the API calls made and the rate limit left; the server
// turns them into Prometheus metrics.
type Observer interface {
	// APICall is called once per HTTP attempt; status is 0 when no response came.
	APICall(op string, status int)
	// RateLimit is called with x-ratelimit-remaining when a response has it.
	RateLimit(remaining int)
}

// Config is what Clients need.
type Config struct {
	AppID int64
	// PrivateKey is the app's private key, PEM encoded.
	PrivateKey []byte
	// BaseURL is the REST API root: https://api.github.com/ by default,
	// https://HOST/api/v3/ for GitHub Enterprise Server.
	BaseURL string
	// Transport is the underlying transport; http.DefaultTransport if nil.
	Transport http.RoundTripper
	Observer  Observer
	Logger    *slog.Logger
	Retry     RetryPolicy
}

// Clients hands out GitHub clients for the app and for each installation.
// Installation transports (which hold the cached installation token) are
// created once per installation and reused.
type Clients struct {
	cfg      Config
	base     *url.URL
	appTr    *ghinstallation.AppsTransport
	app      *github.Client
	reach    *reachability
	mu       sync.Mutex
	installs map[int64]*installation
	bot      string // botLogin, once known
}

// New validates cfg and builds the app client.
func New(cfg Config) (*Clients, error) {
	if cfg.AppID <= 0 {
		return nil, errors.New("github: app id is required")
	}
	if len(cfg.PrivateKey) == 0 {
		return nil, errors.New("github: app private key is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if !strings.HasSuffix(cfg.BaseURL, "/") {
		cfg.BaseURL += "/"
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("github: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Retry = cfg.Retry.withDefaults()
	reach := &reachability{}
	appTr, err := ghinstallation.NewAppsTransport(newRetryTransport(cfg, reach), cfg.AppID, cfg.PrivateKey)
	if err != nil {
		// The error names the problem with the key, never its content.
		return nil, fmt.Errorf("github: app private key: %w", err)
	}
	appTr.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	c := &Clients{cfg: cfg, base: base, appTr: appTr, reach: reach, installs: map[int64]*installation{}}
	c.app = c.newClient(appTr)
	return c, nil
}

func (c *Clients) newClient(tr http.RoundTripper) *github.Client {
	client := github.NewClient(&http.Client{Transport: tr})
	client.BaseURL = c.base
	client.UserAgent = "kiln"
	return client
}

// App is the client authenticated as the app itself (JWT).
func (c *Clients) App() *github.Client { return c.app }

// installation is one installation's token and client. A 401 means the
// token was revoked or rotated: the transport holding it is replaced, which
// mints a new token, and the request is sent once more.
type installation struct {
	id     int64
	mint   func() (*ghinstallation.Transport, error)
	client *github.Client

	mu sync.Mutex
	tr *ghinstallation.Transport
}

func (in *installation) current() *ghinstallation.Transport {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.tr
}

// renew replaces stale with a fresh transport, unless another request
// already did, and returns the transport to use.
func (in *installation) renew(stale *ghinstallation.Transport) (*ghinstallation.Transport, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.tr != stale {
		return in.tr, nil
	}
	tr, err := in.mint()
	if err != nil {
		return nil, err
	}
	in.tr = tr
	return tr, nil
}

func (in *installation) RoundTrip(req *http.Request) (*http.Response, error) {
	tr := in.current()
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		return resp, err
	}
	next, rerr := in.renew(tr)
	if rerr != nil {
		return resp, nil
	}
	retry := req.Clone(req.Context())
	if req.GetBody != nil {
		if retry.Body, rerr = req.GetBody(); rerr != nil {
			return resp, nil
		}
	}
	drain(resp)
	return next.RoundTrip(retry)
}

func (c *Clients) installation(id int64) (*installation, error) {
	if id <= 0 {
		return nil, fmt.Errorf("github: installation id %d is not valid", id)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if in, ok := c.installs[id]; ok {
		return in, nil
	}
	// Each installation has its own rate limit, so its own retry state,
	// which outlives the token transports a 401 replaces.
	retry := newRetryTransport(c.cfg, c.reach)
	in := &installation{id: id}
	in.mint = func() (*ghinstallation.Transport, error) {
		tr, err := ghinstallation.New(retry, c.cfg.AppID, id, c.cfg.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("github: installation %d: %w", id, err)
		}
		tr.BaseURL = strings.TrimRight(c.cfg.BaseURL, "/")
		// Without options ghinstallation posts the body `null`, which
		// GitHub's description does not allow (it wants an object).
		tr.InstallationTokenOptions = &github.InstallationTokenOptions{}
		return tr, nil
	}
	tr, err := in.mint()
	if err != nil {
		return nil, err
	}
	in.tr = tr
	in.client = c.newClient(newETagTransport(in, 512))
	c.installs[id] = in
	return in, nil
}

// InstallationToken returns a live token of installation id, for Git over
// HTTPS. It is cached and refreshed before it expires.
func (c *Clients) InstallationToken(ctx context.Context, id int64) (string, error) {
	in, err := c.installation(id)
	if err != nil {
		return "", err
	}
	tok, err := in.current().Token(ctx)
	if err != nil {
		return "", fmt.Errorf("github: token for installation %d: %w", id, err)
	}
	return tok, nil
}

// renewToken drops installation id's token if it is still refused, as a
// 401 from the API does, and returns a live one.
func (c *Clients) renewToken(ctx context.Context, id int64, refused string) (string, error) {
	in, err := c.installation(id)
	if err != nil {
		return "", err
	}
	tr := in.current()
	if tok, err := tr.Token(ctx); err == nil && tok == refused {
		if tr, err = in.renew(tr); err != nil {
			return "", err
		}
	} else {
		tr = in.current()
	}
	tok, err := tr.Token(ctx)
	if err != nil {
		return "", fmt.Errorf("github: token for installation %d: %w", id, err)
	}
	return tok, nil
}

// botLogin is the login of the App's bot user ("<slug>[bot]"), the author
// of every comment kiln writes. It is asked of GitHub once.
func (c *Clients) botLogin(ctx context.Context) (string, error) {
	c.mu.Lock()
	login := c.bot
	c.mu.Unlock()
	if login != "" {
		return login, nil
	}
	app, _, err := c.app.Apps.Get(ctx, "")
	if err != nil {
		return "", wrap("get the app", err)
	}
	if app.GetSlug() == "" {
		return "", errors.New("github: the app has no slug")
	}
	login = app.GetSlug() + "[bot]"
	c.mu.Lock()
	c.bot = login
	c.mu.Unlock()
	return login, nil
}

// now is the time sent as started_at and completed_at, in whole seconds.
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }
