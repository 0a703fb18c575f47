package ibtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest/apimodel"
	awsmodels "github.com/kiln-gitops/kiln/testdata/aws"
)

// parameter is one SSM parameter.
type parameter struct {
	name, typ, value, dataType string
	version                    int64
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

var ssmModel = sync.OnceValue(func() *apimodel.Model { return apimodel.MustLoad(awsmodels.FS, awsmodels.SSM) })

// serveSSM speaks the AWS JSON 1.1 protocol of the SSM parameter calls,
// each request checked against the SSM model (ValidationException, as SSM
// answers constraint violations).
func (s *Server) serveSSM(w http.ResponseWriter, r *http.Request, target string) {
	m := ssmModel()
	op, ok := strings.CutPrefix(target, m.Metadata.TargetPrefix+".")
	if !ok || r.Method != http.MethodPost {
		writeSSMError(w, errf("UnknownOperationException", 400, "unknown target %q", target))
		return
	}
	in := map[string]any{}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(raw, &in)
	}
	if err != nil {
		writeSSMError(w, errf("SerializationException", 400, "request body is not JSON"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["SSM."+op]++
	if f := s.takeFault("SSM."+op, phaseBefore); f != nil {
		writeSSMError(w, f.err())
		return
	}
	spec, known := m.Operations[op]
	if !known {
		writeSSMError(w, errf("UnknownOperationException", 400, "operation %s is not emulated", op))
		return
	}
	if vs := m.Validate(spec.Input.Shape, in); len(vs) > 0 {
		s.record("SSM."+op, false, vs)
		writeSSMError(w, errf("ValidationException", 400, "%s", apimodel.Message(vs)))
		return
	}
	out, aerr := s.ssmCall(op, in)
	if aerr != nil {
		writeSSMError(w, aerr)
		return
	}
	if vs := m.Validate(spec.Output.Shape, out); len(vs) > 0 {
		s.record("SSM."+op, true, vs)
	}
	writeSSM(w, out)
}

func (s *Server) ssmCall(op string, in map[string]any) (map[string]any, *apiError) {
	switch op {
	case "PutParameter":
		name := str(in, "Name")
		p, exists := s.params[name]
		if overwrite, _ := in["Overwrite"].(bool); exists && !overwrite {
			return nil, errf("ParameterAlreadyExists", 400, "the parameter already exists; set Overwrite to replace it")
		}
		if !exists {
			p = &parameter{name: name, typ: "String", dataType: "text"}
			s.params[name] = p
		}
		p.value, p.version = str(in, "Value"), p.version+1
		if t := str(in, "Type"); t != "" {
			p.typ = t
		}
		if d := str(in, "DataType"); d != "" {
			p.dataType = d
		}
		return map[string]any{"Version": float64(p.version), "Tier": "Standard"}, nil
	case "GetParameter":
		p, exists := s.params[str(in, "Name")]
		if !exists {
			return nil, errf("ParameterNotFound", 400, "parameter %s not found", str(in, "Name"))
		}
		return map[string]any{"Parameter": map[string]any{
			"Name": p.name, "Type": p.typ, "Value": p.value, "Version": float64(p.version), "DataType": p.dataType,
			"ARN": "arn:aws:ssm:" + s.region + ":" + s.account + ":parameter/" + strings.TrimPrefix(p.name, "/"),
		}}, nil
	case "DeleteParameter":
		if _, exists := s.params[str(in, "Name")]; !exists {
			return nil, errf("ParameterNotFound", 400, "parameter %s not found", str(in, "Name"))
		}
		delete(s.params, str(in, "Name"))
		return map[string]any{}, nil
	}
	return nil, errf("UnknownOperationException", 400, "operation %s is not emulated", op)
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
