package ibtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Resource type segments of Image Builder ARNs.
const (
	typeComponent       = "component"
	typeImageRecipe     = "image-recipe"
	typeContainerRecipe = "container-recipe"
	typeInfra           = "infrastructure-configuration"
	typeDist            = "distribution-configuration"
	typePipeline        = "image-pipeline"
	typeImage           = "image"
	typeLifecyclePolicy = "lifecycle-policy"
	// Workflows carry their type in the ARN: workflow/build/<name>/….
	typeWorkflow = "workflow"
)

// resource is any of the eight kinds. fields holds the request's members as
// the client sent them (minus bookkeeping such as clientToken), which is
// what Get answers with, so the SDK's shapes round-trip without the
// emulator restating every field.
type resource struct {
	typ, arn, name, version string
	fields                  map[string]any
	tags                    map[string]string
	refs                    []string // ARNs this resource uses
	created, updated        time.Time
	// componentType is BUILD or TEST for components.
	componentType string
}

// listed says whether a List call shows r yet (WithListLag).
func (s *Server) listed(r *resource) bool {
	return s.listLag == 0 || !s.now().Before(r.created.Add(s.listLag))
}

type tokenEntry struct {
	params string
	out    map[string]any
}

// arnName is how the service writes a name into an ARN.
func arnName(name string) string {
	b := []byte(strings.ToLower(name))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	return string(b)
}

func (s *Server) arn(typ string, parts ...string) string {
	return fmt.Sprintf("arn:aws:imagebuilder:%s:%s:%s/%s", s.region, s.account, typ, strings.Join(parts, "/"))
}

// parsedArn is an Image Builder ARN split into its parts; version may be a
// wildcard pattern and build may be empty.
type parsedArn struct {
	region, account, typ, name, version, build string
}

func parseArn(a string) (parsedArn, bool) {
	f := strings.SplitN(a, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "imagebuilder" {
		return parsedArn{}, false
	}
	p := strings.Split(f[5], "/")
	if p[0] == typeWorkflow && len(p) > 1 {
		// workflow/<build|test|distribution>/<name>/<version>/<build>
		p = append([]string{p[0] + "/" + p[1]}, p[2:]...)
	}
	if len(p) < 2 || len(p) > 4 {
		return parsedArn{}, false
	}
	out := parsedArn{region: f[3], account: f[4], typ: p[0], name: p[1]}
	if len(p) > 2 {
		out.version = p[2]
	}
	if len(p) > 3 {
		out.build = p[3]
	}
	return out, true
}

func str(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

func (s *Server) stamp(t time.Time) string { return t.Format(time.RFC3339Nano) }

// epoch is a timestamp member as REST-JSON carries it (seconds).
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// withoutKeys copies m without the given keys.
func withoutKeys(m map[string]any, keys ...string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if !slices.Contains(keys, k) {
			out[k] = v
		}
	}
	return out
}

// idempotent runs create under the client token rules: a token seen before
// with the same parameters returns the first result; with other
// parameters it is an IdempotentParameterMismatchException. Failures are
// not remembered, so a retry after a fixed cause can succeed.
func (s *Server) idempotent(op string, body map[string]any, create func() (map[string]any, error)) (map[string]any, error) {
	token := str(body, "clientToken")
	canon, _ := json.Marshal(withoutKeys(body, "clientToken"))
	key := op + "\x00" + token
	if token != "" {
		if e, ok := s.tokens[key]; ok {
			if e.params != string(canon) {
				return nil, errf("IdempotentParameterMismatchException", 400,
					"client token %q was already used with different parameters", token)
			}
			return e.out, nil
		}
	}
	out, err := create()
	if err != nil {
		return nil, err
	}
	if token != "" {
		if _, answers := ibModel().Shapes[ibModel().Operations[op].Output.Shape].Members["clientToken"]; answers {
			out["clientToken"] = token
		}
		s.tokens[key] = tokenEntry{params: string(canon), out: out}
	}
	return out, nil
}

// tagsOf reads the tags member (the model bounds count, key and value);
// the aws: prefix is reserved for AWS's own tags.
func tagsOf(body map[string]any) (map[string]string, error) {
	raw, _ := body["tags"].(map[string]any)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		sv, _ := v.(string)
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, invalid("tag %q: the aws: prefix is reserved", k)
		}
		out[k] = sv
	}
	return out, nil
}

