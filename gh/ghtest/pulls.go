package ghtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

type pull struct {
	Repo     string
	Number   int
	HeadRef  string
	BaseRef  string
	HeadSHA  string
	Fork     bool
	State    string
	Merged   bool
	MergeSHA string
	User     string
}

// ReviewComment is a pull request review comment (alone or in a review).
type ReviewComment struct {
	ID       int64
	Repo     string
	Pull     int
	CommitID string
	Path     string
	Line     int
	Side     string
	Body     string
	// Review is the review's event (COMMENT, ...) when posted in a review.
	Review string
}

// PullRequest opens pull request number from headBranch into baseBranch,
// and points refs/pull/<number>/head at the head branch's tip. With fork
// the head repository is a fork owned by "contributor".
func (s *Server) PullRequest(owner, name string, number int, headBranch, baseBranch string, fork bool) {
	s.gitMu.RLock()
	head := s.branchSHA(owner, name, headBranch)
	base := s.branchSHA(owner, name, baseBranch)
	s.gitMu.RUnlock()
	if head == "" || base == "" {
		s.t.Fatalf("ghtest: PullRequest %s/%s#%d: commit to %q and %q first", owner, name, number, headBranch, baseBranch)
	}
	s.mu.Lock()
	s.pulls[fmt.Sprintf("%s/%s#%d", owner, name, number)] = &pull{
		Repo: owner + "/" + name, Number: number, HeadRef: headBranch, BaseRef: baseBranch,
		HeadSHA: head, Fork: fork, State: "open", User: "octocat",
	}
	s.mu.Unlock()
	s.syncPullRefs(owner, name)
}

// Merge merges pull request number with a merge commit on its base branch
// and returns the merge commit's SHA.
func (s *Server) Merge(owner, name string, number int) string {
	s.mu.Lock()
	pr := s.pulls[fmt.Sprintf("%s/%s#%d", owner, name, number)]
	s.mu.Unlock()
	if pr == nil || pr.State != "open" {
		s.t.Fatalf("ghtest: Merge %s/%s#%d: no open pull request", owner, name, number)
	}
	s.gitMu.Lock()
	files, err := s.snapshotLocked(owner, name, pr.HeadSHA)
	var sha string
	if err == nil {
		sha, err = s.commitLocked(owner, name, pr.BaseRef, files, []plumbing.Hash{plumbing.NewHash(pr.HeadSHA)}, true)
	}
	s.gitMu.Unlock()
	if err != nil {
		s.t.Fatalf("ghtest: Merge %s/%s#%d: %v", owner, name, number, err)
	}
	s.mu.Lock()
	pr.State, pr.Merged, pr.MergeSHA = "closed", true, sha
	s.mu.Unlock()
	return sha
}

func (s *Server) issueExists(repo string, number int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.pulls[fmt.Sprintf("%s#%d", repo, number)]
	return ok
}

// ReviewComments returns the review comments on pull request number.
func (s *Server) ReviewComments(repo string, number int) []ReviewComment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ReviewComment
	for _, rc := range s.reviews {
		if rc.Repo == repo && rc.Pull == number {
			out = append(out, *rc)
		}
	}
	return out
}

func (s *Server) findPull(c *call) *pull {
	number, _ := strconv.Atoi(c.params["pull_number"])
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pulls[fmt.Sprintf("%s#%d", c.repo(), number)]
}

func (s *Server) repoJSON(fullName string, fork bool) map[string]any {
	owner, name, _ := strings.Cut(fullName, "/")
	return map[string]any{
		"id": len(fullName), "node_id": "R_" + fullName, "name": name, "full_name": fullName,
		"owner": userJSON(owner), "private": false, "fork": fork,
		"html_url": s.URL + "/" + fullName, "url": s.URL + "/repos/" + fullName,
		"clone_url": s.URL + "/" + fullName + ".git", "default_branch": "main",
	}
}

func (s *Server) getPull(c *call) {
	pr := s.findPull(c)
	if pr == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	s.mu.Lock()
	p := *pr
	s.mu.Unlock()
	owner, name, _ := strings.Cut(p.Repo, "/")
	s.gitMu.RLock()
	baseSHA := s.branchSHA(owner, name, p.BaseRef)
	s.gitMu.RUnlock()
	headRepo := p.Repo
	if p.Fork {
		headRepo = "contributor/" + name
	}
	now := s.now().UTC().Format(time.RFC3339)
	c.json(http.StatusOK, map[string]any{
		"id": p.Number, "node_id": "PR_" + strconv.Itoa(p.Number), "number": p.Number, "state": p.State,
		"title": "ghtest pull request", "body": nil, "user": userJSON(p.User), "draft": false, "locked": false,
		"url":      s.URL + "/repos/" + p.Repo + "/pulls/" + strconv.Itoa(p.Number),
		"html_url": s.URL + "/" + p.Repo + "/pull/" + strconv.Itoa(p.Number),
		"head": map[string]any{"ref": p.HeadRef, "sha": p.HeadSHA, "label": strings.Split(headRepo, "/")[0] + ":" + p.HeadRef,
			"repo": s.repoJSON(headRepo, p.Fork), "user": userJSON(strings.Split(headRepo, "/")[0])},
		"base": map[string]any{"ref": p.BaseRef, "sha": baseSHA, "label": owner + ":" + p.BaseRef,
			"repo": s.repoJSON(p.Repo, false), "user": userJSON(owner)},
		"merged": p.Merged, "merge_commit_sha": nullable(p.MergeSHA), "mergeable": nil,
		"created_at": now, "updated_at": now,
	})
}

