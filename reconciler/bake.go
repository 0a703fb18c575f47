package reconciler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// BakeRecord is the durable state of one bake: one pipeline execution in
// one environment for one commit. It is stored after every state change so
// a restarted kiln resumes tracking and reports the end exactly once.
type BakeRecord struct {
	ID          string `json:"id"` // environment/pipeline/commit
	Repo        string `json:"repo"`
	Environment string `json:"environment"`
	Pipeline    string `json:"pipeline"`
	PipelineArn string `json:"pipelineArn"`
	Commit      string `json:"commit"`
	// Account is the environment's account: of the AMIs a bake shares
	// with several accounts, the SSM parameter names the one in this
	// account.
	Account string `json:"account,omitempty"`
	PR      int    `json:"pr,omitempty"`
	// Attempt counts retries; each attempt is a new execution.
	Attempt int `json:"attempt,omitempty"`
	// Installation and CheckRunID say where to report.
	Installation int64 `json:"installation,omitempty"`
	CheckRunID   int64 `json:"checkRunId,omitempty"`

	ImageArn string        `json:"imageArn"`
	State    string        `json:"state"`
	Reason   string        `json:"reason,omitempty"`
	LogURI   string        `json:"logUri,omitempty"`
	AMIs     []AMI         `json:"amis,omitempty"`
	Images   []Container   `json:"containers,omitempty"`
	History  []StateChange `json:"history"`
	Started  time.Time     `json:"started"`
	// NextPoll is when the tracker looks again; Polls counts unchanged
	// polls in a row, for backoff.
	NextPoll time.Time `json:"nextPoll"`
	Polls    int       `json:"polls"`
	// Reported is the last state the reporter has shown; a state not yet
	// shown (the first PENDING, or one whose report failed or was cut
	// short by a restart) is reported on the next poll.
	Reported string `json:"reported,omitempty"`
	// Done is set once the terminal state has been reported.
	Done bool `json:"done"`
}

// StateChange is one step of an image's life.
type StateChange struct {
	State string    `json:"state"`
	At    time.Time `json:"at"`
}

// Terminal reports whether the bake has ended.
func (b BakeRecord) Terminal() bool { return Image{State: b.State}.Terminal() }

// Elapsed is the time from start to the last state change.
func (b BakeRecord) Elapsed() time.Duration {
	if len(b.History) == 0 {
		return 0
	}
	return b.History[len(b.History)-1].At.Sub(b.Started)
}

// BakeID names a bake.
func BakeID(env, pipeline, commit string) string { return env + "/" + pipeline + "/" + commit }

// BakeStore keeps bake records durably.
type BakeStore interface {
	Put(ctx context.Context, b BakeRecord) error
	Get(ctx context.Context, id string) (BakeRecord, bool, error)
	// Active lists records that are not Done.
	Active(ctx context.Context) ([]BakeRecord, error)
}

// BakeReporter shows a bake's progress; it is called on every state change
// and must be idempotent (the same record reported twice shows the same).
type BakeReporter interface {
	ReportBake(ctx context.Context, b BakeRecord) error
}

// Backoff bounds how often a bake is polled: First after a state change,
// doubling while nothing changes, up to Max.
type Backoff struct {
	First, Max time.Duration
}

// DefaultBackoff suits real bakes, which take tens of minutes.
var DefaultBackoff = Backoff{First: 15 * time.Second, Max: 5 * time.Minute}

func (bo Backoff) after(polls int) time.Duration {
	d := bo.First
	for i := 0; i < polls && d < bo.Max; i++ {
		d *= 2
	}
	return min(d, bo.Max)
}