// add stores a new resource under its ARN, refusing duplicates.
func (s *Server) add(r *resource) error {
	if _, ok := s.resources[r.arn]; ok {
		return errf("ResourceAlreadyExistsException", 400, "the resource %s already exists", r.arn)
	}
	r.created, r.updated = s.now(), s.now()
	s.resources[r.arn] = r
	clear(s.order)
	return nil
}

// lookup finds a resource of type typ by exact ARN.
func (s *Server) lookup(typ, a string) (*resource, error) {
	if a == "" {
		return nil, invalid("an ARN is required")
	}
	r, ok := s.resources[a]
	if !ok || r.typ != typ {
		return nil, notFound("the resource %s does not exist", a)
	}
	return r, nil
}

// inUse names a resource that refers to a.
func (s *Server) inUse(a string) error {
	for _, r := range s.sorted("") {
		if slices.Contains(r.refs, a) {
			return errf("ResourceDependencyException", 400,
				"Resource dependency error: the resource ARN %s has other resources depended on it: %s", a, r.arn)
		}
	}
	return nil
}

func (s *Server) remove(typ string, a string) error {
	if _, err := s.lookup(typ, a); err != nil {
		return err
	}
	if err := s.inUse(a); err != nil {
		return err
	}
	delete(s.resources, a)
	clear(s.order)
	return nil
}

// sorted lists resources of typ (all when empty) by ARN, which is the
// stable order pagination walks.
// The order is cached per type until the next add or remove, so paging
// through thousands of resources stays linear.
func (s *Server) sorted(typ string) []*resource {
	if out, ok := s.order[typ]; ok {
		return out
	}
	var out []*resource
	for _, r := range s.resources {
		if typ == "" || r.typ == typ {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *resource) int { return strings.Compare(a.arn, b.arn) })
	s.order[typ] = out
	return out
}

// withPrefix is the sorted resources of typ whose ARN starts with prefix.
func (s *Server) withPrefix(typ, prefix string) []*resource {
	all := s.sorted(typ)
	i, _ := slices.BinarySearchFunc(all, prefix, func(r *resource, p string) int { return strings.Compare(r.arn, p) })
	j := i
	for j < len(all) && strings.HasPrefix(all[j].arn, prefix) {
		j++
	}
	return all[i:j]
}

// page cuts one page out of n items per maxResults (1–25 by the model)
// and nextToken. A WithMaxResults cap below 25 shortens pages, as the
// service may: callers must follow nextToken.
func (s *Server) page(body map[string]any, n int) (from, to int, next string, err error) {
	limit := s.maxResults
	if v, ok := body["maxResults"].(float64); ok {
		limit = min(int(v), s.maxResults)
	}
	if tok := str(body, "nextToken"); tok != "" {
		b, derr := base64.RawURLEncoding.DecodeString(tok)
		off, perr := strconv.Atoi(strings.TrimPrefix(string(b), "off:"))
		if derr != nil || perr != nil || !strings.HasPrefix(string(b), "off:") || off < 0 || off > n {
			return 0, 0, "", errf("InvalidPaginationTokenException", 400, "invalid nextToken")
		}
		from = off
	}
	to = min(from+limit, n)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("off:" + strconv.Itoa(to)))
	}
	return from, to, next, nil
}

// listPage answers a List with one page of items under key.
func (s *Server) listPage(body map[string]any, key string, items []map[string]any) (map[string]any, error) {
	return s.listPageOf(body, key, len(items), func(i int) map[string]any { return items[i] })
}

