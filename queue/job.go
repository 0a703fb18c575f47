package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Job is one unit of work: a webhook delivery waiting for a worker.
type Job struct {
	// ID is unique per delivery (X-GitHub-Delivery); publishing the same ID
	// twice queues it once.
	ID string
	// Event is the webhook event name (X-GitHub-Event).
	Event string
	// Key serialises work: two jobs with the same key never run at the same
	// time, e.g. "owner/repo#12" for a pull request, "owner/repo@main" for a
	// branch.
	Key string
	// Supersedes marks a job that makes earlier Supersedes jobs with the same
	// Key obsolete: they are skipped if not started and cancelled (context
	// cause ErrSuperseded) if running. A newer pull request head is one.
	Supersedes bool
	// Payload is the raw webhook body.
	Payload []byte
	// Received is when the delivery arrived.
	Received time.Time

	// Attempt is set by the queue when the handler is called: 1 for the
	// first attempt. It counts only real attempts (kept by the queue, not
	// the server's delivery count, which also rises for jobs that were only
	// prefetched or waiting for their key), and not attempts parked by a
	// RetryAt error or handed back at shutdown.
	Attempt int
	// Seq is the job's stream sequence, set on delivery; a later
	// publication has a larger Seq.
	Seq uint64
}

// Handler does the work of a job. A nil error acks the job; an error retries
// it with backoff until Config.MaxDeliver attempts were made.
type Handler interface {
	Handle(ctx context.Context, j Job) error
}

// GiveUpper is an optional Handler extension called once when a job is
// abandoned (attempts exhausted or a Permanent error), so the failure can be
// reported, e.g. on the check run. err is the last error.
type GiveUpper interface {
	GiveUp(ctx context.Context, j Job, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, j Job) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, j Job) error { return f(ctx, j) }

// ErrSuperseded is the context cause of a running job cancelled because a
// newer job with the same Key and Supersedes arrived.
var ErrSuperseded = errors.New("superseded by a newer job for the same key")

// ErrShutdown is the context cause of a running job cancelled because the
// queue is shutting down and the grace period ran out; the job is retried.
var ErrShutdown = errors.New("queue shutting down")

// ErrTooManyDeliveries is passed to GiveUp when a job was delivered more
// than MaxDeliver times without settling, e.g. because it crashed the process.
var ErrTooManyDeliveries = errors.New("delivered too many times without completing")

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks an error that retrying cannot fix: the job is given up at
// once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// RetryAter is the shape of an error that parks a job until a time without
// counting the attempt (a GitHub rate limit until its reset, say). Queue
// finds it with errors.As, so the packages that return such errors need not
// import queue: any error type with this method will do.
type RetryAter interface {
	RetryAt() time.Time
}

// retryAt reports the time err parks its job until, if it does.
func retryAt(err error) (time.Time, bool) {
	var r RetryAter
	if errors.As(err, &r) {
		return r.RetryAt(), true
	}
	return time.Time{}, false
}

// ErrJobTimeout is the context cause of a handler that ran longer than
// Config.JobTimeout; the attempt counts as failed.
var ErrJobTimeout = errors.New("job ran longer than the job timeout")

// Headers carrying job metadata; the payload travels as the raw message body
// so a 25 MB delivery is not inflated by an encoding.
const (
	hdrEvent      = "Kiln-Event"
	hdrKey        = "Kiln-Key"
	hdrSupersedes = "Kiln-Supersedes"
	hdrReceived   = "Kiln-Received"
)

func (q *Queue) encode(j Job) *nats.Msg {
	m := nats.NewMsg(q.subject(j.Key, j.Event))
	m.Header.Set(nats.MsgIdHdr, j.ID)
	m.Header.Set(hdrEvent, j.Event)
	m.Header.Set(hdrKey, j.Key)
	if j.Supersedes {
		m.Header.Set(hdrSupersedes, "1")
	}
	m.Header.Set(hdrReceived, j.Received.UTC().Format(time.RFC3339Nano))
	m.Data = j.Payload
	return m
}

func decode(h nats.Header, data []byte) (Job, error) {
	j := Job{
		ID:         h.Get(nats.MsgIdHdr),
		Event:      h.Get(hdrEvent),
		Key:        h.Get(hdrKey),
		Supersedes: h.Get(hdrSupersedes) == "1",
		Payload:    data,
	}
	if j.ID == "" || j.Event == "" {
		return Job{}, fmt.Errorf("message without %s or %s header", nats.MsgIdHdr, hdrEvent)
	}
	if r := h.Get(hdrReceived); r != "" {
		t, err := time.Parse(time.RFC3339Nano, r)
		if err != nil {
			return Job{}, fmt.Errorf("header %s: %w", hdrReceived, err)
		}
		j.Received = t
	}
	return j, nil
}

// subject is where a job is published: one subject per key (a hash, so a
// key of any length and bytes fits one token) and event, so that the jobs of
// a key still in the stream can be listed in order (see earlier). Events are
// [a-z_] in practice; anything else is replaced so a hostile header cannot
// add tokens.
func (q *Queue) subject(key, event string) string {
	return q.keySubjects(key) + "." + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, event)
}

// keySubjects is the subject prefix of key's jobs.
func (q *Queue) keySubjects(key string) string {
	if key == "" {
		return q.prefix + "._"
	}
	sum := sha256.Sum256([]byte(key))
	return q.prefix + "." + hex.EncodeToString(sum[:12])
}

func (j Job) validate() error {
	switch {
	case j.ID == "":
		return errors.New("job without ID")
	case j.Event == "":
		return errors.New("job without event")
	case len(j.ID) > 256:
		return errors.New("job ID longer than 256 bytes")
	case strings.ContainsAny(j.ID+j.Event+j.Key, "\r\n"):
		return errors.New("job ID, event or key contains a line break")
	}
	return nil
}

func seqString(s uint64) []byte { return []byte(strconv.FormatUint(s, 10)) }
