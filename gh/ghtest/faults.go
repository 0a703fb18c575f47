package ghtest

import (
	"net/http"
	"path"
	"strconv"
	"time"
)

// Fault makes matching requests fail the way GitHub fails.
type Fault struct {
	// Method matches the request method; empty matches any.
	Method string
	// Path is a path.Match pattern ("/repos/*/*/check-runs/*"); Operation
	// an OpenAPI operationId. Empty ones match any request.
	Path      string
	Operation string
	// Status is 500, 502, 503, 403 (a secondary rate limit) or 429.
	Status int
	// RetryAfter is sent as the Retry-After header when non-zero.
	RetryAfter time.Duration
	// Times is how many requests fail; zero means once (with Every: all).
	Times int
	// Every > 0 fails one in Every matching requests (the Every-th, the
	// 2×Every-th, …), for a steady share of lost answers.
	Every int
	// AfterWrite lets the request take effect before it fails: GitHub did
	// the write and the answer was lost.
	AfterWrite bool
	// Drop closes the connection without an answer instead of sending
	// Status.
	Drop bool

	seen int
}

// Inject adds a fault. Faults are applied in the order injected.
func (s *Server) Inject(f Fault) {
	switch {
	case f.Times <= 0 && f.Every > 0:
		f.Times = -1 // for as long as the test runs
	case f.Times <= 0:
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

func (s *Server) takeFault(method, urlPath, op string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && f.Method != method {
			continue
		}
		if f.Operation != "" && f.Operation != op {
			continue
		}
		if f.Path != "" {
			if ok, _ := path.Match(f.Path, urlPath); !ok {
				continue
			}
		}
		if f.Every > 0 {
			f.seen++
			if f.seen%f.Every != 0 {
				continue
			}
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		cp := *f
		return &cp
	}
	return nil
}

// LostAnswers counts the requests that took effect but whose answer the
// emulator withheld.
func (s *Server) LostAnswers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost
}

func (s *Server) writeFault(c *call, f *Fault) {
	if f.AfterWrite {
		s.mu.Lock()
		s.lost++
		s.mu.Unlock()
	}
	if f.Drop {
		c.status = 0
		if hj, ok := c.w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // net/http drops the connection
	}
	if f.RetryAfter > 0 {
		secs := int((f.RetryAfter + time.Second - 1) / time.Second)
		c.w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	switch f.Status {
	case http.StatusForbidden:
		// The body GitHub documents for secondary rate limits.
		c.fail(http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.")
	case http.StatusTooManyRequests:
		c.fail(http.StatusTooManyRequests, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
	default:
		c.fail(f.Status, http.StatusText(f.Status))
	}
}
