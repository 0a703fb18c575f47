// Package ibtest is an in-process emulator of EC2 Image Builder (and the two
// SSM parameter calls kiln makes) for tests. It speaks the REST-JSON
// protocol the real aws-sdk-go-v2 imagebuilder client sends, so tests point
// the real client at it with BaseEndpoint and exercise the SDK's own
// serializers, deserializers and retryer. It keeps the service's semantics
// that kiln relies on: immutable semantic versions, client-token
// idempotency, wildcard versions, dryRun, pagination, references that block
// deletion, and images moving through their states on a virtual clock, with
// faults injected on demand.
//
// What it keeps, as the service does (the SDK's model of each operation's
// errors is the reference for codes):
//   - ARNs arn:aws:imagebuilder:<region>:<account>:<type>/<lowercased
//     name>[/<version>[/<build>]]; names and semantic versions checked.
//   - Recipes are immutable: the same name and version again is
//     ResourceAlreadyExistsException. Components get the next build version
//     instead (/2, …), as the service does since its November 2025
//     auto-versioning release; WithStrictComponentVersions refuses them.
//   - Client tokens: a token seen before with the same parameters returns
//     the first result; with other parameters it is
//     IdempotentParameterMismatchException. Failures are not remembered.
//   - Wildcard versions (1.x.x, x.x.x) in recipe component ARNs, parent
//     image ARNs and GetComponent resolve to the newest match; AWS-owned
//     and shared ARNs (another account, or "aws") are taken on trust.
//   - dryRun on CreateComponent: DryRunOperationException when the create
//     would succeed, the validation error otherwise (data must be YAML with
//     schemaVersion 1.0 and known phases with steps, ≤ 16,000 characters).
//   - Every List pages with maxResults (1–25) and an opaque nextToken.
//   - Deleting what another resource uses is ResourceDependencyException.
//   - Images move PENDING → BUILDING → TESTING (skipped when the pipeline
//     disables tests) → DISTRIBUTING → AVAILABLE on a virtual clock that
//     only Advance moves; AVAILABLE images carry an AMI per distribution
//     region and account (owner plus targetAccountIds), or container image
//     URIs per region. CancelImageCreation → CANCELLED.
//   - Faults (Inject): throttling (400 ThrottlingException or 429
//     TooManyRequestsException), 500 ServiceException, and builds that fail
//     at the end of TESTING with a reason.
//
// It also answers SSM PutParameter/GetParameter (JSON 1.1) and STS
// AssumeRole (query protocol), so an environment's role assumption and AMI
// publication run through the real SDK clients too. Signatures are not
// verified, but every call must carry a SigV4 Authorization header, and the
// access key that signed it is counted (AccessKeys).
package ibtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// StateDurations is how long an image stays in each state before moving on.
type StateDurations struct {
	Pending, Building, Testing, Distributing time.Duration
}

