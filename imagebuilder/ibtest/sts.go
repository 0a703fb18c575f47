package ibtest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"time"
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

// serveSTS answers AssumeRole (AWS query protocol) with temporary
// credentials whose key id is derived from the role, so tests can tell
// which role signed a later call. Expiry is in real time: the SDK's
// credential cache compares it with the wall clock.
func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("Action") != "AssumeRole" {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>only AssumeRole is emulated</Message></Error></ErrorResponse>`)
		return
	}
	role, session := r.PostForm.Get("RoleArn"), r.PostForm.Get("RoleSessionName")
	s.mu.Lock()
	s.calls["STS.AssumeRole"]++
	s.roles = append(s.roles, role)
	s.mu.Unlock()
	var out assumeRoleResponse
	out.Result.Credentials.AccessKeyID = fakeID("ASIA", role)[:20]
	out.Result.Credentials.SecretAccessKey = fakeID("secret-", role, session)
	out.Result.Credentials.SessionToken = fakeID("token-", role, session)
	out.Result.Credentials.Expiration = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	out.Result.AssumedRoleUser.Arn = role + "/" + session
	out.Result.AssumedRoleUser.AssumedRoleID = "AROA" + session
	out.RequestID = "req-sts"
	w.Header().Set("Content-Type", "text/xml")
	_ = xml.NewEncoder(w).Encode(out)
}
