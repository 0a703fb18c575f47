package webhook

import (
	"fmt"
	"strconv"
	"strings"
)

// Route says whether kiln handles a delivery and, if so, how it is queued.
type Route struct {
	Handled bool
	// Why a delivery is ignored, for the response and the log.
	Reason string
	// Key serialises the jobs of one pull request or branch.
	Key string
	// Supersedes: a newer head of the pull request makes this job's
	// predecessors obsolete.
	Supersedes bool
}

// BranchKey is the queue key of a branch's jobs (its pushes, which apply
// it): work that must not overlap them, such as drift detection, holds
// the same key.
func BranchKey(repo, branch string) string { return repo + "@" + branch }

// CommandPrefix starts every comment command (/kiln plan, /kiln bake, …).
const CommandPrefix = "/kiln"

// Handles reports whether kiln subscribes to event (it may still ignore some
// of its actions).
func Handles(event string) bool {
	switch event {
	case "pull_request", "push", "check_suite", "check_run", "issue_comment", "installation":
		return true
	}
	return false
}

// Classify decides what to do with a verified delivery.
func Classify(event string, s Summary) Route {
	ignore := func(why string) Route { return Route{Reason: why} }
	pr := func(supersedes bool) Route {
		if s.Repo == "" || s.PR <= 0 {
			return ignore("no repository or pull request number")
		}
		return Route{Handled: true, Key: s.Repo + "#" + strconv.Itoa(s.PR), Supersedes: supersedes}
	}
	switch event {
	case "pull_request":
		switch s.Action {
		case "opened", "synchronize", "reopened":
			return pr(true)
		case "closed":
			return pr(false)
		}
	case "push":
		switch {
		case s.Repo == "":
			return ignore("no repository")
		case s.Branch == "":
			return ignore("not a branch")
		case s.Deleted:
			return ignore("branch deleted")
		}
		return Route{Handled: true, Key: BranchKey(s.Repo, s.Branch)}
	case "check_suite", "check_run":
		if s.Action != "rerequested" && !(event == "check_run" && s.Action == "requested_action") {
			break
		}
		if s.PR > 0 {
			return pr(false)
		}
		if s.Repo == "" {
			return ignore("no repository")
		}
		if s.Branch != "" {
			return Route{Handled: true, Key: BranchKey(s.Repo, s.Branch)}
		}
		if s.Commit != "" {
			return Route{Handled: true, Key: s.Repo + "@" + s.Commit}
		}
		return ignore("no pull request, branch or commit")
	case "issue_comment":
		if s.Action != "created" {
			break
		}
		if !s.IsPRComment {
			return ignore("comment on an issue, not a pull request")
		}
		// Only commands become jobs: chatter on a busy pull request would
		// otherwise queue behind its checks.
		if !hasCommand(s.Comment) {
			return ignore("no " + CommandPrefix + " command")
		}
		return pr(false)
	case "installation":
		if s.Installation == 0 {
			return ignore("no installation id")
		}
		return Route{Handled: true, Key: fmt.Sprintf("installation/%d", s.Installation)}
	default:
		return ignore("event not handled")
	}
	return ignore("action not handled")
}

// hasCommand reports whether a line of the comment starts with the command
// prefix as a whole word.
func hasCommand(body string) bool {
	for line := range strings.Lines(body) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), CommandPrefix)
		if ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return true
		}
	}
	return false
}
