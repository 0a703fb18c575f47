package gh

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RetryPolicy bounds how the client retries and waits.
type RetryPolicy struct {
	// Attempts is the most tries per request (default 5).
	Attempts int
	// BaseDelay is the first backoff after a 5xx; it doubles each try
	// (default 500ms), with jitter.
	BaseDelay time.Duration
	// MaxWait is the longest the client sleeps for one rate limit
	// (Retry-After or x-ratelimit-reset). Longer waits fail at once with a
	// RateLimitError, which parks the job in the queue until then instead
	// of holding a worker (default 10s).
	MaxWait time.Duration
	// SecondaryWait is the wait after a secondary rate limit that names no
	// Retry-After; GitHub asks for at least a minute (default 60s).
	SecondaryWait time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 5
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 500 * time.Millisecond
	}
	if p.MaxWait <= 0 {
		p.MaxWait = 10 * time.Second
	}
	if p.SecondaryWait <= 0 {
		p.SecondaryWait = 60 * time.Second
	}
	return p
}

// retryTransport retries GitHub's transient failures and honours its rate
// limits. One exists per installation (and one for the app), since rate
// limits are counted per installation.
//
// A 5xx or a lost answer is retried here only for requests that are safe
// to repeat (reads, edits, and the few creates GitHub deduplicates): a
// create may have taken effect, so it is retried by createOnce, which
// looks for what it made first. Rate-limit refusals are retried for every
// method, since GitHub did nothing with those requests.
type retryTransport struct {
	next     http.RoundTripper
	policy   RetryPolicy
	observer Observer
	reach    *reachability
	log      *slog.Logger

	mu           sync.Mutex
	blockedUntil time.Time // primary quota spent until then
}

