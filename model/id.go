package model

import "strings"

// ID names one resource: its kind, name and, for versioned kinds, version.
// It is comparable, so it keys maps; String spells it "Kind/name@version"
// ("Kind/name" for unversioned kinds), the one spelling every report uses.
type ID struct {
	Kind    Kind
	Name    string
	Version string // empty for unversioned kinds
}

// NewID is the ID of kind's resource name at version; the version is
// dropped for kinds that have none.
func NewID(kind Kind, name, version string) ID {
	if !kind.Versioned() {
		version = ""
	}
	return ID{Kind: kind, Name: name, Version: version}
}

func (id ID) String() string {
	var b strings.Builder
	b.Grow(len(id.Kind) + len(id.Name) + len(id.Version) + 2)
	b.WriteString(string(id.Kind))
	b.WriteByte('/')
	b.WriteString(id.Name)
	if id.Version != "" {
		b.WriteByte('@')
		b.WriteString(id.Version)
	}
	return b.String()
}

// Compare orders IDs by kind (dependency order), name, then version
// (numerically where both parse).
func (id ID) Compare(o ID) int {
	if c := id.Kind.Order() - o.Kind.Order(); c != 0 {
		return c
	}
	if c := strings.Compare(id.Name, o.Name); c != 0 {
		return c
	}
	return CompareVersions(id.Version, o.Version)
}
