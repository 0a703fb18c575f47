package reconciler

import "testing"

func TestDescribe(t *testing.T) {
	cases := []struct {
		name string
		diff FieldDiff
		want string
	}{
		{"scalar", FieldDiff{Path: "spec.status", Live: `"DISABLED"`, Desired: `"ENABLED"`},
			`spec.status (live "DISABLED", repository "ENABLED")`},
		{"document", FieldDiff{Path: "spec.data", Live: `"name: x\nsteps:\n  - timeoutSeconds: 600\n"`, Desired: `"name: x\nsteps:\n  - timeoutSeconds: 3600\n"`},
			`spec.data line 3 (live "- timeoutSeconds: 600", repository "- timeoutSeconds: 3600")`},
		{"document with a line more", FieldDiff{Path: "spec.data", Live: `"a\nb"`, Desired: `"a\nb\nc"`},
			`spec.data line 3 (live "", repository "c")`},
		{"list", FieldDiff{Path: "spec.instanceTypes", Live: `["t3.nano"]`, Desired: `["m7i.large"]`},
			`spec.instanceTypes (live ["t3.nano"], repository ["m7i.large"])`},
	}
	for _, c := range cases {
		if got := describe([]FieldDiff{c.diff}); got != c.want {
			t.Errorf("%s: %s\nwant %s", c.name, got, c.want)
		}
	}
}