func (s *Server) listPullFiles(c *call) {
	pr := s.findPull(c)
	if pr == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	owner, name := c.params["owner"], c.params["repo"]
	s.gitMu.RLock()
	base := s.branchSHA(owner, name, pr.BaseRef)
	s.gitMu.RUnlock()
	files, err := s.changedFiles(owner, name, base, pr.HeadSHA)
	if err != nil {
		c.fail(http.StatusInternalServerError, err.Error())
		return
	}
	items := make([]any, len(files))
	for i, f := range files {
		items[i] = f
	}
	page, perPage := pageParams(c)
	c.json(http.StatusOK, paginate(c, items, page, perPage))
}

type reviewCommentInput struct {
	Body     string `json:"body"`
	CommitID string `json:"commit_id"`
	Path     string `json:"path"`
	Line     int    `json:"line"`
	Side     string `json:"side"`
}

func (s *Server) createReviewComment(c *call) {
	var in reviewCommentInput
	if !c.decode(&in) {
		return
	}
	pr := s.findPull(c)
	if pr == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	if in.Line == 0 {
		c.fail(http.StatusUnprocessableEntity, "line is required (position is deprecated)")
		return
	}
	s.mu.Lock()
	rc := &ReviewComment{ID: s.id(), Repo: c.repo(), Pull: pr.Number, CommitID: in.CommitID, Path: in.Path, Line: in.Line, Side: in.Side, Body: in.Body}
	s.reviews = append(s.reviews, rc)
	s.mu.Unlock()
	c.json(http.StatusCreated, s.reviewCommentJSON(rc))
}

func (s *Server) reviewCommentJSON(rc *ReviewComment) map[string]any {
	return map[string]any{
		"id": rc.ID, "node_id": "RC_" + itoa(rc.ID), "body": rc.Body, "path": rc.Path, "line": rc.Line,
		"commit_id": rc.CommitID, "original_commit_id": rc.CommitID, "user": userJSON(BotLogin),
		"url":       s.URL + "/repos/" + rc.Repo + "/pulls/comments/" + itoa(rc.ID),
		"html_url":  s.URL + "/" + rc.Repo + "/pull/" + strconv.Itoa(rc.Pull) + "#discussion_r" + itoa(rc.ID),
		"diff_hunk": "", "created_at": s.now().UTC().Format(time.RFC3339), "updated_at": s.now().UTC().Format(time.RFC3339),
	}
}

func (s *Server) createReview(c *call) {
	var in struct {
		CommitID string `json:"commit_id"`
		Body     string `json:"body"`
		Event    string `json:"event"`
		Comments []struct {
			Path string `json:"path"`
			Line int    `json:"line"`
			Side string `json:"side"`
			Body string `json:"body"`
		} `json:"comments"`
	}
	if !c.decode(&in) {
		return
	}
	pr := s.findPull(c)
	if pr == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	if (in.Event == "REQUEST_CHANGES" || in.Event == "COMMENT") && in.Body == "" && len(in.Comments) == 0 {
		c.fail(http.StatusUnprocessableEntity, "body is required for "+in.Event)
		return
	}
	event := in.Event
	if event == "" {
		event = "PENDING"
	}
	s.mu.Lock()
	id := s.id()
	for _, cm := range in.Comments {
		s.reviews = append(s.reviews, &ReviewComment{ID: s.id(), Repo: c.repo(), Pull: pr.Number, CommitID: in.CommitID,
			Path: cm.Path, Line: cm.Line, Side: cm.Side, Body: cm.Body, Review: event})
	}
	s.mu.Unlock()
	state := map[string]string{"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED", "PENDING": "PENDING"}[event]
	c.json(http.StatusOK, map[string]any{
		"id": id, "node_id": "PRR_" + itoa(id), "user": userJSON(BotLogin), "body": in.Body, "state": state,
		"commit_id": in.CommitID, "html_url": s.URL + "/" + c.repo() + "/pull/" + strconv.Itoa(pr.Number) + "#pullrequestreview-" + itoa(id),
		"pull_request_url":   s.URL + "/repos/" + c.repo() + "/pulls/" + strconv.Itoa(pr.Number),
		"_links":             map[string]any{"html": map[string]any{"href": ""}, "pull_request": map[string]any{"href": ""}},
		"author_association": "NONE",
	})
}

// SetPermission gives user a role on repo: admin, maintain, write, triage,
// read or none.
func (s *Server) SetPermission(repo, user, role string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.perms[repo+"/"+user] = role
}

func (s *Server) getPermission(c *call) {
	user := c.params["username"]
	s.mu.Lock()
	role, ok := s.perms[c.repo()+"/"+user]
	s.mu.Unlock()
	if !ok {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	// The legacy permission field folds maintain into write and triage
	// into read; role_name keeps the role.
	perm := map[string]string{"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}[role]
	if perm == "" {
		perm = "none"
	}
	c.json(http.StatusOK, map[string]any{"permission": perm, "role_name": role, "user": userJSON(user)})
}

func (s *Server) listReviewComments(c *call) {
	pr := s.findPull(c)
	if pr == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	s.mu.Lock()
	var items []any
	for _, rc := range s.reviews {
		if rc.Repo == c.repo() && rc.Pull == pr.Number {
			item := s.reviewCommentJSON(rc)
			item["pull_request_review_id"] = nil
			item["pull_request_url"] = s.URL + "/repos/" + rc.Repo + "/pulls/" + strconv.Itoa(rc.Pull)
			item["author_association"] = "NONE"
			item["_links"] = map[string]any{"self": map[string]any{"href": item["url"]}, "html": map[string]any{"href": item["html_url"]}, "pull_request": map[string]any{"href": item["pull_request_url"]}}
			items = append(items, item)
		}
	}
	s.mu.Unlock()
	page, perPage := pageParams(c)
	c.json(http.StatusOK, paginate(c, items, page, perPage))
}
