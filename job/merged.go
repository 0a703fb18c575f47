package job

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
)

// Merge commits are tied to their pull request so bake results can be
// posted on it. GitHub's pull_request closed event names the merge commit;
// the push of that commit may come first, so the push also reads the
// number GitHub writes into merge and squash commit messages.

func mergedKey(repo, sha string) string { return "merged." + sanitize(repo) + "." + sanitize(sha) }

func recordMerge(ctx context.Context, kv KV, repo, sha string, pr int) error {
	if sha == "" || pr == 0 {
		return nil
	}
	if err := kv.Put(ctx, mergedKey(repo, sha), []byte(strconv.Itoa(pr))); err != nil {
		return fmt.Errorf("record merge of #%d: %w", pr, err)
	}
	return nil
}

func mergedPullRequest(ctx context.Context, kv KV, repo, sha string) (int, error) {
	v, ok, err := kv.Get(ctx, mergedKey(repo, sha))
	if err != nil {
		return 0, fmt.Errorf("merged pull request of %s: %w", sha, err)
	}
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, fmt.Errorf("merged pull request of %s: %q: %w", sha, v, err)
	}
	return n, nil
}

// "Merge pull request #12 from owner/branch" or "Title (#12)".
var mergeMessage = regexp.MustCompile(`^Merge pull request #(\d+) from |\(#(\d+)\)\s*(?:\n|$)`)

// pullRequestFromMessage reads the pull request number GitHub puts in a
// merge or squash commit's message; 0 when there is none.
func pullRequestFromMessage(msg string) int {
	m := mergeMessage.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	for _, g := range m[1:] {
		if n, err := strconv.Atoi(g); err == nil {
			return n
		}
	}
	return 0
}
