package policy

import (
	"regexp"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Hardening evidence is what shows that a repository component applies a
// named hardening profile, for the built-in rule KILN-RCP-005 (a tag or a
// name is not evidence):
//
//   - it runs an OpenSCAP remediation: oscap xccdf eval --remediate
//     --profile <profile>;
//   - it runs an AWS-managed STIG or CIS component by ARN with
//     ExecuteDocument;
//   - it runs an Ansible Lockdown STIG or CIS role (ansible-lockdown/…).
type hardeningEvidence struct {
	how, profile string
}

var (
	oscapProfile     = regexp.MustCompile(`--profile[= ]['"]?(\S+?)['"]?(\s|$)`)
	managedHardening = regexp.MustCompile(`^arn:aws[a-z-]*:imagebuilder:[^:]*:(aws|aws-marketplace):component/((stig-build-(linux|windows)|cis-)[^/]*)`)
	ansibleLockdown  = regexp.MustCompile(`(?i)ansible-lockdown/([A-Za-z0-9_.-]*(stig|cis)[A-Za-z0-9_.-]*)`)
)

// hardeningEvidenceOf finds the evidence in a component's AWSTOE document.
func hardeningEvidenceOf(doc map[string]any) []hardeningEvidence {
	var out []hardeningEvidence
	if !anyString(doc, func(s string) bool { return strings.Contains(s, "oscap") || strings.Contains(s, "ansible-lockdown") }) {
		// Normalising every command of the document is the costly part;
		// most components mention neither.
		return managedHardeningSteps(doc, out)
	}
	for _, c := range documentCommands(doc) {
		if c.kind != "run" {
			continue
		}
		if strings.Contains(c.text, "oscap") && strings.Contains(c.text, "xccdf eval") && strings.Contains(c.text, "--remediate") {
			if m := oscapProfile.FindStringSubmatch(c.text); m != nil {
				out = append(out, hardeningEvidence{how: "runs an OpenSCAP remediation (oscap xccdf eval --remediate)", profile: m[1]})
			}
		}
		if m := ansibleLockdown.FindStringSubmatch(c.text); m != nil {
			out = append(out, hardeningEvidence{how: "runs the Ansible Lockdown role " + m[1], profile: m[1]})
		}
	}
	return managedHardeningSteps(doc, out)
}

// managedHardeningSteps adds the ExecuteDocument steps that run an
// AWS-managed STIG or CIS component.
func managedHardeningSteps(doc map[string]any, out []hardeningEvidence) []hardeningEvidence {
	phases, _ := doc["phases"].([]any)
	for _, ph := range phases {
		phase, _ := ph.(map[string]any)
		steps, _ := phase["steps"].([]any)
		for _, st := range steps {
			step, _ := st.(map[string]any)
			if step["action"] != "ExecuteDocument" {
				continue
			}
			inputs, _ := step["inputs"].(map[string]any)
			if m := managedHardening.FindStringSubmatch(scalar(inputs["document"])); m != nil {
				out = append(out, hardeningEvidence{how: "runs the AWS-managed component " + m[2] + " with ExecuteDocument", profile: m[2]})
			}
		}
	}
	return out
}

func hardeningTerm(doc map[string]any) *ast.Term {
	ev := hardeningEvidenceOf(doc)
	terms := make([]*ast.Term, len(ev))
	for i, e := range ev {
		terms[i] = ast.ObjectTerm(
			ast.Item(ast.StringTerm("how"), ast.StringTerm(e.how)),
			ast.Item(ast.StringTerm("profile"), ast.StringTerm(e.profile)),
		)
	}
	return ast.ArrayTerm(terms...)
}

// anyString reports whether some string of v satisfies f.
func anyString(v any, f func(string) bool) bool {
	switch x := v.(type) {
	case string:
		return f(x)
	case map[string]any:
		for _, c := range x {
			if anyString(c, f) {
				return true
			}
		}
	case []any:
		for _, c := range x {
			if anyString(c, f) {
				return true
			}
		}
	}
	return false
}