// listPageOf is listPage for n items built on demand, so only the page
// returned is rendered.
func (s *Server) listPageOf(body map[string]any, key string, n int, item func(int) map[string]any) (map[string]any, error) {
	from, to, next, err := s.page(body, n)
	if err != nil {
		return nil, err
	}
	list := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		list = append(list, item(i))
	}
	out := map[string]any{key: list}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// filtersMatch applies the List filters the emulator knows (name, and
// for components also version and platform); unknown filter names are an
// error, as in the service.
func filtersMatch(body map[string]any, fields map[string]string) (bool, error) {
	list, _ := body["filters"].([]any)
	if len(list) == 0 {
		return true, nil
	}
	for _, f := range list {
		fm, _ := f.(map[string]any)
		name := str(fm, "name")
		have, known := fields[name]
		if !known {
			return false, invalid("filter %q is not supported", name)
		}
		values, _ := fm["values"].([]any)
		hit := false
		for _, v := range values {
			if v == have {
				hit = true
			}
		}
		if !hit {
			return false, nil
		}
	}
	return true, nil
}

// resolveVersioned finds the resource of typ that an ARN names, with
// wildcard versions (1.x.x, x.x.x) resolving to the newest match and a
// missing build number to the newest build.
func (s *Server) resolveVersioned(typ, a string) (*resource, error) {
	p, ok := parseArn(a)
	if !ok || p.typ != typ || p.version == "" {
		return nil, invalid("%q is not a %s ARN with a version", a, typ)
	}
	pat, err := parseSemver(p.version, true)
	if err != nil {
		return nil, errf("InvalidVersionNumberException", 400, "%s: %v", a, err)
	}
	var best *resource
	var bestV semver
	for _, r := range s.withPrefix(typ, s.arn(typ, p.name)+"/") {
		rp, _ := parseArn(r.arn)
		if p.build != "" && rp.build != p.build {
			continue
		}
		v, err := parseSemver(rp.version, false)
		if err != nil || !pat.matches(v) {
			continue
		}
		if best == nil || bestV.less(v) || (bestV == v && buildOf(r.arn) > buildOf(best.arn)) {
			best, bestV = r, v
		}
	}
	if best == nil {
		return nil, notFound("no %s matches %s", typ, a)
	}
	return best, nil
}

// resourceOut is what Get and List answer for r in the output shape
// named: the members it was created (or last updated) with and the
// service's bookkeeping, restricted to the shape's members, so that
// request-only members (clientToken, dryRun, semanticVersion) stay out.
func (s *Server) resourceOut(r *resource, shape string) map[string]any {
	sh := ibModel().Shapes[shape]
	out := map[string]any{}
	for k, v := range r.fields {
		if _, ok := sh.Members[k]; ok {
			out[k] = v
		}
	}
	s.setMember(out, shape, "arn", r.arn)
	s.setMember(out, shape, "name", r.name)
	s.setMember(out, shape, "owner", s.account)
	s.setMember(out, shape, "version", r.version)
	s.setMember(out, shape, "dateCreated", r.created)
	s.setMember(out, shape, "dateUpdated", r.updated)
	s.setMember(out, shape, "tags", r.tags)
	return out
}

// setMember sets member k of out when shape has it; a time goes as the
// member's type says (DateTime text or an epoch timestamp).
func (s *Server) setMember(out map[string]any, shape, k string, v any) {
	m := ibModel()
	ref, ok := m.Shapes[shape].Members[k]
	if !ok {
		return
	}
	if t, isTime := v.(time.Time); isTime {
		if m.Shapes[ref.Shape].Type == "timestamp" {
			v = epoch(t)
		} else {
			v = s.stamp(t)
		}
	}
	if str, isStr := v.(string); isStr && str == "" {
		return
	}
	out[k] = v
}
