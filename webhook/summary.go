package webhook

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Summary is what kiln needs to route and log a delivery, read from the
// payload without decoding the rest of it.
type Summary struct {
	Action       string
	Repo         string // owner/name
	PR           int    // 0 when the event is not about one pull request
	Commit       string // head SHA the event is about, if any
	Ref          string // full ref for push, e.g. refs/heads/main
	Branch       string // branch the event is about, if known
	Installation int64
	IsPRComment  bool   // issue_comment on a pull request
	Comment      string // issue_comment body
	Deleted      bool   // push that deleted the ref
}

type prRef struct {
	Number int `json:"number"`
	Head   struct {
		SHA string `json:"sha"`
		Ref string `json:"ref"`
	} `json:"head"`
}

type checkSuite struct {
	HeadSHA      string  `json:"head_sha"`
	HeadBranch   *string `json:"head_branch"`
	PullRequests []prRef `json:"pull_requests"`
}

// envelope lists every field Summarize reads; encoding/json skips the rest.
type envelope struct {
	Action     string `json:"action"`
	Number     int    `json:"number"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Installation struct {
		ID int64 `json:"id"`
	} `json:"installation"`
	PullRequest *prRef      `json:"pull_request"`
	Ref         string      `json:"ref"`
	After       string      `json:"after"`
	Deleted     bool        `json:"deleted"`
	CheckSuite  *checkSuite `json:"check_suite"`
	CheckRun    *struct {
		HeadSHA      string      `json:"head_sha"`
		PullRequests []prRef     `json:"pull_requests"`
		CheckSuite   *checkSuite `json:"check_suite"`
	} `json:"check_run"`
	Issue *struct {
		Number      int              `json:"number"`
		PullRequest *json.RawMessage `json:"pull_request"`
	} `json:"issue"`
	Comment *struct {
		Body string `json:"body"`
	} `json:"comment"`
}

// Summarize reads the routing fields of a webhook payload.
func Summarize(event string, payload []byte) (Summary, error) {
	var e envelope
	if err := json.Unmarshal(payload, &e); err != nil {
		return Summary{}, fmt.Errorf("%s payload: %w", event, err)
	}
	s := Summary{Action: e.Action, Repo: e.Repository.FullName, Installation: e.Installation.ID}
	switch event {
	case "pull_request":
		s.PR = e.Number
		if e.PullRequest != nil {
			if s.PR == 0 {
				s.PR = e.PullRequest.Number
			}
			s.Commit = e.PullRequest.Head.SHA
			s.Branch = e.PullRequest.Head.Ref
		}
	case "push":
		s.Ref, s.Commit, s.Deleted = e.Ref, e.After, e.Deleted
		s.Branch, _ = strings.CutPrefix(e.Ref, "refs/heads/")
		if !strings.HasPrefix(e.Ref, "refs/heads/") {
			s.Branch = ""
		}
	case "check_suite":
		if e.CheckSuite != nil {
			s.fromSuite(e.CheckSuite)
		}
	case "check_run":
		if r := e.CheckRun; r != nil {
			if r.CheckSuite != nil {
				s.fromSuite(r.CheckSuite)
			}
			if r.HeadSHA != "" {
				s.Commit = r.HeadSHA
			}
			if len(r.PullRequests) > 0 {
				s.PR = r.PullRequests[0].Number
			}
		}
	case "issue_comment":
		if e.Issue != nil {
			s.PR = e.Issue.Number
			s.IsPRComment = e.Issue.PullRequest != nil && string(*e.Issue.PullRequest) != "null"
		}
		if e.Comment != nil {
			s.Comment = e.Comment.Body
		}
	}
	return s, nil
}

func (s *Summary) fromSuite(cs *checkSuite) {
	s.Commit = cs.HeadSHA
	if cs.HeadBranch != nil {
		s.Branch = *cs.HeadBranch
	}
	if len(cs.PullRequests) > 0 {
		s.PR = cs.PullRequests[0].Number
	}
}

// LogAttrs are the attributes every log line about a delivery carries.
func (s Summary) LogAttrs(event, deliveryID string) []slog.Attr {
	attrs := []slog.Attr{slog.String("delivery", deliveryID), slog.String("event", event)}
	if s.Action != "" {
		attrs = append(attrs, slog.String("action", s.Action))
	}
	if s.Repo != "" {
		attrs = append(attrs, slog.String("repository", s.Repo))
	}
	if s.PR != 0 {
		attrs = append(attrs, slog.Int("pr", s.PR))
	}
	if s.Commit != "" {
		attrs = append(attrs, slog.String("commit", s.Commit))
	}
	if s.Branch != "" {
		attrs = append(attrs, slog.String("branch", s.Branch))
	}
	if s.Installation != 0 {
		attrs = append(attrs, slog.String("installation", strconv.FormatInt(s.Installation, 10)))
	}
	return attrs
}

// LogAttrs extracts the delivery's log attributes from its payload; a
// payload that does not parse still yields the delivery id and event.
func LogAttrs(event, deliveryID string, payload []byte) []slog.Attr {
	s, _ := Summarize(event, payload)
	return s.LogAttrs(event, deliveryID)
}
