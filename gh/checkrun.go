package gh

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"

	"github.com/kiln-gitops/kiln/report"
)

// MaxAnnotationsPerRequest is the Checks API's limit per create or update.
const MaxAnnotationsPerRequest = 50

// CheckRun identifies a check run; updates must repeat its name.
type CheckRun struct {
	ID         int64
	Name       string
	HeadSHA    string
	ExternalID string
	Status     string // queued | in_progress | completed
}

// CheckRunOptions are the optional parts of a new check run.
type CheckRunOptions struct {
	DetailsURL string
	ExternalID string
	// Title and Summary, when set, are shown while the run is in progress.
	Title   string
	Summary string
	// Actions are buttons shown on the run (at most 3); pressing one sends
	// a check_run requested_action webhook with the identifier.
	Actions []Action
}

// Action is a check run button.
type Action struct {
	Label       string // at most 20 characters
	Description string // at most 40 characters
	Identifier  string // at most 20 characters
}

// CreateCheckRun starts check run name on headSHA, in progress.
func (r *Repo) CreateCheckRun(ctx context.Context, name, headSHA string, opts CheckRunOptions) (*CheckRun, error) {
	in := github.CreateCheckRunOptions{
		Name:      name,
		HeadSHA:   headSHA,
		Status:    github.String("in_progress"),
		StartedAt: &github.Timestamp{Time: now()},
	}
	if opts.DetailsURL != "" {
		in.DetailsURL = github.String(opts.DetailsURL)
	}
	if opts.ExternalID != "" {
		in.ExternalID = github.String(opts.ExternalID)
	}
	if opts.Title != "" && opts.Summary != "" {
		in.Output = &github.CheckRunOutput{Title: github.String(opts.Title), Summary: github.String(opts.Summary)}
	}
	for _, a := range opts.Actions {
		in.Actions = append(in.Actions, &github.CheckRunAction{Label: a.Label, Description: a.Description, Identifier: a.Identifier})
	}
	cr, _, err := r.client.Checks.CreateCheckRun(ctx, r.Owner, r.Name, in)
	if err != nil {
		return nil, r.wrap(fmt.Sprintf("create check run %s on %s in", name, headSHA), err)
	}
	return &CheckRun{ID: cr.GetID(), Name: name, HeadSHA: headSHA}, nil
}

// CompleteCheckRun publishes out and completes run. The Checks API takes
// at most 50 annotations per request and appends them across updates, so
// all but the last batch go in updates that keep the run in progress, and
// the last batch goes with the conclusion: a run is never seen completed
// with part of its annotations.
func (r *Repo) CompleteCheckRun(ctx context.Context, run *CheckRun, out report.CheckOutput) error {
	if out.Conclusion == "" {
		return fmt.Errorf("github: complete check run %s (%d) in %s: conclusion is required", run.Name, run.ID, r.FullName())
	}
	return r.UpdateCheckRun(ctx, run, out, nil)
}

// UpdateCheckRun publishes out on run with actions as its buttons: in
// progress while out.Conclusion is empty, completed otherwise. Annotations
// are batched as CompleteCheckRun describes.
func (r *Repo) UpdateCheckRun(ctx context.Context, run *CheckRun, out report.CheckOutput, actions []Action) error {
	if out.Title == "" || out.Summary == "" {
		return fmt.Errorf("github: update check run %s (%d) in %s: title and summary are required", run.Name, run.ID, r.FullName())
	}
	batches := batchAnnotations(out.Annotations)
	for i, batch := range batches {
		final := i == len(batches)-1
		in := github.UpdateCheckRunOptions{
			Name: run.Name,
			Output: &github.CheckRunOutput{
				Title:       github.String(out.Title),
				Summary:     github.String(out.Summary),
				Annotations: batch,
			},
		}
		if out.Text != "" {
			in.Output.Text = github.String(out.Text)
		}
		if final {
			for _, a := range actions {
				in.Actions = append(in.Actions, &github.CheckRunAction{Label: a.Label, Description: a.Description, Identifier: a.Identifier})
			}
			if out.Conclusion != "" {
				in.Conclusion = github.String(out.Conclusion)
				in.CompletedAt = &github.Timestamp{Time: now()}
			}
		}
		if _, _, err := r.client.Checks.UpdateCheckRun(ctx, r.Owner, r.Name, run.ID, in); err != nil {
			return r.wrap(fmt.Sprintf("update check run %s (%d), request %d of %d, in", run.Name, run.ID, i+1, len(batches)), err)
		}
	}
	return nil
}

// ReportProgress replaces the title and summary of a run in progress, such
// as a bake moving from BUILDING to TESTING.
func (r *Repo) ReportProgress(ctx context.Context, run *CheckRun, title, summary string) error {
	in := github.UpdateCheckRunOptions{
		Name:   run.Name,
		Status: github.String("in_progress"),
		Output: &github.CheckRunOutput{Title: github.String(title), Summary: github.String(summary)},
	}
	if _, _, err := r.client.Checks.UpdateCheckRun(ctx, r.Owner, r.Name, run.ID, in); err != nil {
		return r.wrap(fmt.Sprintf("update check run %s (%d) in", run.Name, run.ID), err)
	}
	return nil
}

// batchAnnotations converts and splits annotations into requests; there is
// always at least one (possibly empty) batch.
func batchAnnotations(in []report.Annotation) [][]*github.CheckRunAnnotation {
	batches := [][]*github.CheckRunAnnotation{nil}
	for _, a := range in {
		last := len(batches) - 1
		if len(batches[last]) == MaxAnnotationsPerRequest {
			batches = append(batches, nil)
			last++
		}
		ann := &github.CheckRunAnnotation{
			Path:            github.String(a.Path),
			StartLine:       github.Int(a.StartLine),
			EndLine:         github.Int(a.EndLine),
			AnnotationLevel: github.String(a.AnnotationLevel),
			Message:         github.String(a.Message),
		}
		// Columns only on single-line annotations, as the API requires.
		if a.StartLine == a.EndLine {
			ann.StartColumn, ann.EndColumn = a.StartColumn, a.EndColumn
		}
		if a.Title != "" {
			ann.Title = github.String(a.Title)
		}
		if a.RawDetails != "" {
			ann.RawDetails = github.String(a.RawDetails)
		}
		batches[last] = append(batches[last], ann)
	}
	return batches
}

// CheckRunsForRef lists the check runs named name on ref (a SHA or branch).
func (r *Repo) CheckRunsForRef(ctx context.Context, ref, name string) ([]*CheckRun, error) {
	opts := &github.ListCheckRunsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	if name != "" {
		opts.CheckName = github.String(name)
	}
	var out []*CheckRun
	for {
		res, resp, err := r.client.Checks.ListCheckRunsForRef(ctx, r.Owner, r.Name, ref, opts)
		if err != nil {
			return nil, r.wrap(fmt.Sprintf("list check runs on %s in", ref), err)
		}
		for _, cr := range res.CheckRuns {
			out = append(out, &CheckRun{ID: cr.GetID(), Name: cr.GetName(), HeadSHA: cr.GetHeadSHA(), ExternalID: cr.GetExternalID(), Status: cr.GetStatus()})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}
