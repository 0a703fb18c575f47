package ghtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// BotLogin is the login GitHub shows for the app's own comments.
const BotLogin = "kiln[bot]"

// Comment is an issue (pull request conversation) comment.
type Comment struct {
	ID        int64
	Repo      string
	Issue     int
	User      string
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
	// Edits counts updates after creation.
	Edits int
}

// Reaction is a reaction to an issue comment.
type Reaction struct {
	ID        int64
	Repo      string
	CommentID int64
	Content   string
	User      string
}

// Comments returns copies of the comments on issue or pull request number.
func (s *Server) Comments(repo string, number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, cm := range s.comments {
		if cm.Repo == repo && cm.Issue == number {
			out = append(out, *cm)
		}
	}
	return out
}

// AddComment posts a comment as user, as if a person wrote it.
func (s *Server) AddComment(repo string, number int, user, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC()
	cm := &Comment{ID: s.id(), Repo: repo, Issue: number, User: user, Body: body, CreatedAt: now, UpdatedAt: now}
	s.comments = append(s.comments, cm)
	return cm.ID
}

// Reactions returns the reactions to comment id in repo.
func (s *Server) Reactions(repo string, commentID int64) []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Reaction
	for _, r := range s.reactions {
		if r.Repo == repo && r.CommentID == commentID {
			out = append(out, *r)
		}
	}
	return out
}

func userJSON(login string) map[string]any {
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	return map[string]any{"login": login, "id": len(login), "node_id": "U_" + login, "type": typ, "site_admin": false}
}

func (s *Server) commentJSON(cm *Comment) map[string]any {
	base := s.URL + "/repos/" + cm.Repo
	return map[string]any{
		"id": cm.ID, "node_id": "IC_" + itoa(cm.ID), "body": cm.Body, "user": userJSON(cm.User),
		"url":        base + "/issues/comments/" + itoa(cm.ID),
		"html_url":   s.URL + "/" + cm.Repo + "/pull/" + strconv.Itoa(cm.Issue) + "#issuecomment-" + itoa(cm.ID),
		"issue_url":  base + "/issues/" + strconv.Itoa(cm.Issue),
		"created_at": cm.CreatedAt.Format(time.RFC3339), "updated_at": cm.UpdatedAt.Format(time.RFC3339),
		"author_association": "NONE",
	}
}

func (s *Server) listComments(c *call) {
	number, _ := strconv.Atoi(c.params["issue_number"])
	s.mu.Lock()
	var items []any
	for _, cm := range s.comments {
		if cm.Repo == c.repo() && cm.Issue == number {
			items = append(items, s.commentJSON(cm))
		}
	}
	s.mu.Unlock()
	page, perPage := pageParams(c)
	c.json(http.StatusOK, paginate(c, items, page, perPage))
}

func (s *Server) createComment(c *call) {
	var in struct {
		Body string `json:"body"`
	}
	if !c.decode(&in) {
		return
	}
	if len([]rune(in.Body)) > 65536 {
		c.fail(http.StatusUnprocessableEntity, "Body is too long (maximum is 65536 characters)")
		return
	}
	number, _ := strconv.Atoi(c.params["issue_number"])
	if !s.issueExists(c.repo(), number) {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	id := s.AddComment(c.repo(), number, BotLogin, in.Body)
	s.mu.Lock()
	cm := s.findComment(c.repo(), id)
	out := s.commentJSON(cm)
	s.mu.Unlock()
	c.json(http.StatusCreated, out)
}

func (s *Server) updateComment(c *call) {
	var in struct {
		Body string `json:"body"`
	}
	if !c.decode(&in) {
		return
	}
	if len([]rune(in.Body)) > 65536 {
		c.fail(http.StatusUnprocessableEntity, "Body is too long (maximum is 65536 characters)")
		return
	}
	s.mu.Lock()
	cm := s.findComment(c.repo(), c.int64Param("comment_id"))
	var out map[string]any
	forbidden := false
	if cm != nil {
		if cm.User != BotLogin {
			forbidden = true
		} else {
			cm.Body, cm.UpdatedAt = in.Body, s.now().UTC()
			cm.Edits++
			out = s.commentJSON(cm)
		}
	}
	s.mu.Unlock()
	switch {
	case cm == nil:
		c.fail(http.StatusNotFound, "Not Found")
	case forbidden:
		s.t.Errorf("ghtest: issues/update-comment: the app edited %s's comment %d", cm.User, cm.ID)
		c.fail(http.StatusForbidden, "Resource not accessible by integration")
	default:
		c.json(http.StatusOK, out)
	}
}

func (s *Server) findComment(repo string, id int64) *Comment {
	for _, cm := range s.comments {
		if cm.Repo == repo && cm.ID == id {
			return cm
		}
	}
	return nil
}

func (s *Server) createReaction(c *call) {
	var in struct {
		Content string `json:"content"`
	}
	if !c.decode(&in) {
		return
	}
	id := c.int64Param("comment_id")
	s.mu.Lock()
	cm := s.findComment(c.repo(), id)
	var r *Reaction
	existing := false
	if cm != nil {
		for _, old := range s.reactions {
			if old.Repo == c.repo() && old.CommentID == id && old.Content == in.Content && old.User == BotLogin {
				r, existing = old, true
			}
		}
		if r == nil {
			r = &Reaction{ID: s.id(), Repo: c.repo(), CommentID: id, Content: in.Content, User: BotLogin}
			s.reactions = append(s.reactions, r)
		}
	}
	s.mu.Unlock()
	if cm == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	status := http.StatusCreated
	if existing {
		status = http.StatusOK
	}
	c.json(status, map[string]any{
		"id": r.ID, "node_id": "R_" + itoa(r.ID), "content": r.Content, "user": userJSON(r.User),
		"created_at": s.now().UTC().Format(time.RFC3339),
	})
}

// pageParams reads page and per_page as GitHub does (30 by default, 100 at most).
func pageParams(c *call) (page, perPage int) {
	q := c.r.URL.Query()
	page, _ = strconv.Atoi(q.Get("page"))
	perPage, _ = strconv.Atoi(q.Get("per_page"))
	if page < 1 {
		page = 1
	}
	if perPage < 1 {
		perPage = 30
	}
	if perPage > 100 {
		perPage = 100
	}
	return page, perPage
}

// paginate returns one page of items and sets GitHub's Link header.
func paginate(c *call, items []any, page, perPage int) []any {
	last := (len(items) + perPage - 1) / perPage
	if last < 1 {
		last = 1
	}
	link := func(p int, rel string) string {
		q := c.r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(perPage))
		return fmt.Sprintf(`<http://%s%s?%s>; rel="%s"`, c.r.Host, c.r.URL.Path, q.Encode(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		joined := links[0]
		for _, l := range links[1:] {
			joined += ", " + l
		}
		c.w.Header().Set("Link", joined)
	}
	start := (page - 1) * perPage
	if start >= len(items) {
		return []any{}
	}
	end := min(start+perPage, len(items))
	return items[start:end]
}
