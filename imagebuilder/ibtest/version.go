package ibtest

import (
	"fmt"
	"strconv"
	"strings"
)

// The emulator parses semantic versions by the service's rules
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/ibhow-semantic-versioning.html)
// rather than with kiln's own parser, so that a mistake in kiln's is not
// mirrored here: three nodes, each 0 … 2^30-1; wildcards (x) only to the
// right (1.x.x, 1.6.x, x.x.x; x.2.x and 1.x.8 are errors).

const maxVersionNode = 1<<30 - 1

// semver is major.minor.patch; a node of -1 is a wildcard.
type semver [3]int

func (v semver) String() string {
	parts := make([]string, 3)
	for i, n := range v {
		if n < 0 {
			parts[i] = "x"
		} else {
			parts[i] = strconv.Itoa(n)
		}
	}
	return strings.Join(parts, ".")
}

func (v semver) wild() bool { return v[0] < 0 || v[1] < 0 || v[2] < 0 }

func (v semver) less(o semver) bool {
	for i := range v {
		if v[i] != o[i] {
			return v[i] < o[i]
		}
	}
	return false
}

// matches reports whether a concrete version fits the pattern v.
func (v semver) matches(o semver) bool {
	for i, n := range v {
		if n >= 0 && n != o[i] {
			return false
		}
	}
	return true
}

// parseSemver parses a version; wildcard says whether x nodes are allowed.
func parseSemver(s string, wildcard bool) (semver, error) {
	nodes := strings.Split(s, ".")
	if len(nodes) != 3 {
		return semver{}, fmt.Errorf("version %q must have three nodes, major.minor.patch", s)
	}
	var v semver
	seenWild := false
	for i, n := range nodes {
		if n == "x" {
			if !wildcard {
				return semver{}, fmt.Errorf("version %q: a wildcard is not allowed here", s)
			}
			seenWild = true
			v[i] = -1
			continue
		}
		if seenWild {
			return semver{}, fmt.Errorf("version %q: every node right of a wildcard must be a wildcard", s)
		}
		if n == "" || strings.TrimLeft(n, "0123456789") != "" {
			return semver{}, fmt.Errorf("version %q: node %q is not a number", s, n)
		}
		x, err := strconv.Atoi(n)
		if err != nil || x > maxVersionNode {
			return semver{}, fmt.Errorf("version %q: node %q is larger than %d", s, n, maxVersionNode)
		}
		v[i] = x
	}
	return v, nil
}
