package ibtest

import (
	"slices"
	"strconv"
	"strings"
)

// Components, image and container recipes and workflows are versioned:
// <type>/<name>/<major.minor.patch>[/<build>] in their ARNs.

// builds counts the build versions of a version.
func (s *Server) builds(typ, name, version string) int {
	return len(s.withPrefix(typ, s.arn(typ, name, version)+"/"))
}

func buildOf(a string) int {
	n, _ := strconv.Atoi(a[strings.LastIndex(a, "/")+1:])
	return n
}

// versionArn is a build version ARN without its build number.
func versionArn(buildArn string) string { return buildArn[:strings.LastIndex(buildArn, "/")] }

// latestVersionReferences are the wildcard ARNs the service returns with a
// versioned resource since November 2025, ready to use as references:
// x.x.x, <major>.x.x, <major>.<minor>.x and the exact version
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/ibhow-semantic-versioning.html,
// "Using version references").
func (s *Server) latestVersionReferences(r *resource) map[string]any {
	v, err := parseSemver(r.version, false)
	if err != nil {
		return nil
	}
	name := arnName(r.name)
	at := func(p semver) string { return s.arn(r.typ, name, p.String()) }
	return map[string]any{
		"latestVersionArn":      at(semver{-1, -1, -1}),
		"latestMajorVersionArn": at(semver{v[0], -1, -1}),
		"latestMinorVersionArn": at(semver{v[0], v[1], -1}),
		"latestPatchVersionArn": at(v),
	}
}

// nextVersion resolves a recipe's semanticVersion: an exact version is
// itself; a wildcard patch (2.0.x), which the service accepts since
// November 2025, is the next patch after the newest existing 2.0.*
// version, or 2.0.0.
func (s *Server) nextVersion(typ, name, version string) (string, error) {
	v, err := parseSemver(version, true)
	if err != nil {
		return "", errf("InvalidVersionNumberException", 400, "semanticVersion: %v", err)
	}
	if !v.wild() {
		return version, nil
	}
	if v[0] < 0 || v[1] < 0 {
		return "", errf("InvalidVersionNumberException", 400, "semanticVersion %s: only the patch node may be a wildcard", version)
	}
	next := semver{v[0], v[1], 0}
	for _, r := range s.withPrefix(typ, s.arn(typ, arnName(name))+"/") {
		got, err := parseSemver(r.version, false)
		if err == nil && v.matches(got) && got[2] >= next[2] {
			next[2] = got[2] + 1
		}
	}
	return next.String(), nil
}

// versionList groups the build versions of typ into one entry per
// semantic version (the newest build), or with byName one per name (the
// newest version); keep filters the builds.
func (s *Server) versionList(typ string, byName bool, keep func(*resource) (bool, error)) ([]*resource, error) {
	var items []*resource
	for _, r := range s.sorted(typ) {
		if !s.listed(r) {
			continue
		}
		ok, err := keep(r)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if n := len(items); n > 0 && items[n-1].name == r.name && (byName || items[n-1].version == r.version) {
			a, _ := parseSemver(items[n-1].version, false)
			b, _ := parseSemver(r.version, false)
			if a.less(b) || (a == b && buildOf(r.arn) > buildOf(items[n-1].arn)) {
				items[n-1] = r
			}
			continue
		}
		items = append(items, r)
	}
	return items, nil
}

// buildVersions lists the build versions of the version a names, oldest
// first; an empty a lists every build version of typ, as the service does
// since September 2025.
func (s *Server) buildVersions(typ, a string) ([]*resource, error) {
	var builds []*resource
	if a == "" {
		for _, r := range s.sorted(typ) {
			if s.listed(r) {
				builds = append(builds, r)
			}
		}
		return builds, nil
	}
	p, ok := parseArn(a)
	if !ok || p.typ != typ || p.build != "" || p.version == "" {
		return nil, invalid("%q is not a %s version ARN", a, typ)
	}
	if _, err := parseSemver(p.version, false); err != nil {
		return nil, errf("InvalidVersionNumberException", 400, "%s: %v", a, err)
	}
	for _, r := range s.withPrefix(typ, a+"/") {
		if s.listed(r) {
			builds = append(builds, r)
		}
	}
	slices.SortFunc(builds, func(x, y *resource) int { return buildOf(x.arn) - buildOf(y.arn) })
	return builds, nil
}
