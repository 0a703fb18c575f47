package gh

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"
)

// MaxCommentChars is GitHub's limit on a comment body, in characters.
const MaxCommentChars = 65536

// UpsertComment implements job.GitHub: the App's own comment on pull
// request pr holding marker (a hidden HTML comment such as
// "<!-- kiln:sticky -->") is edited in place, or created when there is
// none. The marker is prepended to body when body lacks it. Only comments
// by the App's bot user count, so neither a person nor another bot quoting
// the marker is ever edited; a create whose answer was lost is found
// before it is sent again.
func (a *Access) UpsertComment(ctx context.Context, pr int, marker, body string) error {
	if marker == "" {
		return fmt.Errorf("github: comment on #%d of %s: empty marker", pr, a.fullName())
	}
	if !strings.Contains(body, marker) {
		body = marker + "\n" + body
	}
	body = cutComment(body)
	bot, err := a.clients.botLogin(ctx)
	if err != nil {
		return err
	}
	var existing *github.IssueComment
	find := func() (*github.IssueComment, bool, error) {
		c, err := a.findComment(ctx, pr, bot, marker)
		existing = c
		return c, c != nil && c.GetBody() == body, err
	}
	create := func() (*github.IssueComment, error) {
		if existing != nil {
			c, _, err := a.client.Issues.EditComment(ctx, a.owner, a.name, existing.GetID(), &github.IssueComment{Body: github.String(body)})
			return c, err
		}
		c, _, err := a.client.Issues.CreateComment(ctx, a.owner, a.name, pr, &github.IssueComment{Body: github.String(body)})
		return c, err
	}
	if _, err := createOnce(ctx, a.clients.cfg.Retry, find, create); err != nil {
		return a.wrap(fmt.Sprintf("comment %s on #%d", marker, pr), err)
	}
	return nil
}

// AnswerMarker is the hidden marker of kiln's answer to the command in
// comment commandID, by which a retried job finds the answer it gave.
func AnswerMarker(commandID int64) string {
	return fmt.Sprintf("<!-- kiln:answer %d -->", commandID)
}

// Answer implements job.GitHub: the one answer to the command in comment
// commandID.
func (a *Access) Answer(ctx context.Context, pr int, commandID int64, body string) error {
	return a.UpsertComment(ctx, pr, AnswerMarker(commandID), body)
}

// findComment returns the first comment by user bot containing marker.
func (a *Access) findComment(ctx context.Context, pr int, bot, marker string) (*github.IssueComment, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		comments, resp, err := a.client.Issues.ListComments(ctx, a.owner, a.name, pr, opts)
		if err != nil {
			return nil, a.wrap(fmt.Sprintf("list comments on #%d", pr), err)
		}
		for _, c := range comments {
			if c.GetUser().GetLogin() == bot && strings.Contains(c.GetBody(), marker) {
				return c, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

// cutComment keeps body within GitHub's limit, saying so at the end.
func cutComment(body string) string {
	if utf8.RuneCountInString(body) <= MaxCommentChars {
		return body
	}
	const note = "\n\n… (cut to GitHub's comment limit; the check runs hold the full results)"
	keep := MaxCommentChars - utf8.RuneCountInString(note)
	i, n := 0, 0
	for i < len(body) && n < keep {
		_, size := utf8.DecodeRuneInString(body[i:])
		i += size
		n++
	}
	return body[:i] + note
}
