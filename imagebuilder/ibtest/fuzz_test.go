package ibtest

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// FuzzRequests sends arbitrary bodies to every operation: the emulator must
// answer each with JSON and a status, never hang or take the server down.
func FuzzRequests(f *testing.F) {
	f.Add(0, `{"name":"a-b","semanticVersion":"1.0.0","platform":"Linux","data":"schemaVersion: 1.0\nphases: [{name: build, steps: [{name: a, action: Reboot}]}]"}`)
	f.Add(1, `{"distributions":[1,{"region":"x"}],"name":"dist"}`)
	f.Add(2, `{"components":[{"componentArn":"arn:aws:imagebuilder:us-east-1:123456789012:component/a-b/x.x.x"}],"name":"rr","semanticVersion":"1.0.0","parentImage":"ami-1"}`)
	f.Add(3, `{"maxResults":0.5,"nextToken":"b2ZmOjk5OTk"}`)
	f.Add(4, `{"filters":[{"name":"name","values":[1,null]}],"tags":{"k":1}}`)
	f.Add(5, `[]`)
	keys := make([]string, 0, len(handlers))
	for op := range handlers {
		h := ibModel().Operations[op].HTTP
		keys = append(keys, h.Method+" "+h.RequestURI)
	}
	slices.Sort(keys)
	f.Fuzz(func(t *testing.T, which int, body string) {
		s := New()
		defer s.Close()
		// Seed one of everything the bodies may refer to.
		send(t, s, "PUT /CreateComponent", seedComponent)
		if which < 0 {
			which = -which
		}
		key := keys[which%len(keys)]
		rec := send(t, s, key, body)
		if strings.Contains(rec.Body.String(), "emulator failure") {
			t.Fatalf("%s %q: handler panicked: %s", key, body, rec.Body)
		}
		if rec.Code == 0 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("%s: status %d, content type %q", key, rec.Code, rec.Header().Get("Content-Type"))
		}
		// The server still answers afterwards (no lock left held).
		if rec := send(t, s, "POST /ListComponents", "{}"); rec.Code != 200 {
			t.Fatalf("server broken after %s %q: %d %s", key, body, rec.Code, rec.Body)
		}
	})
}

const seedComponent = `{"clientToken":"seed","name":"a-b","semanticVersion":"1.0.0","platform":"Linux","data":"schemaVersion: 1.0\nphases: [{name: build, steps: [{name: a, action: Reboot}]}]"}`

func send(t *testing.T, s *Server, key, body string) *httptest.ResponseRecorder {
	t.Helper()
	method, path, _ := strings.Cut(key, " ")
	if path == "/tags/{resourceArn}" {
		path = "/tags/arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A123456789012%3Acomponent%2Fa-b%2F1.0.0%2F1"
	}
	req := httptest.NewRequest(method, path+"?componentBuildVersionArn=x&imageBuildVersionArn=y", strings.NewReader(body))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/imagebuilder/aws4_request")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func TestUnsignedAndUnknownRequests(t *testing.T) {
	s := New()
	defer s.Close()
	for _, tc := range []struct {
		method, path, auth, body string
		status                   int
		code                     string
	}{
		{"POST", "/ListComponents", "", "{}", 403, "ForbiddenException"},
		{"GET", "/Nope", "AWS4-HMAC-SHA256 x", "", 400, "InvalidRequestException"},
		{"POST", "/ListComponents", "AWS4-HMAC-SHA256 x", "{", 400, "ClientException"},
		{"POST", "/ListComponents", "AWS4-HMAC-SHA256 x", "{}", 200, ""},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != tc.status || rec.Header().Get("X-Amzn-Errortype") != tc.code {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, rec.Code, rec.Header().Get("X-Amzn-Errortype"), tc.status, tc.code)
		}
	}
}
