// Package ibtest is an emulator of EC2 Image Builder (and the SSM and STS
// calls kiln makes) for tests and for cmd/ibemu. It speaks the REST-JSON
// protocol the real aws-sdk-go-v2 imagebuilder client sends, so tests point
// the real client at it with BaseEndpoint and exercise the SDK's own
// serializers, deserializers and retryer.
//
// It is held to AWS's published service models (testdata/aws, embedded
// through package awsmodels): every request is checked against its
// operation's input shape (required members, types, enums, lengths,
// patterns, list and map sizes, ranges) and refused as the service refuses
// it; every answer is checked against the output shape. Both kinds of
// violation are recorded (Violations), and Start fails the test that
// caused one.
//
// Its semantics follow the service's documentation; each kind lives in its
// own file (component.go, image_recipe.go, container_recipe.go,
// workflow.go, infrastructure_configuration.go,
// distribution_configuration.go, image_pipeline.go, lifecycle_policy.go,
// image.go), and contract_test.go cites the page each behaviour rests on.
// Options make the documented latitude explicit: list lag
// (WithListLag), strict component versions
// (WithStrictComponentVersions), a clock that runs (WithClockRate), and
// faults before or after a request takes effect (Inject).
//
// Signatures are not verified, but every call must carry a SigV4
// Authorization header, and the access key that signed it is counted
// (AccessKeys).
package ibtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest/apimodel"
	awsmodels "github.com/kiln-gitops/kiln/testdata/aws"
)

// StateDurations is how long an image stays in each state before moving on.
type StateDurations struct {
	Pending, Creating, Building, Testing, Distributing, Integrating time.Duration
}

// DefaultStateDurations are loosely what a small Linux build takes.
var DefaultStateDurations = StateDurations{
	Pending:      time.Minute,
	Creating:     2 * time.Minute,
	Building:     15 * time.Minute,
	Testing:      10 * time.Minute,
	Distributing: 5 * time.Minute,
	Integrating:  2 * time.Minute,
}

// Option configures a Server.
type Option func(*Server)

// WithAccount sets the account id that owns everything (default 123456789012).
func WithAccount(account string) Option { return func(s *Server) { s.account = account } }

// WithRegion sets the region ARNs carry (default us-east-1).
func WithRegion(region string) Option { return func(s *Server) { s.region = region } }

// WithStateDurations sets how long each image state lasts.
func WithStateDurations(d StateDurations) Option { return func(s *Server) { s.durations = d } }

// WithStrictComponentVersions makes a repeated component name and version
// fail with ResourceAlreadyExistsException, as the service did before it
// began creating the next build version instead.
func WithStrictComponentVersions() Option { return func(s *Server) { s.strictComponents = true } }

// WithMaxResults sets the page size cap of every List (default 25, as the
// service's own limit).
func WithMaxResults(n int) Option { return func(s *Server) { s.maxResults = n } }

// WithListLag hides a new resource from List calls until d of virtual
// time has passed since it was created. The service documents that a new
// resource can take up to two minutes to show in lists; Get answers at
// once. Default 0.
func WithListLag(d time.Duration) Option { return func(s *Server) { s.listLag = d } }

// WithClockRate makes the virtual clock run: rate virtual seconds per real
// second, on top of Advance (cmd/ibemu's -clock). Default 0: only Advance
// moves it, which keeps tests deterministic.
func WithClockRate(rate float64) Option { return func(s *Server) { s.clockRate = rate } }

// Server is the emulator. All state is behind mu.
type Server struct {
	account, region string
	durations       StateDurations
	maxResults      int
	listLag         time.Duration
	clockRate       float64
	// strictComponents refuses a second build of a component version.
	strictComponents bool

	mu         sync.Mutex
	base       time.Time // virtual time at realStart plus everything Advance added
	realStart  time.Time
	resources  map[string]*resource // by ARN
	order      map[string][]*resource
	images     map[string]*image // by ARN
	tokens     map[string]tokenEntry
	faults     []*Fault
	calls      map[string]int
	params     map[string]*parameter // SSM, by name
	keys       map[string]int        // requests per access key id
	roles      []string              // AssumeRole calls
	violations []Violation
	requests   int

	srv *httptest.Server
}

// Violation is a request or answer that broke the service model.
type Violation struct {
	Operation string
	// Answer is true when the emulator's own answer broke the output shape.
	Answer bool
	apimodel.Violation
}

func (v Violation) String() string {
	side := "request"
	if v.Answer {
		side = "answer"
	}
	return fmt.Sprintf("%s %s: %s", v.Operation, side, v.Violation)
}

