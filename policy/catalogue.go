package policy

import (
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// The control catalogues rules cite, trimmed from ComplianceAsCode (see
// testdata/compliance/SOURCE.md). They are embedded because `kiln policy
// coverage` reports on them, and the test that checks every citation reads
// the same copies.
//
//go:embed testdata/compliance/*.json
var catalogueFS embed.FS

// Catalogue names, as rules cite them: "<catalogue>:<id>".
const (
	CatalogueCISAL2023 = "cis-al2023"
	CatalogueSTIGRHEL8 = "stig-rhel8"
	CatalogueSTIGRHEL9 = "stig-rhel9"
	CatalogueSRG       = "srg"
	CatalogueNIST      = "nist-800-53"
	CatalogueCISAWS    = "cis-aws"
)

// osCatalogues are the catalogues of requirements on an operating system's
// content; rules about the image's OS content must cite at least one id
// from them.
var osCatalogues = []string{CatalogueCISAL2023, CatalogueSTIGRHEL8, CatalogueSTIGRHEL9, CatalogueSRG}

// Control is one control of a catalogue.
type Control struct {
	ID     string   `json:"id"`
	Title  string   `json:"title,omitempty"`
	Levels []string `json:"levels,omitempty"`
	Status string   `json:"status,omitempty"`
}

// Catalogue is a published control catalogue.
type Catalogue struct {
	Name     string    `json:"name"`
	Title    string    `json:"title"`
	Version  string    `json:"version"`
	Source   string    `json:"source"`
	Controls []Control `json:"controls"`

	index map[string]int // id -> position in Controls
}

// Control returns the control with id.
func (c *Catalogue) Control(id string) (Control, bool) {
	i, ok := c.index[id]
	if !ok {
		return Control{}, false
	}
	return c.Controls[i], true
}

// Has reports whether the catalogue lists id.
func (c *Catalogue) Has(id string) bool {
	_, ok := c.index[id]
	return ok
}

// Catalogues returns the embedded catalogues by name. They are parsed once
// and never modified; callers must not modify them either.
var Catalogues = sync.OnceValues(func() (map[string]*Catalogue, error) {
	out := map[string]*Catalogue{}
	for _, name := range []string{CatalogueCISAL2023, CatalogueSTIGRHEL8, CatalogueSTIGRHEL9, CatalogueSRG, CatalogueNIST} {
		b, err := catalogueFS.ReadFile("testdata/compliance/" + name + ".json")
		if err != nil {
			return nil, fmt.Errorf("read catalogue %s: %w", name, err)
		}
		var c Catalogue
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("parse catalogue %s: %w", name, err)
		}
		slices.SortStableFunc(c.Controls, func(a, b Control) int { return compareControlIDs(a.ID, b.ID) })
		c.index = make(map[string]int, len(c.Controls))
		for i, ctl := range c.Controls {
			c.index[ctl.ID] = i
		}
		out[name] = &c
	}
	return out, nil
})

// compareControlIDs orders dotted ids numerically (1.2.10 after 1.2.9).
func compareControlIDs(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if len(as[i]) != len(bs[i]) && isDigits(as[i]) && isDigits(bs[i]) {
			return len(as[i]) - len(bs[i])
		}
		if c := strings.Compare(as[i], bs[i]); c != 0 {
			return c
		}
	}
	return len(as) - len(bs)
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// The forms of ids of catalogues kiln has no list of: NIST SP 800-53
// controls and enhancements (AC-6, AC-6(2), CM-7(a)) of its twenty
// families, and CIS AWS Foundations Benchmark sections (2.2.1).
var (
	nistForm   = regexp.MustCompile(`^(AC|AT|AU|CA|CM|CP|IA|IR|MA|MP|PE|PL|PM|PS|PT|RA|SA|SC|SI|SR)-\d{1,2}(\(\d{1,2}\))?(\([a-z]\))?$`)
	cisAWSForm = regexp.MustCompile(`^\d{1,2}\.\d{1,2}(\.\d{1,2})?$`)
)

