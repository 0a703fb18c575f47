package ibtest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest/apimodel"
	awsmodels "github.com/kiln-gitops/kiln/testdata/aws"
)

// AccessKeys counts the requests signed with each access key id, so tests
// can see which credentials calls were made with (the base identity or an
// environment's assumed role).
func (s *Server) AccessKeys() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.keys))
	for k, v := range s.keys {
		out[k] = v
	}
	return out
}

// AssumedRoles lists the role ARNs AssumeRole was called for, in order.
func (s *Server) AssumedRoles() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.roles...)
}

// accessKey is the key id of a SigV4 Authorization header.
func accessKey(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	key, _, _ := strings.Cut(rest, "/")
	return key
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
	Result  struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
			Expiration      string `xml:"Expiration"`
		} `xml:"Credentials"`
		AssumedRoleUser struct {
			Arn           string `xml:"Arn"`
			AssumedRoleID string `xml:"AssumedRoleId"`
		} `xml:"AssumedRoleUser"`
	} `xml:"AssumeRoleResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

var stsModel = sync.OnceValue(func() *apimodel.Model { return apimodel.MustLoad(awsmodels.FS, awsmodels.STS) })

// serveSTS answers AssumeRole (AWS query protocol), checked against the STS
// model (ValidationError, as STS answers constraint violations), with
// temporary credentials whose key id is derived from the role, so tests
// can tell which role signed a later call. Expiry is in real time: the
// SDK's credential cache compares it with the wall clock.
func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("Action") != "AssumeRole" {
		stsError(w, "InvalidAction", "only AssumeRole is emulated")
		return
	}
	m := stsModel()
	in := queryInput(m, m.Operations["AssumeRole"].Input.Shape, r.PostForm)
	s.mu.Lock()
	s.calls["STS.AssumeRole"]++
	vs := m.Validate(m.Operations["AssumeRole"].Input.Shape, in)
	if len(vs) > 0 {
		s.record("STS.AssumeRole", false, vs)
	}
	s.mu.Unlock()
	if len(vs) > 0 {
		stsError(w, "ValidationError", apimodel.Message(vs))
		return
	}
	role, session := str(in, "RoleArn"), str(in, "RoleSessionName")
	s.mu.Lock()
	s.roles = append(s.roles, role)
	s.mu.Unlock()
	var out assumeRoleResponse
	out.Result.Credentials.AccessKeyID = fakeID("ASIA", role)[:20]
	out.Result.Credentials.SecretAccessKey = fakeID("secret-", role, session)
	out.Result.Credentials.SessionToken = fakeID("token-", role, session)
	out.Result.Credentials.Expiration = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	out.Result.AssumedRoleUser.Arn = assumedRoleArn(role, session)
	out.Result.AssumedRoleUser.AssumedRoleID = "AROA" + strings.ToUpper(fakeID("", role)[:17]) + ":" + session
	out.RequestID = "req-sts"
	answer := map[string]any{
		"Credentials": map[string]any{
			"AccessKeyId": out.Result.Credentials.AccessKeyID, "SecretAccessKey": out.Result.Credentials.SecretAccessKey,
			"SessionToken": out.Result.Credentials.SessionToken, "Expiration": out.Result.Credentials.Expiration,
		},
		"AssumedRoleUser": map[string]any{"Arn": out.Result.AssumedRoleUser.Arn, "AssumedRoleId": out.Result.AssumedRoleUser.AssumedRoleID},
	}
	if vs := m.Validate(m.Operations["AssumeRole"].Output.Shape, answer); len(vs) > 0 {
		s.mu.Lock()
		s.record("STS.AssumeRole", true, vs)
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", "text/xml")
	_ = xml.NewEncoder(w).Encode(out)
}

// assumedRoleArn is arn:aws:sts::<account>:assumed-role/<role name>/<session>.
func assumedRoleArn(role, session string) string {
	f := strings.SplitN(role, ":", 6)
	if len(f) != 6 {
		return role + "/" + session
	}
	name := f[5][strings.LastIndex(f[5], "/")+1:]
	return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", f[1], f[4], name, session)
}

func stsError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusBadRequest)
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(msg))
	fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error></ErrorResponse>`, code, b.String())
}

// queryInput turns AWS query-protocol form values (RoleArn=…,
// Tags.member.1.Key=…) into the JSON-like value of shape, typed by the
// model, so the same validator checks it.
func queryInput(m *apimodel.Model, shape string, form url.Values) map[string]any {
	in := map[string]any{}
	for key, vals := range form {
		if key == "Action" || key == "Version" || len(vals) == 0 {
			continue
		}
		setQuery(m, shape, in, strings.Split(key, "."), vals[0])
	}
	return in
}

func setQuery(m *apimodel.Model, shape string, obj map[string]any, path []string, val string) {
	sh := m.Shapes[shape]
	ref, ok := sh.Members[path[0]]
	if !ok {
		obj[path[0]] = val // not in the model: the validator says so
		return
	}
	target := m.Shapes[ref.Shape]
	switch {
	case len(path) == 1:
		obj[path[0]] = typedScalar(target.Type, val)
	case target.Type == "list" && len(path) >= 3 && path[1] == "member":
		list, _ := obj[path[0]].([]any)
		i, err := strconv.Atoi(path[2])
		if err != nil || i < 1 || i > 1000 {
			return
		}
		for len(list) < i {
			list = append(list, nil)
		}
		elem := m.Shapes[target.Member.Shape]
		if len(path) == 3 {
			list[i-1] = typedScalar(elem.Type, val)
		} else {
			em, _ := list[i-1].(map[string]any)
			if em == nil {
				em = map[string]any{}
			}
			setQuery(m, target.Member.Shape, em, path[3:], val)
			list[i-1] = em
		}
		obj[path[0]] = list
	case target.Type == "structure":
		sub, _ := obj[path[0]].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
		}
		setQuery(m, ref.Shape, sub, path[1:], val)
		obj[path[0]] = sub
	default:
		obj[strings.Join(path, ".")] = val
	}
}

func typedScalar(typ, val string) any {
	switch typ {
	case "integer", "long", "double", "float":
		if f, err := strconv.ParseFloat(val, 64); err == nil {
			return f
		}
	case "boolean":
		if b, err := strconv.ParseBool(val); err == nil {
			return b
		}
	}
	return val
}
