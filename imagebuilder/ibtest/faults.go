package ibtest

// FaultKind is what an injected fault does.
type FaultKind int

const (
	// Throttle answers 400 ThrottlingException, which the SDK retries.
	Throttle FaultKind = iota
	// TooManyRequests answers 429 TooManyRequestsException, also retried.
	TooManyRequests
	// ServerError answers 500 ServiceException, retried as a transient error.
	ServerError
	// FailBuildInTesting makes the next images started fail at the end of
	// their TESTING state. Operation is ignored unless it names a pipeline
	// ARN, in which case only that pipeline's images fail.
	FailBuildInTesting
)

// Fault is injected into the next Times matching requests (1 when Times is
// zero). An empty Operation matches every operation.
type Fault struct {
	Operation string
	Kind      FaultKind
	Times     int
}

// Inject queues a fault.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// takeFault consumes and returns the first request fault matching op, or
// for build (true) the first FailBuildInTesting fault for pipeline op.
func (s *Server) takeFault(op string, build bool) *apiError {
	for i, f := range s.faults {
		if (f.Kind == FailBuildInTesting) != build {
			continue
		}
		if f.Operation != "" && f.Operation != op && !(build && f.Operation == "StartImagePipelineExecution") {
			continue
		}
		f.Times--
		if f.Times == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		switch f.Kind {
		case Throttle:
			return errf("ThrottlingException", 400, "Rate exceeded")
		case TooManyRequests:
			return errf("TooManyRequestsException", 429, "Too many requests")
		case ServerError:
			return errf("ServiceException", 500, "internal failure (injected)")
		default:
			return errf("", 0, "build fails in testing (injected)")
		}
	}
	return nil
}