// DefaultStateDurations are loosely what a small Linux build takes.
var DefaultStateDurations = StateDurations{
	Pending:      time.Minute,
	Building:     15 * time.Minute,
	Testing:      10 * time.Minute,
	Distributing: 5 * time.Minute,
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

// Server is the emulator. All state is behind mu; the virtual clock only
// moves with Advance.
type Server struct {
	account, region string
	durations       StateDurations
	maxResults      int
	// strictComponents refuses a second build of a component version.
	strictComponents bool

	mu        sync.Mutex
	now       time.Time
	seq       int
	resources map[string]*resource // by ARN
	order     map[string][]*resource
	images    map[string]*image // by ARN
	tokens    map[string]tokenEntry
	faults    []*Fault
	calls     map[string]int
	params    map[string]*parameter // SSM, by name
	keys      map[string]int        // requests per access key id
	roles     []string              // AssumeRole calls

	srv *httptest.Server
}

// New starts an emulator on a loopback port. Close it when done.
func New(opts ...Option) *Server {
	s := &Server{
		account:    "123456789012",
		region:     "us-east-1",
		durations:  DefaultStateDurations,
		maxResults: 25,
		now:        time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
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
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the endpoint to give the SDK as BaseEndpoint.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Account is the account id that owns the emulated resources.
func (s *Server) Account() string { return s.account }

// Region is the emulated region.
func (s *Server) Region() string { return s.region }

// Advance moves the virtual clock forward.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
}

// Now is the virtual time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// Calls returns how many requests each operation received (failed and
// faulted ones included). SSM operations are prefixed "SSM.".
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

// handler serves one operation with the lock held. body is the decoded JSON
// request body (empty for GET and DELETE).
type handler func(s *Server, r *http.Request, body map[string]any) (any, error)

type route struct {
	op string
	h  handler
}

var routes = map[string]route{
	"PUT /CreateComponent":                      {"CreateComponent", (*Server).createComponent},
	"GET /GetComponent":                         {"GetComponent", (*Server).getComponent},
	"POST /ListComponents":                      {"ListComponents", (*Server).listComponents},
	"POST /ListComponentBuildVersions":          {"ListComponentBuildVersions", (*Server).listComponentBuildVersions},
	"DELETE /DeleteComponent":                   {"DeleteComponent", (*Server).deleteComponent},
	"PUT /CreateImageRecipe":                    {"CreateImageRecipe", (*Server).createImageRecipe},
	"GET /GetImageRecipe":                       {"GetImageRecipe", (*Server).getImageRecipe},
	"POST /ListImageRecipes":                    {"ListImageRecipes", (*Server).listImageRecipes},
	"DELETE /DeleteImageRecipe":                 {"DeleteImageRecipe", (*Server).deleteImageRecipe},
	"PUT /CreateContainerRecipe":                {"CreateContainerRecipe", (*Server).createContainerRecipe},
	"GET /GetContainerRecipe":                   {"GetContainerRecipe", (*Server).getContainerRecipe},
	"POST /ListContainerRecipes":                {"ListContainerRecipes", (*Server).listContainerRecipes},
	"DELETE /DeleteContainerRecipe":             {"DeleteContainerRecipe", (*Server).deleteContainerRecipe},
	"PUT /CreateInfrastructureConfiguration":    {"CreateInfrastructureConfiguration", (*Server).createInfra},
	"PUT /UpdateInfrastructureConfiguration":    {"UpdateInfrastructureConfiguration", (*Server).updateInfra},
	"GET /GetInfrastructureConfiguration":       {"GetInfrastructureConfiguration", (*Server).getInfra},
	"POST /ListInfrastructureConfigurations":    {"ListInfrastructureConfigurations", (*Server).listInfra},
	"DELETE /DeleteInfrastructureConfiguration": {"DeleteInfrastructureConfiguration", (*Server).deleteInfra},
	"PUT /CreateDistributionConfiguration":      {"CreateDistributionConfiguration", (*Server).createDist},
	"PUT /UpdateDistributionConfiguration":      {"UpdateDistributionConfiguration", (*Server).updateDist},
	"GET /GetDistributionConfiguration":         {"GetDistributionConfiguration", (*Server).getDist},
	"POST /ListDistributionConfigurations":      {"ListDistributionConfigurations", (*Server).listDist},
	"DELETE /DeleteDistributionConfiguration":   {"DeleteDistributionConfiguration", (*Server).deleteDist},
	"PUT /CreateImagePipeline":                  {"CreateImagePipeline", (*Server).createPipeline},
	"PUT /UpdateImagePipeline":                  {"UpdateImagePipeline", (*Server).updatePipeline},
	"GET /GetImagePipeline":                     {"GetImagePipeline", (*Server).getPipeline},
	"POST /ListImagePipelines":                  {"ListImagePipelines", (*Server).listPipelines},
	"DELETE /DeleteImagePipeline":               {"DeleteImagePipeline", (*Server).deletePipeline},
	"PUT /StartImagePipelineExecution":          {"StartImagePipelineExecution", (*Server).startPipeline},
	"GET /GetImage":                             {"GetImage", (*Server).getImage},
	"POST /ListImagePipelineImages":             {"ListImagePipelineImages", (*Server).listPipelineImages},
	"PUT /CancelImageCreation":                  {"CancelImageCreation", (*Server).cancelImage},
	"POST /tags":                                {"TagResource", (*Server).tagResource},
	"DELETE /tags":                              {"UntagResource", (*Server).untagResource},
	"GET /tags":                                 {"ListTagsForResource", (*Server).listTags},
}

// maxBody bounds what one request may send; the largest legitimate body is
// a component with 16,000 characters of data.
const maxBody = 1 << 20

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
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
	path := r.URL.Path
	if strings.HasPrefix(path, "/tags/") {
		path = "/tags"
	}
	rt, ok := routes[r.Method+" "+path]
	if !ok {
		writeError(w, &apiError{Code: "InvalidRequestException", Status: 400, Message: fmt.Sprintf("no operation %s %s", r.Method, r.URL.Path)})
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		writeError(w, &apiError{Code: "ForbiddenException", Status: 403, Message: "request is not signed with SigV4"})
		return
	}
	body := map[string]any{}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(raw) > maxBody {
		writeError(w, &apiError{Code: "ClientException", Status: 400, Message: "request body unreadable or too large"})
		return
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			writeError(w, &apiError{Code: "ClientException", Status: 400, Message: "request body is not a JSON object: " + err.Error()})
			return
		}
	}

	out, err := s.call(rt, r, body)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
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

// call runs one operation under the lock. A handler that panics on a shape
// it did not expect answers 500 rather than leave the lock held.
func (s *Server) call(rt route, r *http.Request, body map[string]any) (out any, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, errf("ServiceException", 500, "emulator failure on %s: %v", rt.op, p)
		}
	}()
	s.calls[rt.op]++
	if f := s.takeFault(rt.op, false); f != nil {
		return nil, f
	}
	return rt.h(s, r, body)
}
