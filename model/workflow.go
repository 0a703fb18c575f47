package model

// KindWorkflow is a build, test or distribution workflow: a document of
// steps Image Builder runs instead of its default workflow. Versioned and
// immutable like components.
const KindWorkflow Kind = "Workflow"

// WorkflowSpec is a Workflow. Exactly one of Document (a path relative to
// the file) and Data (the document inline) is set; the document's own
// `parameters` declare what pipelines may set.
type WorkflowSpec struct {
	Type              string `yaml:"type" json:"type"` // BUILD | TEST | DISTRIBUTION
	ChangeDescription string `yaml:"changeDescription,omitempty" json:"changeDescription,omitempty"`
	Document          string `yaml:"document,omitempty" json:"document,omitempty"`
	Data              string `yaml:"data,omitempty" json:"data,omitempty"`
	KmsKeyID          string `yaml:"kmsKeyId,omitempty" json:"kmsKeyId,omitempty"`
}

// WorkflowParameter sets a workflow parameter.
type WorkflowParameter struct {
	Name  string   `yaml:"name" json:"name"`
	Value []string `yaml:"value" json:"value"`
}

// WorkflowConfiguration runs a workflow from a pipeline: a repository
// workflow by Name and Version (exact or wildcard), or an AWS-managed or
// shared one by Arn with {region} and {account} placeholders.
type WorkflowConfiguration struct {
	Name          string              `yaml:"name,omitempty" json:"name,omitempty"`
	Version       string              `yaml:"version,omitempty" json:"version,omitempty"`
	Arn           string              `yaml:"arn,omitempty" json:"arn,omitempty"`
	Parameters    []WorkflowParameter `yaml:"parameters,omitempty" json:"parameters,omitempty"`
	ParallelGroup string              `yaml:"parallelGroup,omitempty" json:"parallelGroup,omitempty"`
	OnFailure     string              `yaml:"onFailure,omitempty" json:"onFailure,omitempty"` // CONTINUE | ABORT
}

func workflowRefs(list []WorkflowConfiguration) []Ref {
	var out []Ref
	for i, w := range list {
		if w.Arn == "" && w.Name != "" {
			out = append(out, Ref{Kind: KindWorkflow, Name: w.Name, Version: w.Version, Path: []any{"spec", "workflows", i}})
		}
	}
	return out
}

// SetDocument points the spec at a document file, dropping inline data.
func (s *WorkflowSpec) SetDocument(path string) { s.Document, s.Data = path, "" }

// SetData puts the document inline, dropping a document path.
func (s *WorkflowSpec) SetData(text string) { s.Document, s.Data = "", text }
