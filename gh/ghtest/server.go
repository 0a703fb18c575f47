// Package ghtest is an in-memory emulator of the parts of GitHub's REST API
// and Git smart HTTP that kiln uses. Every API request is validated against
// GitHub's published OpenAPI description (testdata/github); a request that
// does not conform fails the test and gets a 422, as GitHub would answer.
package ghtest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is the emulator. Create it with New; it stops when the test ends.
type Server struct {
	// URL is the REST base URL and the Git host: http://127.0.0.1:port
	URL string
	// AppID and InstallationID identify the one app and its installation.
	AppID          int64
	InstallationID int64

	t       testing.TB
	srv     *httptest.Server
	spec    *spec
	key     *rsa.PrivateKey
	keyPEM  []byte
	gitDir  string
	gitPath string
	now     func() time.Time

	mu        sync.Mutex
	nextID    int64
	tokens    map[string]time.Time // installation token -> expiry
	faults    []*Fault
	lost      int // answers withheld after the write
	requests  []Request
	rate      map[string]*rateState // per caller: "app" or "installation"
	rateLimit int
	checkRuns []*CheckRun
	comments  []*Comment
	reactions []*Reaction
	pulls     map[string]*pull // "owner/repo#n"
	reviews   []*ReviewComment
	perms     map[string]string // "owner/repo/user" -> role name

	gitMu    sync.RWMutex
	unpacked map[string]bool // repositories with loose objects; under gitMu
}

// Option configures a Server.
type Option func(*Server)

// WithAppKey makes the emulator accept JWTs signed by key (PEM, PKCS#1 or
// PKCS#8) instead of a key it generates.
func WithAppKey(pemBytes []byte) Option {
	return func(s *Server) {
		key, err := parseRSAKey(pemBytes)
		if err != nil {
			s.t.Fatalf("ghtest: WithAppKey: %v", err)
		}
		s.key, s.keyPEM = key, pemBytes
	}
}

// WithRateLimit sets the primary rate limit quota (default 5000).
func WithRateLimit(limit int) Option {
	return func(s *Server) { s.rateLimit = limit }
}

// New starts an emulator on loopback.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	sp, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{
		AppID:          1001,
		InstallationID: 4242,
		t:              t,
		spec:           sp,
		now:            time.Now,
		nextID:         1000,
		tokens:         map[string]time.Time{},
		pulls:          map[string]*pull{},
		perms:          map[string]string{},
		unpacked:       map[string]bool{},
		gitDir:         t.TempDir(),
		rate:           map[string]*rateState{},
		rateLimit:      5000,
	}
	for _, o := range opts {
		o(s)
	}
	if s.key == nil {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatalf("ghtest: generate app key: %v", err)
		}
		s.key = key
		s.keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// PrivateKeyPEM is the app's private key, for the client under test.
func (s *Server) PrivateKeyPEM() []byte { return s.keyPEM }

// Request is one request the emulator received.
type Request struct {
	Method    string
	Path      string
	Query     string
	Operation string // OpenAPI operationId; "git" for smart HTTP
	Status    int
	Body      []byte
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Operations counts the requests received per operationId.
func (s *Server) Operations() map[string]int {
	out := map[string]int{}
	for _, r := range s.Requests() {
		out[r.Operation]++
	}
	return out
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
}

func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

// apiError is GitHub's error body.
type apiError struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url,omitempty"`
	Status           string `json:"status,omitempty"`
}

// call is one API request being handled.
type call struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	op     *operation
	params map[string]string
	body   []byte
	status int
	// auth
	bot bool // authenticated with an installation token
}

func (c *call) owner() string { return c.params["owner"] }
func (c *call) repo() string  { return c.params["owner"] + "/" + c.params["repo"] }
func (c *call) int64Param(name string) int64 {
	n, _ := strconv.ParseInt(c.params[name], 10, 64)
	return n
}

func (c *call) decode(v any) bool {
	if len(c.body) == 0 {
		return true
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		c.fail(http.StatusBadRequest, "Problems parsing JSON")
		return false
	}
	return true
}

func (c *call) fail(status int, msg string) {
	c.json(status, apiError{Message: msg, DocumentationURL: "https://docs.github.com/rest", Status: strconv.Itoa(status)})
}

