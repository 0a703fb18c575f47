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
	// DropConnection closes the connection before the request takes effect.
	DropConnection
	// ServerErrorAfterWrite lets the request take effect, then answers 500
	// ServiceException: the caller cannot tell that it succeeded.
	ServerErrorAfterWrite
	// DropConnectionAfterWrite lets the request take effect, then closes
	// the connection without an answer.
	DropConnectionAfterWrite
)

// Fault is injected into the next Times matching requests (1 when Times is
// zero). An empty Operation matches every operation.
type Fault struct {
	Operation string
	Kind      FaultKind
	Times     int
}

type faultPhase int

const (
	phaseBefore faultPhase = iota
	phaseAfter
	phaseBuild
)

func (k FaultKind) phase() faultPhase {
	switch k {
	case FailBuildInTesting:
		return phaseBuild
	case ServerErrorAfterWrite, DropConnectionAfterWrite:
		return phaseAfter
	}
	return phaseBefore
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

// takeFault consumes and returns the first fault of phase matching op (for
// phaseBuild, op is the pipeline ARN).
func (s *Server) takeFault(op string, phase faultPhase) *Fault {
	for i, f := range s.faults {
		if f.Kind.phase() != phase {
			continue
		}
		if f.Operation != "" && f.Operation != op && !(phase == phaseBuild && f.Operation == "StartImagePipelineExecution") {
			continue
		}
		f.Times--
		if f.Times == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

// err is the answer a request fault gives.
func (f *Fault) err() *apiError {
	switch f.Kind {
	case Throttle:
		return errf("ThrottlingException", 400, "Rate exceeded")
	case TooManyRequests:
		return errf("TooManyRequestsException", 429, "Too many requests")
	case ServerError, ServerErrorAfterWrite:
		return errf("ServiceException", 500, "internal failure (injected)")
	}
	return errf("ServiceException", 500, "connection dropped (injected)")
}
