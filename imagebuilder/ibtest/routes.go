package ibtest

import (
	"net/url"
	"strings"
	"sync"
)

// handlers are the Image Builder operations the emulator serves, by the
// model's operation name; each kind's file adds its own.
var handlers = merge(
	componentHandlers, imageRecipeHandlers, containerRecipeHandlers, workflowHandlers,
	infrastructureHandlers, distributionHandlers, pipelineHandlers, lifecyclePolicyHandlers,
	imageHandlers, tagHandlers,
)

func merge(sets ...map[string]handler) map[string]handler {
	out := map[string]handler{}
	for _, set := range sets {
		for k, v := range set {
			out[k] = v
		}
	}
	return out
}

// routeTable maps a method and path to an operation by the model's
// requestUri templates (/GetComponent, /tags/{resourceArn}).
type routeTable []routeEntry

type routeEntry struct {
	method, op string
	segments   []string
}

var ibRoutes = sync.OnceValue(func() routeTable {
	var t routeTable
	for name, op := range ibModel().Operations {
		path, _, _ := strings.Cut(op.HTTP.RequestURI, "?")
		t = append(t, routeEntry{method: op.HTTP.Method, op: name, segments: strings.Split(strings.Trim(path, "/"), "/")})
	}
	return t
})

// match finds the operation for a request and the values of its path
// labels; escapedPath is the path as sent, so a label holding an escaped
// ARN stays one segment.
func (t routeTable) match(method, escapedPath string) (string, map[string]string) {
	got := strings.Split(strings.Trim(escapedPath, "/"), "/")
	for _, e := range t {
		if e.method != method || len(e.segments) != len(got) {
			continue
		}
		labels := map[string]string{}
		ok := true
		for i, seg := range e.segments {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				v, err := url.PathUnescape(got[i])
				if err != nil {
					ok = false
					break
				}
				labels[strings.Trim(seg, "{}+")] = v
				continue
			}
			if seg != got[i] {
				ok = false
				break
			}
		}
		if ok {
			return e.op, labels
		}
	}
	return "", nil
}