// StartBake starts a pipeline execution with a client token derived from
// environment, pipeline and commit, so the same merge delivered twice
// starts one build, and records it. An existing record is returned as is.
func StartBake(ctx context.Context, ib ImageBuilder, store BakeStore, rec BakeRecord, now time.Time) (BakeRecord, error) {
	rec.ID = BakeID(rec.Environment, rec.Pipeline, rec.Commit)
	if old, ok, err := store.Get(ctx, rec.ID); err != nil {
		return rec, fmt.Errorf("read bake %s: %w", rec.ID, err)
	} else if ok && old.ImageArn != "" && old.Attempt == rec.Attempt {
		return old, nil
	}
	arn, err := ib.StartPipeline(ctx, rec.PipelineArn, ClientToken("bake", rec.Environment, rec.Pipeline, rec.Commit, strconv.Itoa(rec.Attempt)))
	if err != nil {
		return rec, fmt.Errorf("start pipeline %s in %s: %w", rec.Pipeline, rec.Environment, err)
	}
	rec.ImageArn = arn
	rec.State, rec.Reason, rec.Reported, rec.Done, rec.Polls = "PENDING", "", "", false, 0
	rec.AMIs, rec.Images, rec.LogURI = nil, nil, ""
	rec.Started = now
	rec.History = []StateChange{{State: "PENDING", At: now}}
	rec.NextPoll = now
	if err := store.Put(ctx, rec); err != nil {
		return rec, fmt.Errorf("record bake %s: %w", rec.ID, err)
	}
	return rec, nil
}

// PollBake looks at one bake once: it records a state change and reports
// every state not yet reported (the first PENDING included); at the end it
// writes the AMI ids to SSM when the environment asks and marks the record
// Done after the final report.
func PollBake(ctx context.Context, ib ImageBuilder, store BakeStore, rep BakeReporter, b BakeRecord, now time.Time, bo Backoff, ssmPrefix string) (BakeRecord, error) {
	if b.Done {
		return b, nil
	}
	img, err := ib.GetImage(ctx, b.ImageArn)
	if err != nil {
		b.Polls++
		b.NextPoll = now.Add(bo.after(b.Polls))
		return b, errors.Join(fmt.Errorf("get image %s: %w", b.ImageArn, err), store.Put(ctx, b))
	}
	if img.State != b.State {
		b.State, b.Reason = img.State, img.Reason
		b.History = append(b.History, StateChange{State: img.State, At: now})
		b.AMIs, b.Images, b.LogURI = img.AMIs, img.Containers, img.LogURI
		b.Polls = 0
	} else {
		b.Polls++
	}
	b.NextPoll = now.Add(bo.after(b.Polls))
	// Persist before reporting: a crash after the report repeats an
	// idempotent report, never loses a state.
	if err := store.Put(ctx, b); err != nil {
		return b, fmt.Errorf("record bake %s: %w", b.ID, err)
	}
	if b.Reported == b.State {
		return b, nil
	}
	if b.State == "AVAILABLE" && ssmPrefix != "" {
		ids := amiPerRegion(b.AMIs, b.Account)
		for _, region := range slices.Sorted(maps.Keys(ids)) {
			name := fmt.Sprintf("%s/%s/%s", ssmPrefix, b.Pipeline, region)
			if err := ib.PutParameter(ctx, name, ids[region]); err != nil {
				return b, fmt.Errorf("write %s: %w", name, err)
			}
		}
	}
	if err := rep.ReportBake(ctx, b); err != nil {
		return b, fmt.Errorf("report bake %s: %w", b.ID, err)
	}
	b.Reported, b.Done = b.State, b.Terminal()
	if err := store.Put(ctx, b); err != nil {
		return b, fmt.Errorf("record bake %s: %w", b.ID, err)
	}
	return b, nil
}

// amiPerRegion picks the AMI an SSM parameter names in each region: the
// one in account when the bake shared copies with other accounts, else
// the first listed.
func amiPerRegion(amis []AMI, account string) map[string]string {
	out := map[string]string{}
	for _, a := range amis {
		if _, ok := out[a.Region]; !ok || a.Account == account && account != "" {
			out[a.Region] = a.ID
		}
	}
	return out
}
