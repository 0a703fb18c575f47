package job

import (
	"context"
	"log/slog"
	"time"

	"github.com/kiln-gitops/kiln/check"
	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
	"github.com/kiln-gitops/kiln/webhook"
)

// Deps is what every handler shares.
type Deps struct {
	GitHub  GitHubFactory
	Fetch   Fetcher
	Checker *check.Checker
	// Environments opens an environment's Image Builder; nil, or an error
	// from it, means no credentials: plans say so and nothing is applied.
	Environments func(ctx context.Context, env model.Environment) (reconciler.ImageBuilder, error)
	State        KV
	Log          *slog.Logger
	Now          func() time.Time
	// WithKey runs fn holding a queue key other than the running job's
	// (queue.Queue.WithKey): the branch key of an environment, for work
	// that must not overlap the apply of a push to that branch. Nil runs
	// fn as it is: there is no queue to share.
	WithKey func(ctx context.Context, key string, fn func(context.Context) error) error
}

// Handlers returns one handler per event kiln acts on, for the webhook
// router.
func Handlers(d *Deps) []webhook.EventHandler {
	return []webhook.EventHandler{
		&PullRequestHandler{d},
		&PushHandler{d},
		&CheckSuiteHandler{d},
		&CheckRunHandler{d},
		&IssueCommentHandler{d},
		&InstallationHandler{d},
	}
}

// logger is the logger of the delivery being handled: every line carries
// its delivery id, repository, pull request and commit.
func (d *Deps) logger(ctx context.Context) *slog.Logger { return webhook.Logger(ctx, d.Log) }

func (d *Deps) withKey(ctx context.Context, key string, fn func(context.Context) error) error {
	if d.WithKey == nil {
		return fn(ctx)
	}
	return d.WithKey(ctx, key, fn)
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}
