package gh

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// maxCachedBody bounds one cached response; bigger ones are not cached.
const maxCachedBody = 1 << 20

// etagTransport makes repeated GETs conditional. GitHub answers an
// unchanged resource with 304, which does not count against the rate
// limit; the cached body is then served as the 200 it stands for.
type etagTransport struct {
	next http.RoundTripper
	max  int

	mu    sync.Mutex
	order []string
	cache map[string]cached
}

type cached struct {
	etag   string
	header http.Header
	body   []byte
}

func newETagTransport(next http.RoundTripper, maxEntries int) *etagTransport {
	return &etagTransport{next: next, max: maxEntries, cache: map[string]cached{}}
}

func (t *etagTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || req.Header.Get("If-None-Match") != "" {
		return t.next.RoundTrip(req)
	}
	key := req.URL.String()
	t.mu.Lock()
	entry, ok := t.cache[key]
	t.mu.Unlock()
	if ok {
		req = req.Clone(req.Context())
		req.Header.Set("If-None-Match", entry.etag)
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && ok:
		resp.Body.Close()
		header := entry.header.Clone()
		// Fresh rate limit figures come with the 304.
		for k, v := range resp.Header {
			header[k] = v
		}
		return &http.Response{
			Status: "200 OK", StatusCode: http.StatusOK, Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor,
			Header: header, Body: io.NopCloser(bytes.NewReader(entry.body)), ContentLength: int64(len(entry.body)), Request: req,
		}, nil
	case resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != "":
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxCachedBody+1))
		rest := resp.Body
		if err != nil || len(data) > maxCachedBody {
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(data), rest), rest}
			return resp, nil
		}
		rest.Close()
		resp.Body = io.NopCloser(bytes.NewReader(data))
		t.store(key, cached{etag: resp.Header.Get("ETag"), header: resp.Header.Clone(), body: data})
	}
	return resp, nil
}

func (t *etagTransport) store(key string, c cached) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.cache[key]; !ok {
		t.order = append(t.order, key)
		if len(t.order) > t.max {
			delete(t.cache, t.order[0])
			t.order = t.order[1:]
		}
	}
	t.cache[key] = c
}