// New starts an emulator on a loopback port. Close it when done. Tests
// use Start, which also fails the test on model violations.
func New(opts ...Option) *Server {
	s := newServer(opts...)
	s.srv = httptest.NewServer(s)
	return s
}

// Start is New for a test: the server closes when the test ends, and the
// test fails if any request or answer broke the service model (a request
// kiln made that the service would refuse is a kiln bug). A test that
// sends invalid requests on purpose takes them with TakeViolations.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := New(opts...)
	tb.Cleanup(func() {
		s.Close()
		for _, v := range s.TakeViolations() {
			tb.Errorf("Image Builder emulator: %s", v)
		}
	})
	return s
}

func newServer(opts ...Option) *Server {
	s := &Server{
		account:    "123456789012",
		region:     "us-east-1",
		durations:  DefaultStateDurations,
		maxResults: 25,
		base:       time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		realStart:  time.Now(),
		resources:  map[string]*resource{},
		order:      map[string][]*resource{},
		images:     map[string]*image{},
		tokens:     map[string]tokenEntry{},
		calls:      map[string]int{},
		params:     map[string]*parameter{},
		keys:       map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Handler is the emulator as an http.Handler, for serving it elsewhere
// (cmd/ibemu). Close is then the caller's business.
func NewHandler(opts ...Option) *Server { return newServer(opts...) }

// URL is the endpoint to give the SDK as BaseEndpoint.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

// Account is the account id that owns the emulated resources.
func (s *Server) Account() string { return s.account }

// Region is the emulated region.
func (s *Server) Region() string { return s.region }

// Advance moves the virtual clock forward.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.base = s.base.Add(d)
}

// Now is the virtual time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// now is the virtual time; callers hold mu.
func (s *Server) now() time.Time {
	if s.clockRate == 0 {
		return s.base
	}
	return s.base.Add(time.Duration(float64(time.Since(s.realStart)) * s.clockRate))
}

// Violations returns the model violations recorded so far.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation(nil), s.violations...)
}

// TakeViolations returns the violations recorded so far and forgets them.
func (s *Server) TakeViolations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.violations
	s.violations = nil
	return out
}

// Calls returns how many requests each operation received (failed and
// faulted ones included). SSM and STS operations are prefixed "SSM." and
// "STS.".
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// TotalCalls is the sum of Calls.
func (s *Server) TotalCalls() int {
	n := 0
	for _, v := range s.Calls() {
		n += v
	}
	return n
}

// ResetCalls zeroes the call counters.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
}

// handler serves one operation with the lock held. in is the request as
// the operation's input shape: body, query string and path members merged.
type handler func(s *Server, in map[string]any) (map[string]any, error)

// maxBody bounds what one request may send; the largest legitimate body is
// a component with 16,000 characters of data.
const maxBody = 1 << 20

// ServeHTTP dispatches by protocol: STS (query), SSM (JSON 1.1 with
// X-Amz-Target) and Image Builder (REST-JSON).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.keys[accessKey(r.Header.Get("Authorization"))]++
	s.mu.Unlock()
	if r.URL.Path == "/" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		s.serveSTS(w, r)
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		s.serveSSM(w, r, target)
		return
	}
	op, labels := ibRoutes().match(r.Method, r.URL.EscapedPath())
	h, served := handlers[op]
	if op == "" || !served {
		writeError(w, &apiError{Code: "InvalidRequestException", Status: 400, Message: fmt.Sprintf("no operation %s %s", r.Method, r.URL.Path)})
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		writeError(w, &apiError{Code: "ForbiddenException", Status: 403, Message: "request is not signed with SigV4"})
		return
	}
	in := map[string]any{}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(raw) > maxBody {
		writeError(w, &apiError{Code: "ClientException", Status: 400, Message: "request body unreadable or too large"})
		return
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &in); err != nil {
			writeError(w, &apiError{Code: "ClientException", Status: 400, Message: "request body is not a JSON object: " + err.Error()})
			return
		}
	}
	bindInput(ibModel(), op, r.URL.Query(), labels, in)
	out, err, drop := s.call(op, h, in)
	if drop {
		dropConnection(w)
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// call runs one operation under the lock: counts it, validates the input,
// applies faults before and after the write, runs the handler, and checks
// the answer. A handler that panics on a shape it did not expect answers
// 500 rather than leave the lock held.
func (s *Server) call(op string, h handler, in map[string]any) (out map[string]any, err error, drop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, errf("ServiceException", 500, "emulator failure on %s: %v", op, p)
		}
	}()
	s.calls[op]++
	s.requests++
	if f := s.takeFault(op, phaseBefore); f != nil {
		return nil, f.err(), f.Kind == DropConnection
	}
	m := ibModel()
	if vs := m.Validate(m.Operations[op].Input.Shape, in); len(vs) > 0 {
		s.record(op, false, vs)
		return nil, errf("InvalidParameterValueException", 400, "%s", apimodel.Message(vs)), false
	}
	out, err = h(s, in)
	if err != nil {
		return nil, err, false
	}
	out = withoutNil(out)
	if _, has := m.Shapes[m.Operations[op].Output.Shape].Members["requestId"]; has {
		out["requestId"] = "req-" + strconv.Itoa(s.requests)
	} else {
		delete(out, "requestId")
	}
	if vs := m.Validate(m.Operations[op].Output.Shape, out); len(vs) > 0 {
		s.record(op, true, vs)
	}
	if f := s.takeFault(op, phaseAfter); f != nil {
		return nil, f.err(), f.Kind == DropConnectionAfterWrite
	}
	return out, nil, false
}

