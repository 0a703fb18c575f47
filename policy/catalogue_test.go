package policy

import (
	"context"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestBundleControls holds every built-in rule's citations to the published
// catalogues (testdata/compliance): rules about the image's OS content cite
// ids that exist in CIS Amazon Linux 2023, the RHEL 8/9 STIGs or the SRG;
// rules about AWS settings cite NIST SP 800-53 or CIS AWS Foundations ids.
func TestBundleControls(t *testing.T) {
	// Every annotated rule of the bundle's files, also of a package the
	// engine does not route yet (a new kind's rules land before its wiring).
	files, err := bundleFiles(false)
	if err != nil {
		t.Fatal(err)
	}
	mods, err := parseModules(files, true)
	if err != nil {
		t.Fatal(err)
	}
	as, errs := ast.BuildAnnotationSet(sortedModules(mods))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	infos := ruleInfos(as)
	e, err := New(context.Background(), Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range e.Rules() {
		if _, ok := infos[r.Ref]; !ok {
			t.Errorf("%s: rule not found in the bundle's METADATA", r.Ref)
		}
	}
	if len(infos) < len(e.Rules()) {
		t.Errorf("%d annotated rules, %d evaluated", len(infos), len(e.Rules()))
	}
	for _, r := range infos {
		if r.ID == r.Ref {
			t.Errorf("%s: METADATA without custom.id", r.Ref)
		}
		if r.Scope != ScopeOS && r.Scope != ScopeAWS {
			t.Errorf("%s (%s): scope %q, want %q or %q", r.ID, r.Ref, r.Scope, ScopeOS, ScopeAWS)
		}
		for _, err := range CheckControls(r) {
			t.Errorf("%s (%s, %s): %v", r.ID, r.Ref, r.File, err)
		}
	}
}

func TestCheckControls(t *testing.T) {
	for _, tc := range []struct {
		name     string
		scope    string
		controls []string
		want     string // "" = no error
	}{
		{"os ids that exist", ScopeOS, []string{"cis-al2023:4.2.7", "stig-rhel8:RHEL-08-010550", "stig-rhel9:RHEL-09-255045", "srg:SRG-OS-000109-GPOS-00056", "nist-800-53:AC-6(2)"}, ""},
		{"aws ids in form", ScopeAWS, []string{"nist-800-53:SC-28(1)", "cis-aws:2.2.1"}, ""},
		{"aws rule may add an os id", ScopeAWS, []string{"cis-aws:2.2.1", "stig-rhel8:RHEL-08-010030"}, ""},
		{"no catalogue", ScopeOS, []string{"RHEL-08-010550"}, "not <catalogue>:<id>"},
		{"paraphrased title", ScopeOS, []string{"CIS Amazon Linux 2023: Ensure sshd PermitRootLogin is disabled"}, "is not <catalogue>:<id>"},
		{"catalogue title as id", ScopeOS, []string{"CIS:Ensure SSH root login is disabled"}, "unknown catalogue"},
		{"unknown catalogue", ScopeOS, []string{"cis-al2:4.2.7"}, "unknown catalogue"},
		{"stig id not in the stig", ScopeOS, []string{"stig-rhel8:RHEL-08-999999"}, "not in the stig-rhel8 catalogue"},
		{"rhel9 id cited as rhel8", ScopeOS, []string{"stig-rhel8:RHEL-09-255045"}, "not in the stig-rhel8"},
		{"cis id not in the benchmark", ScopeOS, []string{"cis-al2023:4.2.77"}, "not in the cis-al2023"},
		{"srg id not referenced", ScopeOS, []string{"srg:SRG-OS-999999-GPOS-00000"}, "not in the srg"},
		{"os rule cites only nist", ScopeOS, []string{"nist-800-53:CM-6(a)"}, "cites no cis-al2023"},
		{"os rule nist id the ssg does not use", ScopeOS, []string{"srg:SRG-OS-000480-GPOS-00227", "nist-800-53:RA-5"}, "not among the NIST"},
		{"nist form", ScopeAWS, []string{"nist-800-53:XY-6"}, "not a NIST"},
		{"cis aws by title", ScopeAWS, []string{"cis-aws:Ensure EBS volume encryption is enabled"}, "not a CIS AWS"},
		{"aws rule cites only os ids", ScopeAWS, []string{"srg:SRG-OS-000480-GPOS-00227"}, "cites no nist-800-53"},
		{"none", ScopeOS, nil, "cites no controls"},
		{"none aws", ScopeAWS, []string{}, "cites no controls"},
		{"padded id", ScopeOS, []string{"cis-al2023: 4.2.7"}, "not <catalogue>:<id>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := CheckControls(RuleInfo{ID: "X", Scope: tc.scope, Controls: tc.controls})
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			got := strings.Join(msgs, "; ")
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCataloguesLoaded checks the embedded copies parse and hold the
// controls the examples of the convention name.
func TestCataloguesLoaded(t *testing.T) {
	cats, err := Catalogues()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		CatalogueCISAL2023: "4.2.7",
		CatalogueSTIGRHEL8: "RHEL-08-010550",
		CatalogueSTIGRHEL9: "RHEL-09-255045",
		CatalogueSRG:       "SRG-OS-000109-GPOS-00056",
		CatalogueNIST:      "CM-6(a)",
	} {
		c := cats[name]
		if c == nil || !c.Has(want) || len(c.Controls) < 100 {
			t.Errorf("catalogue %s: missing or without %s", name, want)
		}
	}
	if ctl, _ := cats[CatalogueCISAL2023].Control("4.2.7"); ctl.Title != "Ensure SSH root login is disabled (Automated)" || ctl.Levels[0] != "l1_server" {
		t.Errorf("4.2.7 = %+v", ctl)
	}
	// Numeric order: 1.2.10 after 1.2.9, 2 after 1.10.
	if compareControlIDs("1.2.10", "1.2.9") <= 0 || compareControlIDs("2", "1.10") <= 0 || compareControlIDs("4.2", "4.2.1") >= 0 {
		t.Error("control ids do not sort numerically")
	}
}