func (c *call) json(status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("ghtest: marshal response: %v", err))
	}
	c.status = status
	if c.op != nil && status/100 == 2 {
		if err := c.s.spec.validateResponse(c.op, status, data); err != nil {
			c.s.t.Errorf("ghtest: emulator answer to %s (%d) does not match GitHub's description: %v", c.op.ID, status, err)
		}
	}
	h := c.w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	if c.r.Method == http.MethodGet && status == http.StatusOK {
		sum := sha256.Sum256(data)
		etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
		h.Set("ETag", etag)
		if match := c.r.Header.Get("If-None-Match"); match != "" && match == etag {
			c.status = http.StatusNotModified
			c.w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	c.w.WriteHeader(status)
	_, _ = c.w.Write(data)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if isGitPath(r.URL.Path) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.serveGit(rec, r)
		s.record(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Operation: "git", Status: rec.status})
		return
	}
	op, params, known := s.spec.match(r.Method, r.URL.Path)
	c := &call{s: s, w: w, r: r, op: op, params: params, body: body}
	opID := ""
	if op != nil {
		opID = op.ID
	}
	defer func() {
		s.record(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Operation: opID, Status: c.status, Body: body})
	}()

	s.rateHeaders(w.Header(), callerOf(r))
	f := s.takeFault(r.Method, r.URL.Path, opID)
	if f != nil && !f.AfterWrite {
		s.writeFault(c, f)
		return
	}
	if f != nil {
		// The request is handled as usual; only its answer is lost.
		real := c.w
		c.w = httptest.NewRecorder()
		defer func() {
			c.w = real
			s.writeFault(c, f)
		}()
	}
	if op == nil {
		if known {
			s.t.Errorf("ghtest: %s %s: method not allowed by GitHub's OpenAPI description", r.Method, r.URL.Path)
			c.fail(http.StatusMethodNotAllowed, "Method Not Allowed")
			return
		}
		s.t.Errorf("ghtest: %s %s matches no operation in GitHub's OpenAPI description", r.Method, r.URL.Path)
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	if !s.authenticate(c) {
		return
	}
	if problems := s.spec.validate(op, params, r.URL.Query(), r.Header.Get("Content-Type"), body); len(problems) > 0 {
		s.t.Errorf("ghtest: %s (%s %s) violates GitHub's OpenAPI description:\n  %s",
			op.ID, r.Method, r.URL.RequestURI(), strings.Join(problems, "\n  "))
		c.fail(http.StatusUnprocessableEntity, "Invalid request.\n\n"+strings.Join(problems, "\n"))
		return
	}
	if !s.spendRateLimit(c) {
		return
	}
	h := handler(op.ID)
	if h == nil {
		s.t.Errorf("ghtest: %s (%s %s) is valid but not emulated", op.ID, r.Method, r.URL.Path)
		c.fail(http.StatusNotImplemented, "ghtest does not emulate "+op.ID)
		return
	}
	h(s, c)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// handler returns the emulation of an operation, or nil.
func handler(operationID string) func(*Server, *call) {
	return map[string]func(*Server, *call){
		"apps/get-authenticated":                  (*Server).getApp,
		"apps/get-installation":                   (*Server).getInstallation,
		"apps/get-repo-installation":              (*Server).getInstallation,
		"apps/list-installations":                 (*Server).listInstallations,
		"apps/create-installation-access-token":   (*Server).createToken,
		"checks/create":                           (*Server).createCheckRun,
		"checks/update":                           (*Server).updateCheckRun,
		"checks/get":                              (*Server).getCheckRun,
		"checks/list-for-ref":                     (*Server).listCheckRuns,
		"checks/list-annotations":                 (*Server).listAnnotations,
		"issues/list-comments":                    (*Server).listComments,
		"issues/create-comment":                   (*Server).createComment,
		"issues/update-comment":                   (*Server).updateComment,
		"reactions/create-for-issue-comment":      (*Server).createReaction,
		"pulls/get":                               (*Server).getPull,
		"pulls/list-files":                        (*Server).listPullFiles,
		"pulls/list-review-comments":              (*Server).listReviewComments,
		"pulls/create-review-comment":             (*Server).createReviewComment,
		"pulls/create-review":                     (*Server).createReview,
		"repos/get-collaborator-permission-level": (*Server).getPermission,
		"rate-limit/get":                          (*Server).getRateLimit,
	}[operationID]
}
