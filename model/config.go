package model

import (
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
)

// ConfigFile is the repository settings file at the root.
const ConfigFile = ".kiln.yaml"

// Config is .kiln.yaml: environments, policy and bake settings. A missing
// file means the defaults (DefaultConfig).
type Config struct {
	File string     `yaml:"-" json:"-"`
	Node *yaml.Node `yaml:"-" json:"-"`

	// Roots are the folders searched for resources; default the whole tree.
	Roots        []string     `yaml:"roots,omitempty" json:"roots,omitempty"`
	Environments Environments `yaml:"environments,omitempty" json:"environments,omitempty"`
	Policy       PolicyConfig `yaml:"policy,omitempty" json:"policy"`
	Bake         BakeConfig   `yaml:"bake,omitempty" json:"bake"`
}

// Environments keeps the order the file gives, which is the order plans and
// bakes are shown in.
type Environments []Environment

// Environment is one AWS account and region that kiln reconciles into.
type Environment struct {
	Name    string `yaml:"name" json:"name"`
	Account string `yaml:"account" json:"account"`
	Region  string `yaml:"region" json:"region"`
	// RoleArn is assumed from the default credential chain; empty uses the
	// chain's own identity.
	RoleArn string `yaml:"roleArn,omitempty" json:"roleArn,omitempty"`
	// Branch whose merges reconcile and bake here.
	Branch string `yaml:"branch" json:"branch"`
	// Production environments get the stricter policies (pinned versions).
	Production bool `yaml:"production,omitempty" json:"production,omitempty"`
	// Prune deletes managed resources no longer in the repository.
	Prune bool `yaml:"prune,omitempty" json:"prune,omitempty"`
	// SSMParameterPrefix, when set, receives the AMI id of each pipeline
	// and region as <prefix>/<pipeline>/<region> after a bake.
	SSMParameterPrefix string `yaml:"ssmParameterPrefix,omitempty" json:"ssmParameterPrefix,omitempty"`
	// Drift: "off", "warn" or "correct".
	Drift string `yaml:"drift,omitempty" json:"drift,omitempty"`
}

// Get returns the environment called name.
func (es Environments) Get(name string) (Environment, bool) {
	for _, e := range es {
		if e.Name == name {
			return e, true
		}
	}
	return Environment{}, false
}

// ForBranch returns the environments whose merges land on branch.
func (es Environments) ForBranch(branch string) []Environment {
	var out []Environment
	for _, e := range es {
		if e.Branch == branch {
			out = append(out, e)
		}
	}
	return out
}

// PolicyConfig selects and tunes policies.
type PolicyConfig struct {
	// Bundles are policy directories in the repository (or paths given on
	// the command line); the built-in bundle is always on unless Builtin is
	// false.
	Bundles []string `yaml:"bundles,omitempty" json:"bundles,omitempty"`
	Builtin *bool    `yaml:"builtin,omitempty" json:"builtin,omitempty"`
	// FailOn is the lowest severity that fails the check; default high.
	FailOn finding.Severity `yaml:"failOn,omitempty" json:"failOn,omitempty"`
	// Rules disable or re-grade rules by id.
	Rules map[string]RuleConfig `yaml:"rules,omitempty" json:"rules,omitempty"`
	// Data is handed to policies as data.kiln.config: allowlists and
	// thresholds for the built-in rules.
	Data map[string]any `yaml:"data,omitempty" json:"data,omitempty"`
	// Waivers excuse a rule for a resource until a date.
	Waivers []Waiver `yaml:"waivers,omitempty" json:"waivers,omitempty"`
}

// BuiltinEnabled reports whether the built-in bundle runs.
func (p PolicyConfig) BuiltinEnabled() bool { return p.Builtin == nil || *p.Builtin }

// FailThreshold is FailOn with its default.
func (p PolicyConfig) FailThreshold() finding.Severity {
	if p.FailOn == "" {
		return finding.SeverityHigh
	}
	return p.FailOn
}

// RuleConfig disables or re-grades one rule.
type RuleConfig struct {
	Disabled bool             `yaml:"disabled,omitempty" json:"disabled,omitempty"`
	Severity finding.Severity `yaml:"severity,omitempty" json:"severity,omitempty"`
}

// Waiver excuses findings of Rule on resources matching Resource (a name,
// "Kind/name", or a glob) until Expires (YYYY-MM-DD, end of day UTC).
type Waiver struct {
	Rule          string      `yaml:"rule" json:"rule"`
	Resource      string      `yaml:"resource" json:"resource"`
	Justification string      `yaml:"justification" json:"justification"`
	Expires       string      `yaml:"expires" json:"expires"`
	Pos           finding.Pos `yaml:"-" json:"-"`
}

// BakeConfig says when images are baked.
type BakeConfig struct {
	// OnMerge bakes the changed pipelines after a merge applies; default true.
	OnMerge *bool `yaml:"onMerge,omitempty" json:"onMerge,omitempty"`
	// PREnvironment is the non-production environment `/kiln bake` builds
	// pull requests into; empty disables PR bakes.
	PREnvironment string `yaml:"prEnvironment,omitempty" json:"prEnvironment,omitempty"`
	// Permission is the lowest repository permission allowed to ask for a PR
	// bake: write (default), maintain or admin.
	Permission string `yaml:"permission,omitempty" json:"permission,omitempty"`
}

// BakeOnMerge is OnMerge with its default.
func (b BakeConfig) BakeOnMerge() bool { return b.OnMerge == nil || *b.OnMerge }

// DefaultConfig is what a repository without .kiln.yaml gets.
func DefaultConfig() *Config { return &Config{File: ConfigFile} }

// UnmarshalYAML reads environments as a mapping from name to settings,
// keeping the file's order.
func (es *Environments) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{"line " + strconv.Itoa(n.Line) + ": environments must be a mapping from name to settings"}}
	}
	out := make(Environments, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		var e Environment
		if err := n.Content[i+1].Decode(&e); err != nil {
			return err
		}
		e.Name = n.Content[i].Value
		out = append(out, e)
	}
	*es = out
	return nil
}
