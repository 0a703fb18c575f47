// Package webhook receives GitHub webhook deliveries and routes queued ones
// to event handlers.
//
// The intake verifies, deduplicates and persists a delivery and answers 202;
// the work happens later in a worker, through the Router.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kiln-gitops/kiln/queue"
)

// MaxPayload is GitHub's cap on webhook payloads.
const MaxPayload = 25 << 20

// Publisher persists a job; *queue.Queue is one.
type Publisher interface {
	Publish(ctx context.Context, j queue.Job) (duplicate bool, err error)
}

// Outcomes of a delivery, as reported to Intake.Observe and in responses.
const (
	OutcomeQueued       = "queued"
	OutcomeDuplicate    = "duplicate"
	OutcomeIgnored      = "ignored"
	OutcomePing         = "ping"
	OutcomeBadSignature = "bad_signature"
	OutcomeTooLarge     = "too_large"
	OutcomeBadRequest   = "bad_request"
	OutcomeBusy         = "busy"
	OutcomeError        = "error"
)

// Defaults of the limits on bodies not yet authenticated.
const (
	// DefaultUnauthenticatedBytes caps the bytes of all bodies being read
	// and not yet verified, across requests. GitHub's deliveries are
	// mostly a few kilobytes, so this admits thousands of them at once
	// but only a couple of attacker-sized ones.
	DefaultUnauthenticatedBytes = 64 << 20
	// DefaultBodyReadTimeout bounds the time to read one body.
	DefaultBodyReadTimeout = 20 * time.Second
)

// Intake is the http.Handler for POST /webhook.
type Intake struct {
	secret         []byte
	queue          Publisher
	maxBody        int64
	publishTimeout time.Duration
	readTimeout    time.Duration
	budget         *byteBudget
	log            *slog.Logger
	observe        func(event, outcome string)
}

// IntakeOptions are the optional parts of an Intake.
type IntakeOptions struct {
	// MaxBody caps the request body (default MaxPayload).
	MaxBody int64
	// PublishTimeout bounds the wait for the queue (default 5s).
	PublishTimeout time.Duration
	// UnauthenticatedBytes caps the bytes of bodies read but not yet
	// verified, across all requests (default DefaultUnauthenticatedBytes).
	// A request past it is answered 503 with Retry-After.
	UnauthenticatedBytes int64
	// BodyReadTimeout bounds the time to read one body (default
	// DefaultBodyReadTimeout).
	BodyReadTimeout time.Duration
	Log             *slog.Logger
	// Observe is called once per request with the event (empty if unknown)
	// and the outcome, e.g. to count deliveries.
	Observe func(event, outcome string)
}

// NewIntake returns the intake handler. secret is the webhook secret.
func NewIntake(secret []byte, q Publisher, opts IntakeOptions) (*Intake, error) {
	if len(secret) == 0 {
		return nil, errors.New("webhook intake: empty webhook secret")
	}
	if q == nil {
		return nil, errors.New("webhook intake: no queue")
	}
	in := &Intake{secret: secret, queue: q, maxBody: opts.MaxBody, log: opts.Log, observe: opts.Observe}
	if in.publishTimeout = opts.PublishTimeout; in.publishTimeout <= 0 {
		in.publishTimeout = 5 * time.Second
	}
	if in.maxBody <= 0 {
		in.maxBody = MaxPayload
	}
	if in.readTimeout = opts.BodyReadTimeout; in.readTimeout <= 0 {
		in.readTimeout = DefaultBodyReadTimeout
	}
	budget := opts.UnauthenticatedBytes
	if budget <= 0 {
		budget = DefaultUnauthenticatedBytes
	}
	in.budget = &byteBudget{max: max(budget, in.maxBody)}
	if in.log == nil {
		in.log = slog.New(slog.DiscardHandler)
	}
	if in.observe == nil {
		in.observe = func(string, string) {}
	}
	return in, nil
}

