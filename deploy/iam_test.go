package deploy

import (
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// statement is one IAM policy statement; Action and Resource may be a
// string or a list.
type statement struct {
	Sid       string
	Effect    string
	Action    stringList
	Resource  stringList
	Condition map[string]map[string]stringList
}

type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = []string{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(l))
}

func readPolicy(t *testing.T) []statement {
	t.Helper()
	data, err := os.ReadFile("iam-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Version   string
		Statement []statement
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("iam-policy.json: %v", err)
	}
	if p.Version != "2012-10-17" {
		t.Fatalf("policy version %q, want 2012-10-17", p.Version)
	}
	return p.Statement
}

// grants returns the statements allowing action, matching IAM's wildcards.
func grants(stmts []statement, action string) []statement {
	var out []statement
	for _, s := range stmts {
		if s.Effect != "Allow" {
			continue
		}
		for _, a := range s.Action {
			if wildcardMatch(strings.ToLower(a), strings.ToLower(action)) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

func wildcardMatch(pattern, s string) bool {
	if pre, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(s, pre)
	}
	return pattern == s
}

// The policy keeps the promises the README makes: every grant of a
// dangerous action carries the condition that limits it.
func TestIAMPolicyConditions(t *testing.T) {
	stmts := readPolicy(t)
	type want struct {
		operator, key string
		values        []string
	}
	tests := []struct {
		actions []string
		cond    want
	}{
		{[]string{
			"imagebuilder:DeleteComponent", "imagebuilder:DeleteImageRecipe", "imagebuilder:DeleteContainerRecipe",
			"imagebuilder:DeleteWorkflow", "imagebuilder:DeleteInfrastructureConfiguration",
			"imagebuilder:DeleteDistributionConfiguration", "imagebuilder:DeleteImagePipeline", "imagebuilder:DeleteLifecyclePolicy",
			"imagebuilder:DeleteImage",
		}, want{"StringEquals", "aws:ResourceTag/kiln:managed", []string{"true"}}},
		{[]string{"iam:CreateServiceLinkedRole"}, want{"StringEquals", "iam:AWSServiceName", []string{"imagebuilder.amazonaws.com"}}},
		{[]string{"iam:PassRole"}, want{"StringEquals", "iam:PassedToService", nil}},
	}
	for _, tt := range tests {
		for _, action := range tt.actions {
			for _, s := range grants(stmts, action) {
				got, ok := s.Condition[tt.cond.operator][tt.cond.key]
				if !ok {
					t.Errorf("%s is granted by %q without %s %s", action, s.Sid, tt.cond.operator, tt.cond.key)
					continue
				}
				if tt.cond.values != nil && !slices.Equal(got, tt.cond.values) {
					t.Errorf("%s in %q: %s %s = %v, want %v", action, s.Sid, tt.cond.operator, tt.cond.key, got, tt.cond.values)
				}
			}
		}
	}
	// Tags: on any resource only kiln's own keys (enough to mark a resource
	// kiln creates or adopts); the users' keys (metadata.tags, which an
	// in-place update re-applies with TagResource) only on what kiln manages.
	for _, action := range []string{"imagebuilder:TagResource", "imagebuilder:UntagResource"} {
		g := grants(stmts, action)
		if len(g) == 0 {
			t.Errorf("%s is not granted: kiln could not tag what it creates", action)
		}
		for _, s := range g {
			keys := s.Condition["ForAllValues:StringLike"]["aws:TagKeys"]
			managed := s.Condition["StringEquals"]["aws:ResourceTag/kiln:managed"]
			switch {
			case slices.Equal(keys, []string{"kiln:*"}):
			case slices.Equal(managed, []string{"true"}):
			default:
				t.Errorf("%s is granted by %q for any tag key on any resource", action, s.Sid)
			}
		}
	}
	// Nothing kiln must not do is granted at all.
	for _, action := range []string{"iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "imagebuilder:PutComponentPolicy", "imagebuilder:PutImagePolicy", "kms:ScheduleKeyDeletion", "ssm:DeleteParameter"} {
		if g := grants(stmts, action); len(g) > 0 {
			t.Errorf("%s is granted by %q", action, g[0].Sid)
		}
	}
	for _, s := range stmts {
		for _, a := range s.Action {
			if a == "*" || strings.HasSuffix(a, ":*") {
				t.Errorf("%q grants %s", s.Sid, a)
			}
		}
	}
}

// KMS is usable only through Image Builder and EC2, and only in the
// regions of the environments (examples/.kiln.yaml stands for a team's).
func TestIAMPolicyKMSPerRegion(t *testing.T) {
	stmts := readPolicy(t)
	regions := environmentRegions(t)
	var covered []string
	kms := grants(stmts, "kms:CreateGrant")
	if len(kms) == 0 {
		t.Fatal("no statement lets Image Builder use a KMS key")
	}
	for _, s := range kms {
		via := s.Condition["StringEquals"]["kms:ViaService"]
		if len(via) == 0 {
			t.Errorf("%q grants KMS without kms:ViaService", s.Sid)
			continue
		}
		for _, v := range via {
			service, rest, _ := strings.Cut(v, ".")
			region, _, _ := strings.Cut(rest, ".")
			if service != "imagebuilder" && service != "ec2" || v != service+"."+region+".amazonaws.com" {
				t.Errorf("%q: kms:ViaService %q is not imagebuilder or ec2 in one region", s.Sid, v)
			}
			if !slices.Contains(covered, region) {
				covered = append(covered, region)
			}
		}
		for _, r := range s.Resource {
			if r == "*" || !strings.HasPrefix(r, "arn:aws:kms:") || strings.HasPrefix(r, "arn:aws:kms:*") {
				t.Errorf("%q: KMS resource %q is not limited to a region", s.Sid, r)
			}
		}
	}
	sort.Strings(covered)
	if !slices.Equal(covered, regions) {
		t.Errorf("KMS is granted in %v, the environments are in %v", covered, regions)
	}
}

func environmentRegions(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../examples/.kiln.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Environments map[string]struct {
			Region string `yaml:"region"`
		} `yaml:"environments"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	var regions []string
	for _, e := range cfg.Environments {
		if !slices.Contains(regions, e.Region) {
			regions = append(regions, e.Region)
		}
	}
	sort.Strings(regions)
	return regions
}
