package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a semantic version major.minor.patch as Image Builder uses it:
// each node a non-negative integer below 2^30.
type Version struct{ Major, Minor, Patch int }

// MaxVersionNode is the largest value a version node may take.
const MaxVersionNode = 1<<30 - 1

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Less orders versions.
func (v Version) Less(o Version) bool {
	if v.Major != o.Major {
		return v.Major < o.Major
	}
	if v.Minor != o.Minor {
		return v.Minor < o.Minor
	}
	return v.Patch < o.Patch
}

// Compare orders versions: negative when v is older than o, zero when
// equal, positive when newer.
func (v Version) Compare(o Version) int {
	switch {
	case v.Less(o):
		return -1
	case o.Less(v):
		return 1
	}
	return 0
}

// CompareVersions orders two version strings numerically when both parse,
// as text otherwise, so lists of resources sort the same everywhere.
func CompareVersions(a, b string) int {
	va, errA := ParseVersion(a)
	vb, errB := ParseVersion(b)
	if errA != nil || errB != nil {
		return strings.Compare(a, b)
	}
	return va.Compare(vb)
}

// NextPatch is the version a content change without a bump should take.
func (v Version) NextPatch() Version { return Version{v.Major, v.Minor, v.Patch + 1} }

// ParseVersion parses an exact version.
func ParseVersion(s string) (Version, error) {
	nodes, err := splitNodes(s)
	if err != nil {
		return Version{}, err
	}
	var v [3]int
	for i, n := range nodes {
		if n == "x" {
			return Version{}, fmt.Errorf("version %q: wildcard not allowed here", s)
		}
		v[i], err = parseNode(s, n)
		if err != nil {
			return Version{}, err
		}
	}
	return Version{v[0], v[1], v[2]}, nil
}

// VersionPattern is an exact version or a right-aligned wildcard (1.2.x,
// 1.x.x, x.x.x) as recipes may use to pick a component.
type VersionPattern struct {
	nodes [3]int // -1 for x
}

// ParseVersionPattern parses a version that may end in wildcards. A
// wildcard left of a number (x.2.3, 1.x.3) is an error, as in Image Builder.
func ParseVersionPattern(s string) (VersionPattern, error) {
	nodes, err := splitNodes(s)
	if err != nil {
		return VersionPattern{}, err
	}
	var p VersionPattern
	wild := false
	for i, n := range nodes {
		if n == "x" {
			wild = true
			p.nodes[i] = -1
			continue
		}
		if wild {
			return VersionPattern{}, fmt.Errorf("version %q: a wildcard may only stand to the right of numbers (1.x.x, not x.2.x)", s)
		}
		p.nodes[i], err = parseNode(s, n)
		if err != nil {
			return VersionPattern{}, err
		}
	}
	return p, nil
}

// Exact reports whether the pattern has no wildcard.
func (p VersionPattern) Exact() bool { return p.nodes[2] >= 0 }

// Match reports whether v fits the pattern.
func (p VersionPattern) Match(v Version) bool {
	got := [3]int{v.Major, v.Minor, v.Patch}
	for i, n := range p.nodes {
		if n >= 0 && n != got[i] {
			return false
		}
	}
	return true
}

func (p VersionPattern) String() string {
	parts := make([]string, 3)
	for i, n := range p.nodes {
		if n < 0 {
			parts[i] = "x"
		} else {
			parts[i] = strconv.Itoa(n)
		}
	}
	return strings.Join(parts, ".")
}

func splitNodes(s string) ([]string, error) {
	nodes := strings.Split(s, ".")
	if len(nodes) != 3 {
		return nil, fmt.Errorf("version %q: want three nodes major.minor.patch", s)
	}
	return nodes, nil
}

func parseNode(s, n string) (int, error) {
	if n == "" || (len(n) > 1 && n[0] == '0') {
		return 0, fmt.Errorf("version %q: node %q is not a number without leading zeros", s, n)
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("version %q: node %q is not a non-negative integer", s, n)
		}
	}
	if len(n) > 10 {
		return 0, fmt.Errorf("version %q: node %q is larger than %d", s, n, MaxVersionNode)
	}
	v, _ := strconv.Atoi(n)
	if v > MaxVersionNode {
		return 0, fmt.Errorf("version %q: node %q is larger than %d", s, n, MaxVersionNode)
	}
	return v, nil
}