func (s *Server) record(op string, answer bool, vs []apimodel.Violation) {
	for _, v := range vs {
		s.violations = append(s.violations, Violation{Operation: op, Answer: answer, Violation: v})
	}
}

// dropConnection closes the connection without an answer, as a network
// failure after the request reached the service would.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// bindInput adds the query-string and path members of op's input to in,
// typed as the model says (the SDK sends them as text).
func bindInput(m *apimodel.Model, op string, q url.Values, labels map[string]string, in map[string]any) {
	sh := m.Shapes[m.Operations[op].Input.Shape]
	for name, ref := range sh.Members {
		var raw []string
		switch ref.Location {
		case "querystring":
			raw = q[ref.LocationName]
		case "uri":
			if v, ok := labels[ref.LocationName]; ok {
				raw = []string{v}
			}
		default:
			continue
		}
		if len(raw) == 0 {
			continue
		}
		target := m.Shapes[ref.Shape]
		switch target.Type {
		case "list":
			list := make([]any, len(raw))
			for i, v := range raw {
				list[i] = v
			}
			in[name] = list
		case "integer", "long":
			if n, err := strconv.ParseFloat(raw[0], 64); err == nil {
				in[name] = n
			} else {
				in[name] = raw[0]
			}
		case "boolean":
			if b, err := strconv.ParseBool(raw[0]); err == nil {
				in[name] = b
			} else {
				in[name] = raw[0]
			}
		default:
			in[name] = raw[0]
		}
	}
}

// withoutNil drops nil, empty-text and empty-map members recursively, as
// the service leaves unset members out of its answers. A block device
// mapping's noDevice is the exception: its only value is the empty
// string, which the service answers as it was sent.
func withoutNil(m map[string]any) map[string]any {
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case string:
			if x == "" && k != "noDevice" {
				delete(m, k)
			}
		case map[string]any:
			if len(x) == 0 {
				delete(m, k)
				continue
			}
			withoutNil(x)
		case []map[string]any:
			list := make([]any, len(x))
			for i, e := range x {
				list[i] = withoutNil(e)
			}
			m[k] = list
		case []any:
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					withoutNil(em)
				}
			}
		case map[string]string:
			if len(x) == 0 {
				delete(m, k)
				continue
			}
			cp := make(map[string]any, len(x))
			for kk, vv := range x {
				cp[kk] = vv
			}
			m[k] = cp
		case []string:
			list := make([]any, len(x))
			for i, e := range x {
				list[i] = e
			}
			m[k] = list
		}
	}
	return m
}

// apiError is an error as the service returns it.
type apiError struct {
	Code    string
	Status  int
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(code string, status int, format string, args ...any) *apiError {
	return &apiError{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return errf("ResourceNotFoundException", 404, format, args...)
}

func invalid(format string, args ...any) *apiError {
	return errf("InvalidParameterValueException", 400, format, args...)
}

func writeError(w http.ResponseWriter, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = &apiError{Code: "ServiceException", Status: 500, Message: err.Error()}
	}
	w.Header().Set("X-Amzn-Errortype", e.Code)
	writeJSON(w, e.Status, map[string]any{"__type": e.Code, "message": e.Message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = 500
		b = []byte(`{"__type":"ServiceException","message":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", "req-"+strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ibModel is the Image Builder model, read once from the embedded files.
var ibModel = sync.OnceValue(func() *apimodel.Model {
	return apimodel.MustLoad(awsmodels.FS, awsmodels.ImageBuilder)
})