func newRetryTransport(cfg Config, reach *reachability) *retryTransport {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &retryTransport{next: cfg.Transport, policy: cfg.Retry.withDefaults(), observer: cfg.Observer, reach: reach, log: log}
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	op := Route(req.Method, req.URL.Path)
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("github: %s: read request body: %w", op, err)
		}
	}
	for attempt := 1; ; attempt++ {
		if err := t.waitForQuota(ctx, op); err != nil {
			return nil, err
		}
		try := req.Clone(ctx)
		if body != nil {
			try.Body = io.NopCloser(bytes.NewReader(body))
			try.ContentLength = int64(len(body))
			try.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		resp, err := t.next.RoundTrip(try)
		if err != nil {
			t.observe(op, 0)
			if ctx.Err() != nil || attempt >= t.policy.Attempts || !repeatable(req.Method, op) {
				return nil, err
			}
			wait := backoff(t.policy, attempt)
			// The error names the URL, never the Authorization header.
			t.log.WarnContext(ctx, "github request failed, retrying", "op", op, "attempt", attempt, "wait", wait, "error", err)
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		t.observe(op, resp.StatusCode)
		t.reach.saw(resp.StatusCode)
		t.noteRateLimit(resp)
		wait, retry, err := t.classify(resp, attempt, req.Method, op)
		if err != nil || !retry || attempt >= t.policy.Attempts {
			if err != nil {
				drain(resp)
				return nil, err
			}
			return resp, nil
		}
		drain(resp)
		t.log.WarnContext(ctx, "github request refused, retrying", "op", op, "status", resp.StatusCode, "attempt", attempt, "wait", wait)
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// classify decides whether resp is worth another try and after how long.
func (t *retryTransport) classify(resp *http.Response, attempt int, method, op string) (time.Duration, bool, error) {
	switch {
	case resp.StatusCode >= 500:
		return backoff(t.policy, attempt), repeatable(method, op), nil
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusForbidden:
	default:
		return 0, false, nil
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		secs, err := strconv.Atoi(strings.TrimSpace(ra))
		if err == nil && secs >= 0 {
			wait := time.Duration(secs) * time.Second
			if wait > t.policy.MaxWait {
				return 0, false, &RateLimitError{Op: op, Until: time.Now().Add(wait)}
			}
			return wait, true, nil
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		reset := resetTime(resp)
		wait := time.Until(reset)
		if wait > t.policy.MaxWait {
			return 0, false, &RateLimitError{Op: op, Until: reset}
		}
		return max(wait, 0) + time.Second, true, nil
	}
	if resp.StatusCode == http.StatusTooManyRequests || isSecondaryLimit(resp) {
		// GitHub asks for at least a minute when it names no time.
		if t.policy.SecondaryWait > t.policy.MaxWait {
			return 0, false, &RateLimitError{Op: op, Until: time.Now().Add(t.policy.SecondaryWait)}
		}
		return t.policy.SecondaryWait, true, nil
	}
	// A plain 403: a permission problem, not worth retrying.
	return 0, false, nil
}

var secondaryLimit = regexp.MustCompile(`(?i)secondary rate limit|abuse`)

// isSecondaryLimit reads (and restores) the body of a 403 to tell a
// secondary rate limit from a permission refusal.
func isSecondaryLimit(resp *http.Response) bool {
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return err == nil && secondaryLimit.Match(data)
}

func resetTime(resp *http.Response) time.Time {
	epoch, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		return time.Now().Add(time.Minute)
	}
	return time.Unix(epoch, 0)
}

// noteRateLimit remembers an exhausted primary quota so that further
// requests wait for the reset instead of spending a request to learn it.
func (t *retryTransport) noteRateLimit(resp *http.Response) {
	rem := resp.Header.Get("X-RateLimit-Remaining")
	if rem == "" {
		return
	}
	n, err := strconv.Atoi(rem)
	if err != nil {
		return
	}
	if t.observer != nil {
		t.observer.RateLimit(n)
	}
	if n == 0 {
		t.mu.Lock()
		t.blockedUntil = resetTime(resp)
		t.mu.Unlock()
	}
}

func (t *retryTransport) waitForQuota(ctx context.Context, op string) error {
	t.mu.Lock()
	until := t.blockedUntil
	t.mu.Unlock()
	wait := time.Until(until)
	if wait <= 0 {
		return nil
	}
	if wait > t.policy.MaxWait {
		return &RateLimitError{Op: op, Until: until}
	}
	if err := sleep(ctx, wait); err != nil {
		return err
	}
	t.mu.Lock()
	if !t.blockedUntil.After(until) {
		t.blockedUntil = time.Time{}
	}
	t.mu.Unlock()
	return nil
}

// repeatable reports whether a request may be sent again after a 5xx or
// a lost answer without risk of doing its work twice. Minting a token and
// adding a reaction are creates GitHub answers with the existing result.
func repeatable(method, op string) bool {
	if method != http.MethodPost {
		return true
	}
	switch op {
	case "POST /app/installations/{n}/access_tokens", "POST /repos/{owner}/{repo}/issues/comments/{n}/reactions":
		return true
	}
	return false
}

func backoff(p RetryPolicy, attempt int) time.Duration {
	d := p.BaseDelay << (attempt - 1)
	if limit := 30 * time.Second; d > limit {
		d = limit
	}
	// Full jitter on the upper half spreads replicas' retries apart.
	return d/2 + rand.N(d/2+1)
}

func (t *retryTransport) observe(op string, status int) {
	if t.observer != nil {
		t.observer.APICall(op, status)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

var (
	hexSHA = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)
	number = regexp.MustCompile(`^[0-9]+$`)
)

// Route names a request by its REST route, with identifiers replaced, so
// metrics stay low in cardinality: "GET /repos/{owner}/{repo}/pulls/{n}".
func Route(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	// GitHub Enterprise Server serves the API under /api/v3.
	if len(segs) >= 2 && segs[0] == "api" && segs[1] == "v3" {
		segs = segs[2:]
	}
	for i := 0; i < len(segs); i++ {
		switch {
		case i > 0 && segs[0] == "repos" && i <= 2:
			segs[i] = [...]string{"", "{owner}", "{repo}"}[i]
		case i > 0 && (segs[i-1] == "collaborators" || segs[i-1] == "users"):
			segs[i] = "{user}"
		case i > 0 && (segs[i-1] == "contents" || segs[i-1] == "ref"):
			segs = append(segs[:i], "{path}")
		case number.MatchString(segs[i]):
			segs[i] = "{n}"
		case hexSHA.MatchString(segs[i]):
			segs[i] = "{sha}"
		case i > 0 && segs[i-1] == "commits":
			segs[i] = "{ref}"
		}
	}
	return method + " /" + strings.Join(segs, "/")
}
