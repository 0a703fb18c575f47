package ghtest

import (
	"net/http"
	"strconv"
	"time"
)

// CheckRun is a check run as the emulator holds it.
type CheckRun struct {
	ID          int64
	Repo        string // owner/name
	Name        string
	HeadSHA     string
	Status      string
	Conclusion  string
	ExternalID  string
	DetailsURL  string
	StartedAt   string
	CompletedAt string
	Title       string
	Summary     string
	Text        string
	Annotations []Annotation
	Actions     []CheckRunAction
	// Updates counts the PATCH requests the run received.
	Updates int
}

// Annotation is one check run annotation.
type Annotation struct {
	Path            string `json:"path"`
	StartLine       int    `json:"start_line"`
	EndLine         int    `json:"end_line"`
	StartColumn     *int   `json:"start_column,omitempty"`
	EndColumn       *int   `json:"end_column,omitempty"`
	AnnotationLevel string `json:"annotation_level"`
	Message         string `json:"message"`
	Title           string `json:"title,omitempty"`
	RawDetails      string `json:"raw_details,omitempty"`
}

// CheckRunAction is a button on a check run.
type CheckRunAction struct {
	Label       string `json:"label"`
	Description string `json:"description"`
	Identifier  string `json:"identifier"`
}

// checkRunInput is the body of checks/create and checks/update.
type checkRunInput struct {
	Name        *string `json:"name"`
	HeadSHA     *string `json:"head_sha"`
	DetailsURL  *string `json:"details_url"`
	ExternalID  *string `json:"external_id"`
	Status      *string `json:"status"`
	Conclusion  *string `json:"conclusion"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
	Output      *struct {
		Title       string       `json:"title"`
		Summary     string       `json:"summary"`
		Text        *string      `json:"text"`
		Annotations []Annotation `json:"annotations"`
	} `json:"output"`
	Actions []CheckRunAction `json:"actions"`
}

// CheckRuns returns copies of the check runs of repo ("owner/name").
func (s *Server) CheckRuns(repo string) []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CheckRun
	for _, cr := range s.checkRuns {
		if cr.Repo == repo {
			cp := *cr
			cp.Annotations = append([]Annotation(nil), cr.Annotations...)
			out = append(out, cp)
		}
	}
	return out
}

func (s *Server) createCheckRun(c *call) {
	var in checkRunInput
	if !c.decode(&in) {
		return
	}
	s.mu.Lock()
	cr := &CheckRun{ID: s.id(), Repo: c.repo(), Name: *in.Name, HeadSHA: *in.HeadSHA, Status: "queued"}
	msg := s.applyCheckRun(cr, &in)
	if msg == "" {
		s.checkRuns = append(s.checkRuns, cr)
	}
	s.mu.Unlock()
	if msg != "" {
		s.t.Errorf("ghtest: checks/create: %s", msg)
		c.fail(http.StatusUnprocessableEntity, msg)
		return
	}
	c.json(http.StatusCreated, s.checkRunJSON(cr))
}

func (s *Server) updateCheckRun(c *call) {
	var in checkRunInput
	if !c.decode(&in) {
		return
	}
	s.mu.Lock()
	cr := s.findCheckRun(c.repo(), c.int64Param("check_run_id"))
	var msg string
	if cr != nil {
		next := *cr
		next.Annotations = append([]Annotation(nil), cr.Annotations...)
		if msg = s.applyCheckRun(&next, &in); msg == "" {
			next.Updates++
			*cr = next
		}
	}
	s.mu.Unlock()
	switch {
	case cr == nil:
		c.fail(http.StatusNotFound, "Not Found")
	case msg != "":
		s.t.Errorf("ghtest: checks/update: %s", msg)
		c.fail(http.StatusUnprocessableEntity, msg)
	default:
		c.json(http.StatusOK, s.checkRunJSON(cr))
	}
}

// applyCheckRun applies the rules GitHub enforces beyond the schema.
func (s *Server) applyCheckRun(cr *CheckRun, in *checkRunInput) string {
	if cr.Status == "completed" && in.Status != nil && *in.Status != "completed" {
		return "a completed check run cannot go back to " + *in.Status
	}
	if in.Name != nil {
		cr.Name = *in.Name
	}
	if in.DetailsURL != nil {
		cr.DetailsURL = *in.DetailsURL
	}
	if in.ExternalID != nil {
		cr.ExternalID = *in.ExternalID
	}
	if in.StartedAt != nil {
		cr.StartedAt = *in.StartedAt
	}
	if in.Status != nil {
		cr.Status = *in.Status
	}
	if in.Conclusion != nil {
		if *in.Conclusion == "stale" {
			return "conclusion stale can only be set by GitHub"
		}
		// Providing a conclusion completes the run.
		cr.Conclusion, cr.Status = *in.Conclusion, "completed"
	}
	if in.CompletedAt != nil {
		cr.CompletedAt = *in.CompletedAt
		if cr.Conclusion == "" {
			return "conclusion is required when completed_at is given"
		}
	}
	if cr.Status == "completed" && cr.Conclusion == "" {
		return "conclusion is required when status is completed"
	}
	if cr.Status == "completed" && cr.CompletedAt == "" {
		cr.CompletedAt = s.now().UTC().Format(time.RFC3339)
	}
	if in.Output != nil {
		if len(in.Output.Annotations) > 50 {
			return "output.annotations: at most 50 per request"
		}
		cr.Title, cr.Summary = in.Output.Title, in.Output.Summary
		if in.Output.Text != nil {
			cr.Text = *in.Output.Text
		}
		for _, a := range in.Output.Annotations {
			if a.StartLine > a.EndLine {
				return "annotation end_line is before start_line"
			}
			if (a.StartColumn != nil || a.EndColumn != nil) && a.StartLine != a.EndLine {
				return "annotation columns are only allowed when start_line equals end_line"
			}
		}
		// Annotations accumulate across updates.
		cr.Annotations = append(cr.Annotations, in.Output.Annotations...)
	}
	if in.Actions != nil {
		if len(in.Actions) > 3 {
			return "at most 3 actions"
		}
		cr.Actions = in.Actions
	}
	return ""
}

func (s *Server) findCheckRun(repo string, id int64) *CheckRun {
	for _, cr := range s.checkRuns {
		if cr.ID == id && cr.Repo == repo {
			return cr
		}
	}
	return nil
}

func (s *Server) checkRunJSON(cr *CheckRun) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	url := s.URL + "/repos/" + cr.Repo + "/check-runs/" + itoa(cr.ID)
	out := map[string]any{
		"id": cr.ID, "node_id": "CR_" + itoa(cr.ID), "head_sha": cr.HeadSHA, "name": cr.Name,
		"status": cr.Status, "conclusion": nullable(cr.Conclusion), "external_id": cr.ExternalID,
		"url": url, "html_url": s.URL + "/" + cr.Repo + "/runs/" + itoa(cr.ID), "details_url": nullable(cr.DetailsURL),
		"started_at": nullable(cr.StartedAt), "completed_at": nullable(cr.CompletedAt),
		"output": map[string]any{
			"title": nullable(cr.Title), "summary": nullable(cr.Summary), "text": nullable(cr.Text),
			"annotations_count": len(cr.Annotations), "annotations_url": url + "/annotations",
		},
		"check_suite":   map[string]any{"id": 1},
		"app":           map[string]any{"id": s.AppID, "slug": "kiln", "name": "kiln"},
		"pull_requests": []any{},
	}
	return out
}

func (s *Server) getCheckRun(c *call) {
	s.mu.Lock()
	cr := s.findCheckRun(c.repo(), c.int64Param("check_run_id"))
	s.mu.Unlock()
	if cr == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	c.json(http.StatusOK, s.checkRunJSON(cr))
}

func (s *Server) listCheckRuns(c *call) {
	q := c.r.URL.Query()
	ref := c.params["ref"]
	sha := s.resolve(c.repo(), ref)
	s.mu.Lock()
	var runs []*CheckRun
	for _, cr := range s.checkRuns {
		if cr.Repo != c.repo() || (cr.HeadSHA != ref && cr.HeadSHA != sha) {
			continue
		}
		if name := q.Get("check_name"); name != "" && cr.Name != name {
			continue
		}
		if st := q.Get("status"); st != "" && cr.Status != st {
			continue
		}
		runs = append(runs, cr)
	}
	s.mu.Unlock()
	// Newest first, as GitHub lists them.
	page, perPage := pageParams(c)
	items := make([]any, 0, len(runs))
	for i := len(runs) - 1; i >= 0; i-- {
		items = append(items, s.checkRunJSON(runs[i]))
	}
	chunk := paginate(c, items, page, perPage)
	c.json(http.StatusOK, map[string]any{"total_count": len(runs), "check_runs": chunk})
}

func (s *Server) listAnnotations(c *call) {
	s.mu.Lock()
	cr := s.findCheckRun(c.repo(), c.int64Param("check_run_id"))
	var items []any
	if cr != nil {
		for _, a := range cr.Annotations {
			items = append(items, map[string]any{
				"path": a.Path, "start_line": a.StartLine, "end_line": a.EndLine,
				"start_column": a.StartColumn, "end_column": a.EndColumn,
				"annotation_level": a.AnnotationLevel, "message": a.Message,
				"title": nullable(a.Title), "raw_details": nullable(a.RawDetails), "blob_href": "",
			})
		}
	}
	s.mu.Unlock()
	if cr == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	page, perPage := pageParams(c)
	c.json(http.StatusOK, paginate(c, items, page, perPage))
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