func (in *Intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	ctx := r.Context()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		in.reply(w, http.StatusMethodNotAllowed, "", OutcomeBadRequest, "", "POST only")
		return
	}
	if r.ContentLength > in.maxBody {
		in.reply(w, http.StatusRequestEntityTooLarge, "", OutcomeTooLarge, "", "payload too large")
		return
	}
	// A request that cannot be GitHub's costs us no more than its headers:
	// without a well-formed signature its body is never read.
	signature := r.Header.Get("X-Hub-Signature-256")
	if !wellFormedSignature(signature) {
		in.log.WarnContext(ctx, "webhook without a well-formed signature", "remote", r.RemoteAddr)
		in.reply(w, http.StatusUnauthorized, "", OutcomeBadSignature, "", "bad signature")
		return
	}
	// Until the signature is checked a body is an attacker's, so the bytes
	// of all of them in flight are capped, and so is the time to send one.
	reserve := r.ContentLength
	if reserve < 0 {
		reserve = in.maxBody
	}
	if !in.budget.take(reserve) {
		in.log.WarnContext(ctx, "webhook refused: too many unverified bytes in flight", "remote", r.RemoteAddr, "bytes", reserve)
		w.Header().Set("Retry-After", "5")
		in.reply(w, http.StatusServiceUnavailable, "", OutcomeBusy, "", "too busy; retry later")
		return
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(in.readTimeout))
	body, err := readBody(w, r, in.maxBody)
	if err != nil {
		in.budget.give(reserve)
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			in.reply(w, http.StatusRequestEntityTooLarge, "", OutcomeTooLarge, "", "payload too large")
			return
		}
		in.reply(w, http.StatusBadRequest, "", OutcomeBadRequest, "", "cannot read body")
		return
	}
	valid := ValidSignature(in.secret, body, signature)
	in.budget.give(reserve)
	// Nothing about an unsigned request is trusted, not even its headers.
	if !valid {
		in.log.WarnContext(ctx, "webhook with a bad or missing signature", "remote", r.RemoteAddr)
		in.reply(w, http.StatusUnauthorized, "", OutcomeBadSignature, "", "bad signature")
		return
	}
	event := r.Header.Get("X-GitHub-Event")
	delivery := r.Header.Get("X-GitHub-Delivery")
	if !token(event) || !token(delivery) {
		in.reply(w, http.StatusBadRequest, "", OutcomeBadRequest, "", "missing or malformed X-GitHub-Event or X-GitHub-Delivery")
		return
	}
	if event == "ping" {
		in.reply(w, http.StatusOK, event, OutcomePing, delivery, "pong")
		return
	}
	if !Handles(event) {
		in.reply(w, http.StatusAccepted, event, OutcomeIgnored, delivery, "event not handled")
		return
	}
	payload, err := jsonPayload(r.Header.Get("Content-Type"), body)
	if err != nil {
		in.reply(w, http.StatusBadRequest, event, OutcomeBadRequest, delivery, err.Error())
		return
	}
	sum, err := Summarize(event, payload)
	if err != nil {
		in.reply(w, http.StatusBadRequest, event, OutcomeBadRequest, delivery, "payload is not a JSON object")
		return
	}
	log := in.log.With(attrsAny(sum.LogAttrs(event, delivery))...)
	route := Classify(event, sum)
	if !route.Handled {
		log.DebugContext(ctx, "webhook ignored", "reason", route.Reason)
		in.reply(w, http.StatusAccepted, event, OutcomeIgnored, delivery, route.Reason)
		return
	}
	// GitHub gives up after 10 s; a queue slower than this gets a 503 that
	// GitHub shows as a failed delivery, which can be redelivered.
	pctx, cancel := context.WithTimeout(ctx, in.publishTimeout)
	defer cancel()
	dup, err := in.queue.Publish(pctx, queue.Job{
		ID: delivery, Event: event, Key: route.Key, Supersedes: route.Supersedes,
		Payload: payload, Received: received,
	})
	if err != nil {
		log.ErrorContext(ctx, "queue webhook", "error", err)
		in.reply(w, http.StatusServiceUnavailable, event, OutcomeError, delivery, "cannot queue the delivery; redeliver it later")
		return
	}
	if dup {
		log.InfoContext(ctx, "webhook duplicate")
		in.reply(w, http.StatusOK, event, OutcomeDuplicate, delivery, "already received")
		return
	}
	log.InfoContext(ctx, "webhook queued", "key", route.Key)
	in.reply(w, http.StatusAccepted, event, OutcomeQueued, delivery, "")
}

// ValidSignature checks an X-Hub-Signature-256 header ("sha256=<hex>")
// against the body in constant time.
func ValidSignature(secret, body []byte, header string) bool {
	if !wellFormedSignature(header) {
		return false
	}
	got, err := hex.DecodeString(header[len("sha256="):])
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// wellFormedSignature reports whether header has the shape GitHub sends:
// "sha256=" and 64 hex digits.
func wellFormedSignature(header string) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexSig) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(hexSig); i++ {
		c := hexSig[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// Sign returns the X-Hub-Signature-256 value GitHub sends for body.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= limit {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// jsonPayload returns the JSON payload of a body sent as application/json or,
// for webhooks configured that way, as a form with a payload field.
func jsonPayload(contentType string, body []byte) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != "application/x-www-form-urlencoded" {
		return body, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errors.New("malformed form body")
	}
	p := form.Get("payload")
	if p == "" {
		return nil, errors.New("form body without a payload field")
	}
	return []byte(p), nil
}

// token accepts header values safe to use as ids and names: GitHub sends
// event names like "pull_request" and GUID delivery ids.
func token(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

type response struct {
	Status   string `json:"status"`
	Event    string `json:"event,omitempty"`
	Delivery string `json:"delivery,omitempty"`
	Message  string `json:"message,omitempty"`
}

func (in *Intake) reply(w http.ResponseWriter, code int, event, outcome, delivery, msg string) {
	in.observe(event, outcome)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(response{Status: outcome, Event: event, Delivery: delivery, Message: msg})
}

func attrsAny(attrs []slog.Attr) []any {
	out := make([]any, len(attrs))
	for i, a := range attrs {
		out[i] = a
	}
	return out
}
