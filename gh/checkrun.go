package gh

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"

	"github.com/kiln-gitops/kiln/job"
	"github.com/kiln-gitops/kiln/report"
)

// MaxAnnotationsPerRequest is the Checks API's limit per create or update.
const MaxAnnotationsPerRequest = 50

// StartCheckRun implements job.GitHub: the run called name with
// externalID on headSHA is reused if it exists, so a retried job, or a
// create whose answer was lost, updates what the first attempt made.
func (a *Access) StartCheckRun(ctx context.Context, name, headSHA, externalID string) (int64, error) {
	find := func() (int64, bool, error) {
		id, err := a.findCheckRun(ctx, headSHA, name, externalID)
		return id, id != 0, err
	}
	create := func() (int64, error) {
		cr, _, err := a.client.Checks.CreateCheckRun(ctx, a.owner, a.name, github.CreateCheckRunOptions{
			Name:       name,
			HeadSHA:    headSHA,
			ExternalID: github.String(externalID),
			Status:     github.String("in_progress"),
			StartedAt:  &github.Timestamp{Time: now()},
			Output:     &github.CheckRunOutput{Title: github.String("Running"), Summary: github.String("kiln is working on " + shortSHA(headSHA) + ".")},
		})
		return cr.GetID(), err
	}
	id, err := createOnce(ctx, a.clients.cfg.Retry, find, create)
	if err != nil {
		return 0, a.wrap(fmt.Sprintf("start check run %s on %s", name, shortSHA(headSHA)), err)
	}
	return id, nil
}

// findCheckRun returns the newest run called name with externalID on ref,
// or 0.
func (a *Access) findCheckRun(ctx context.Context, ref, name, externalID string) (int64, error) {
	opts := &github.ListCheckRunsOptions{CheckName: github.String(name), ListOptions: github.ListOptions{PerPage: 100}}
	var found int64
	for {
		res, resp, err := a.client.Checks.ListCheckRunsForRef(ctx, a.owner, a.name, ref, opts)
		if err != nil {
			return 0, a.wrap(fmt.Sprintf("list check runs on %s", shortSHA(ref)), err)
		}
		for _, cr := range res.CheckRuns {
			if cr.GetName() == name && cr.GetExternalID() == externalID && cr.GetID() > found {
				found = cr.GetID()
			}
		}
		if resp.NextPage == 0 {
			return found, nil
		}
		opts.Page = resp.NextPage
	}
}

// UpdateCheckRun implements job.GitHub: it publishes the output, in
// progress while the conclusion is empty, completed otherwise. The Checks
// API takes at most 50 annotations per request and appends them across
// updates, so all but the last batch go in updates that keep the run in
// progress, and the last goes with the conclusion and the buttons: a run
// is never seen completed with part of its annotations. Every request is
// an edit, safe to repeat.
func (a *Access) UpdateCheckRun(ctx context.Context, id int64, name string, u job.CheckRunUpdate) error {
	out := u.Output
	if out.Title == "" {
		out.Title = name
	}
	if out.Summary == "" {
		out.Summary = out.Title
	}
	batches := batchAnnotations(out.Annotations)
	for i, batch := range batches {
		in := github.UpdateCheckRunOptions{
			Name: name,
			Output: &github.CheckRunOutput{
				Title:       github.String(out.Title),
				Summary:     github.String(out.Summary),
				Annotations: batch,
			},
		}
		if out.Text != "" {
			in.Output.Text = github.String(out.Text)
		}
		if i == len(batches)-1 {
			for _, x := range u.Actions {
				in.Actions = append(in.Actions, &github.CheckRunAction{Label: x.Label, Description: x.Description, Identifier: x.Identifier})
			}
			if u.Conclusion != "" {
				in.Conclusion = github.String(u.Conclusion)
				in.CompletedAt = &github.Timestamp{Time: now()}
			}
		}
		if _, _, err := a.client.Checks.UpdateCheckRun(ctx, a.owner, a.name, id, in); err != nil {
			return a.wrap(fmt.Sprintf("update check run %s (%d), request %d of %d", name, id, i+1, len(batches)), err)
		}
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

func shortSHA(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	return s
}
