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

// UpsertStickyComment keeps one comment per pull request: the app's own
// comment containing marker (a hidden HTML comment such as
// "<!-- kiln:sticky -->") is edited in place, or created when there is none.
// The marker is prepended to body when body lacks it. It returns the
// comment's id.
func (r *Repo) UpsertStickyComment(ctx context.Context, number int, marker, body string) (int64, error) {
	if marker == "" {
		return 0, fmt.Errorf("github: sticky comment on #%d of %s: empty marker", number, r.FullName())
	}
	if !strings.Contains(body, marker) {
		body = marker + "\n" + body
	}
	body = cutComment(body)
	existing, err := r.findComment(ctx, number, marker)
	if err != nil {
		return 0, err
	}
	if existing == nil {
		return r.ReplyComment(ctx, number, body)
	}
	if existing.GetBody() == body {
		return existing.GetID(), nil
	}
	_, _, err = r.client.Issues.EditComment(ctx, r.Owner, r.Name, existing.GetID(), &github.IssueComment{Body: github.String(body)})
	if err != nil {
		return 0, r.wrap(fmt.Sprintf("edit comment %d on #%d of", existing.GetID(), number), err)
	}
	return existing.GetID(), nil
}

// findComment returns the first comment by a bot containing marker. Only
// bot comments count, so a person quoting the marker is never edited.
func (r *Repo) findComment(ctx context.Context, number int, marker string) (*github.IssueComment, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		comments, resp, err := r.client.Issues.ListComments(ctx, r.Owner, r.Name, number, opts)
		if err != nil {
			return nil, r.wrap(fmt.Sprintf("list comments on #%d of", number), err)
		}
		for _, c := range comments {
			if c.GetUser().GetType() == "Bot" && strings.Contains(c.GetBody(), marker) {
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
