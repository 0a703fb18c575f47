package ibtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// parameter is one SSM parameter.
type parameter struct {
	name, typ, value string
	version          int64
}

// Parameter returns an SSM parameter's value as the emulator holds it.
func (s *Server) Parameter(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.params[name]
	if !ok {
		return "", false
	}
	return p.value, true
}

// serveSSM speaks the AWS JSON 1.1 protocol of the two SSM calls kiln makes.
func (s *Server) serveSSM(w http.ResponseWriter, r *http.Request, target string) {
	op, ok := strings.CutPrefix(target, "AmazonSSM.")
	if !ok || r.Method != http.MethodPost {
		writeSSMError(w, errf("UnknownOperationException", 400, "unknown target %q", target))
		return
	}
	var body struct {
		Name      string
		Value     string
		Type      string
		Overwrite *bool
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(raw, &body)
	}
	if err != nil {
		writeSSMError(w, errf("SerializationException", 400, "request body is not JSON"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["SSM."+op]++
	if f := s.takeFault("SSM."+op, false); f != nil {
		writeSSMError(w, f)
		return
	}
	switch op {
	case "PutParameter":
		if body.Name == "" || body.Value == "" {
			writeSSMError(w, errf("ValidationException", 400, "Name and Value are required"))
			return
		}
		p, exists := s.params[body.Name]
		if exists && (body.Overwrite == nil || !*body.Overwrite) {
			writeSSMError(w, errf("ParameterAlreadyExists", 400, "the parameter already exists; set Overwrite to replace it"))
			return
		}
		if !exists {
			p = &parameter{name: body.Name}
			s.params[body.Name] = p
		}
		p.value, p.version = body.Value, p.version+1
		p.typ = body.Type
		if p.typ == "" {
			p.typ = "String"
		}
		writeSSM(w, map[string]any{"Version": p.version, "Tier": "Standard"})
	case "GetParameter":
		p, exists := s.params[body.Name]
		if !exists {
			writeSSMError(w, errf("ParameterNotFound", 400, "parameter %s not found", body.Name))
			return
		}
		writeSSM(w, map[string]any{"Parameter": map[string]any{
			"Name": p.name, "Type": p.typ, "Value": p.value, "Version": p.version,
			"ARN": "arn:aws:ssm:" + s.region + ":" + s.account + ":parameter/" + strings.TrimPrefix(p.name, "/"),
		}})
	default:
		writeSSMError(w, errf("UnknownOperationException", 400, "operation %s is not emulated", op))
	}
}

func writeSSM(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func writeSSMError(w http.ResponseWriter, e *apiError) {
	b, _ := json.Marshal(map[string]any{"__type": e.Code, "message": e.Message})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}