// ControlRef is a parsed "<catalogue>:<id>" citation.
type ControlRef struct {
	Catalogue string
	ID        string
}

func (r ControlRef) String() string { return r.Catalogue + ":" + r.ID }

// ParseControlRef parses a citation; an unknown catalogue or an id not of
// its catalogue's form is an error.
func ParseControlRef(s string) (ControlRef, error) {
	cat, id, ok := strings.Cut(s, ":")
	if !ok || id == "" || strings.TrimSpace(id) != id {
		return ControlRef{}, fmt.Errorf("control %q is not <catalogue>:<id>", s)
	}
	ref := ControlRef{Catalogue: cat, ID: id}
	switch cat {
	case CatalogueCISAL2023, CatalogueSTIGRHEL8, CatalogueSTIGRHEL9, CatalogueSRG:
	case CatalogueNIST:
		if !nistForm.MatchString(id) {
			return ref, fmt.Errorf("control %q: %q is not a NIST SP 800-53 control id (AC-6, AC-6(2))", s, id)
		}
	case CatalogueCISAWS:
		if !cisAWSForm.MatchString(id) {
			return ref, fmt.Errorf("control %q: %q is not a CIS AWS Foundations section number (2.2.1)", s, id)
		}
	default:
		return ref, fmt.Errorf("control %q: unknown catalogue %q (want one of %s, %s, %s, %s, %s, %s)", s, cat,
			CatalogueCISAL2023, CatalogueSTIGRHEL8, CatalogueSTIGRHEL9, CatalogueSRG, CatalogueNIST, CatalogueCISAWS)
	}
	return ref, nil
}

// Rule scopes (METADATA custom.scope): what a rule judges. Rules about the
// image's OS content cite OS catalogues; rules about AWS settings cite NIST
// SP 800-53 or CIS AWS Foundations.
const (
	ScopeOS  = "os"
	ScopeAWS = "aws"
)

// CheckControls checks a rule's citations against the catalogues: every
// citation parses; ids of the OS catalogues exist in them; a rule about
// OS content cites at least one OS-catalogue id and its NIST ids are ones
// the SSG rules use; a rule about AWS settings cites NIST or CIS AWS ids.
func CheckControls(r RuleInfo) []error {
	cats, err := Catalogues()
	if err != nil {
		return []error{err}
	}
	var errs []error
	osCited, awsCited := false, false
	for _, c := range r.Controls {
		ref, err := ParseControlRef(c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if slices.Contains(osCatalogues, ref.Catalogue) {
			osCited = true
			if !cats[ref.Catalogue].Has(ref.ID) {
				errs = append(errs, fmt.Errorf("control %q is not in the %s catalogue", c, ref.Catalogue))
			}
			continue
		}
		awsCited = true
		if r.Scope == ScopeOS && ref.Catalogue == CatalogueNIST && !cats[CatalogueNIST].Has(ref.ID) {
			errs = append(errs, fmt.Errorf("control %q is not among the NIST SP 800-53 ids the SSG rules cite", c))
		}
	}
	switch {
	case len(r.Controls) == 0:
		errs = append(errs, fmt.Errorf("cites no controls"))
	case r.Scope == ScopeOS && !osCited:
		errs = append(errs, fmt.Errorf("is about OS content but cites no %s id", strings.Join(osCatalogues, ", ")))
	case r.Scope == ScopeAWS && !awsCited:
		errs = append(errs, fmt.Errorf("is about AWS settings but cites no %s or %s id", CatalogueNIST, CatalogueCISAWS))
	}
	return errs
}

// defaultScope is a rule's scope when its METADATA does not say: component
// and recipe rules judge what goes into the image, the others AWS settings.
func defaultScope(ref string) string {
	if strings.HasPrefix(ref, "kiln.component.") || strings.HasPrefix(ref, "kiln.recipe.") {
		return ScopeOS
	}
	return ScopeAWS
}
