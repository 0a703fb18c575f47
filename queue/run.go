package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// Run hands jobs to h on up to workers goroutines until ctx is done, then
// stops taking jobs, lets running ones finish for Config.ShutdownGrace,
// cancels the rest (they are retried later) and returns.
//
// Jobs with the same Key run one at a time, in stream order. A Supersedes job
// skips older waiting Supersedes jobs of its key and cancels a running one.
func (q *Queue) Run(ctx context.Context, workers int, h Handler) error {
	if workers <= 0 {
		workers = 1
	}
	it, err := q.cons.Messages(jetstream.PullMaxMessages(min(q.cfg.MaxAckPending, 4*workers+64)))
	if err != nil {
		return fmt.Errorf("consume %s: %w", q.cfg.Stream, err)
	}
	workCtx, stopWork := context.WithCancelCause(context.WithoutCancel(ctx))
	defer stopWork(ErrShutdown)
	r := &runner{
		q:       q,
		h:       h,
		owner:   nuid.Next(),
		workCtx: workCtx,
		sem:     make(chan struct{}, workers),
		keys:    map[string]*keyState{},
	}

	var bg sync.WaitGroup
	bgCtx, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	bg.Add(2)
	go func() { defer bg.Done(); r.heartbeat(bgCtx) }()
	go func() { defer bg.Done(); r.watchLatest(bgCtx) }()
	stopIter := context.AfterFunc(ctx, it.Stop)
	defer stopIter()

	for {
		msg, err := it.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) || ctx.Err() != nil {
				break
			}
			if errors.Is(err, nats.ErrConnectionClosed) {
				r.shutdown(ctx, stopWork)
				stopBG()
				bg.Wait()
				return fmt.Errorf("consume %s: %w", q.cfg.Stream, err)
			}
			// Missed heartbeats and reconnects are transient: the iterator
			// keeps pulling. Pause so a persistent error does not spin.
			q.log.WarnContext(ctx, "queue consumer", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
			continue
		}
		r.accept(ctx, msg)
	}

	r.shutdown(ctx, stopWork)
	stopBG()
	bg.Wait()
	return nil
}

type runner struct {
	q       *Queue
	h       Handler
	owner   string // identifies this process in lock values
	workCtx context.Context
	sem     chan struct{}
	wg      sync.WaitGroup

	mu      sync.Mutex
	keys    map[string]*keyState
	closing bool
}

type keyState struct {
	running *entry
	pending []*entry
}

type entry struct {
	msg    jetstream.Msg
	job    Job
	cancel context.CancelCauseFunc // set once running
}

func (r *runner) accept(ctx context.Context, msg jetstream.Msg) {
	log := r.q.log
	j, err := decode(msg.Headers(), msg.Data())
	if err != nil {
		log.ErrorContext(ctx, "drop malformed job", "subject", msg.Subject(), "error", err)
		_ = msg.TermWithReason("malformed")
		return
	}
	md, err := msg.Metadata()
	if err != nil {
		log.ErrorContext(ctx, "drop job without metadata", "delivery", j.ID, "error", err)
		_ = msg.TermWithReason("no metadata")
		return
	}
	j.Seq = md.Sequence.Stream
	e := &entry{msg: msg, job: j}

	if j.Supersedes {
		newest, err := r.q.claimLatest(ctx, j.Key, j.Seq)
		if err != nil {
			log.WarnContext(ctx, "record newest job for key", "delivery", j.ID, "key", j.Key, "error", err)
		} else if !newest {
			r.skip(e)
			return
		}
	}

	var skipped []*entry
	r.mu.Lock()
	ks := r.keys[j.Key]
	if ks == nil {
		ks = &keyState{}
		r.keys[j.Key] = ks
	}
	if held := ks.find(j.Seq); held != nil {
		// Redelivered while this process holds it (a heartbeat was late):
		// keep one entry; a waiting one answers on the newest delivery.
		if held != ks.running {
			held.msg = msg
		}
		r.mu.Unlock()
		return
	}
	if j.Supersedes {
		kept := ks.pending[:0]
		for _, p := range ks.pending {
			if p.job.Supersedes && p.job.Seq < j.Seq {
				skipped = append(skipped, p)
			} else {
				kept = append(kept, p)
			}
		}
		ks.pending = kept
		if run := ks.running; run != nil && run.job.Supersedes && run.job.Seq < j.Seq && run.cancel != nil {
			run.cancel(ErrSuperseded)
		}
	}
	ks.insert(e)
	if ks.running == nil {
		r.startLocked(ks)
	}
	r.mu.Unlock()
	for _, s := range skipped {
		r.skip(s)
	}
}

// insert adds e to the waiting jobs, kept in stream order.
func (ks *keyState) insert(e *entry) {
	i := len(ks.pending)
	for i > 0 && ks.pending[i-1].job.Seq > e.job.Seq {
		i--
	}
	ks.pending = append(ks.pending, nil)
	copy(ks.pending[i+1:], ks.pending[i:])
	ks.pending[i] = e
}

func (ks *keyState) find(seq uint64) *entry {
	if ks.running != nil && ks.running.job.Seq == seq {
		return ks.running
	}
	for _, p := range ks.pending {
		if p.job.Seq == seq {
			return p
		}
	}
	return nil
}

// startLocked starts the next waiting job of ks; r.mu is held.
func (r *runner) startLocked(ks *keyState) {
	e := ks.pending[0]
	ks.pending = ks.pending[1:]
	ks.running = e
	ctx, cancel := context.WithCancelCause(r.workCtx)
	e.cancel = cancel
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel(nil)
		if !r.waitTurn(ctx, e) {
			return
		}
		r.work(ctx, e)
		r.finish(e)
	}()
}

// waitTurn waits while an earlier job of e's key is still in the stream. It
// reports false when e is not to run now: an earlier job of the key arrived
// here meanwhile and runs first (e waits again behind it), or e's context
// ended (e is settled).
func (r *runner) waitTurn(ctx context.Context, e *entry) bool {
	wait := 50 * time.Millisecond
	for {
		r.mu.Lock()
		if r.closing {
			r.mu.Unlock()
			r.settleCancelled(ctx, e, r.q.log.With("delivery", e.job.ID, "event", e.job.Event, "key", e.job.Key))
			r.finish(e)
			return false
		}
		if ks := r.keys[e.job.Key]; len(ks.pending) > 0 && ks.pending[0].job.Seq < e.job.Seq {
			ks.running = nil
			ks.insert(e)
			r.startLocked(ks)
			r.mu.Unlock()
			return false
		}
		r.mu.Unlock()
		earlier, err := r.q.earlier(ctx, e.job)
		if err == nil && !earlier {
			return true
		}
		if err != nil && ctx.Err() == nil {
			r.q.log.WarnContext(ctx, "look for earlier jobs of the key", "delivery", e.job.ID, "key", e.job.Key, "error", err)
		}
		select {
		case <-ctx.Done():
			r.settleCancelled(ctx, e, r.q.log.With("delivery", e.job.ID, "event", e.job.Event, "key", e.job.Key))
			r.finish(e)
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

func (r *runner) finish(e *entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ks := r.keys[e.job.Key]
	ks.running = nil
	if len(ks.pending) > 0 && !r.closing {
		r.startLocked(ks)
		return
	}
	if len(ks.pending) == 0 {
		delete(r.keys, e.job.Key)
	}
}

func (r *runner) work(ctx context.Context, e *entry) {
	log := r.q.log.With("delivery", e.job.ID, "event", e.job.Event, "key", e.job.Key)
	select {
	case r.sem <- struct{}{}:
		defer func() { <-r.sem }()
	case <-ctx.Done():
		r.settleCancelled(ctx, e, log)
		return
	}
	lock, err := r.q.lock(ctx, e.job.Key, r.owner)
	if err != nil {
		if ctx.Err() != nil {
			r.settleCancelled(ctx, e, log)
			return
		}
		log.WarnContext(ctx, "lock key", "error", err)
		r.handBack(e, err, log)
		return
	}
	defer func() {
		if rerr := lock.release(context.WithoutCancel(ctx)); rerr != nil {
			log.WarnContext(ctx, "release key lock", "error", rerr)
		}
	}()

	made, err := r.q.attempts(ctx, e.job.Seq)
	if err == nil && made >= r.q.cfg.MaxDeliver {
		// Earlier attempts never settled (the process died or hung):
		// give up rather than crash forever.
		r.giveUp(e, ErrTooManyDeliveries)
		return
	}
	if err == nil {
		err = r.q.setAttempts(ctx, e.job.Seq, made+1)
	}
	if err != nil {
		if ctx.Err() != nil {
			r.settleCancelled(ctx, e, log)
			return
		}
		log.WarnContext(ctx, "count attempt", "error", err)
		r.handBack(e, err, log)
		return
	}
	e.job.Attempt = made + 1
	log = log.With("attempt", e.job.Attempt)

	stopRefresh := r.keepLock(ctx, lock, e, log)
	err = r.call(ctx, e.job)
	stopRefresh()

	// uncount takes back an attempt that was not the job's doing.
	uncount := func() {
		if cerr := r.q.setAttempts(context.WithoutCancel(ctx), e.job.Seq, made); cerr != nil {
			log.WarnContext(ctx, "take back attempt", "error", cerr)
		}
	}
	until, parked := retryAt(err)
	switch {
	case err == nil:
		if aerr := e.msg.DoubleAck(context.WithoutCancel(ctx)); aerr != nil {
			// The work is done; a redelivery will find it done.
			log.WarnContext(ctx, "ack job", "error", aerr)
		}
		r.forgetAttempts(e)
	case ctx.Err() != nil:
		if !errors.Is(context.Cause(ctx), ErrSuperseded) {
			uncount()
		}
		r.settleCancelled(ctx, e, log)
	case parked:
		uncount()
		d := max(time.Until(until), 10*time.Millisecond)
		log.InfoContext(ctx, "job parked", "until", until.UTC().Format(time.RFC3339), "retry_in", d.String(), "error", err)
		if nerr := e.msg.NakWithDelay(d); nerr != nil {
			log.WarnContext(ctx, "nak parked job", "error", nerr)
		}
	case IsPermanent(err):
		r.giveUp(e, err)
	default:
		r.retry(e, err, log)
	}
}

// handBack returns a job that could not be attempted (the queue's own state
// was unreachable) for a later delivery, without counting an attempt.
func (r *runner) handBack(e *entry, err error, log *slog.Logger) {
	d := r.q.cfg.backoff(1)
	log.Warn("job not attempted, handed back", "error", err, "retry_in", d.String())
	if nerr := e.msg.NakWithDelay(d); nerr != nil {
		log.Warn("nak job", "error", nerr)
	}
}

func (r *runner) forgetAttempts(e *entry) {
	if err := r.q.setAttempts(context.WithoutCancel(r.workCtx), e.job.Seq, 0); err != nil {
		r.q.log.Warn("forget attempts", "delivery", e.job.ID, "error", err)
	}
}

// keepLock refreshes the key lock while the job runs and cancels the job if
// the lock is lost (another replica may then run the key).
func (r *runner) keepLock(ctx context.Context, l *keyLock, e *entry, log *slog.Logger) (stop func()) {
	return l.keep(ctx, r.owner, r.q.cfg.LockTTL, func(err error) {
		log.WarnContext(ctx, "key lock lost", "error", err)
		e.cancel(err)
	})
}

func (r *runner) call(ctx context.Context, j Job) (err error) {
	if r.q.cfg.JobTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, r.q.cfg.JobTimeout, ErrJobTimeout)
		defer cancel()
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v\n%s", p, debug.Stack())
		}
	}()
	return r.h.Handle(ctx, j)
}

func (r *runner) settleCancelled(ctx context.Context, e *entry, log *slog.Logger) {
	cause := context.Cause(ctx)
	if errors.Is(cause, ErrSuperseded) {
		log.InfoContext(ctx, "job superseded by a newer one")
		if err := e.msg.DoubleAck(context.WithoutCancel(ctx)); err != nil {
			log.WarnContext(ctx, "ack superseded job", "error", err)
		}
		r.forgetAttempts(e)
		return
	}
	// Shutdown or a lost lock: hand the job back for a prompt redelivery.
	log.InfoContext(ctx, "job handed back", "cause", cause)
	_ = e.msg.Nak()
}

func (r *runner) retry(e *entry, err error, log *slog.Logger) {
	if e.job.Attempt >= r.q.cfg.MaxDeliver {
		r.giveUp(e, err)
		return
	}
	d := r.q.cfg.backoff(e.job.Attempt)
	log.Warn("job failed, will retry", "error", err, "retry_in", d.String())
	if nerr := e.msg.NakWithDelay(d); nerr != nil {
		log.Warn("nak job", "error", nerr)
	}
}

func (r *runner) giveUp(e *entry, err error) {
	ctx := r.workCtx
	r.q.log.ErrorContext(ctx, "job given up", "delivery", e.job.ID, "event", e.job.Event, "key", e.job.Key,
		"attempt", e.job.Attempt, "error", err)
	if g, ok := r.h.(GiveUpper); ok {
		func() {
			defer func() {
				if p := recover(); p != nil {
					r.q.log.ErrorContext(ctx, "give-up hook panic", "delivery", e.job.ID, "panic", fmt.Sprint(p))
				}
			}()
			g.GiveUp(ctx, e.job, err)
		}()
	}
	r.q.forget(ctx, e.job.ID)
	r.forgetAttempts(e)
	if terr := e.msg.TermWithReason("given up after attempt " + strconv.Itoa(e.job.Attempt)); terr != nil {
		r.q.log.WarnContext(ctx, "terminate job", "delivery", e.job.ID, "error", terr)
	}
}

func (r *runner) skip(e *entry) {
	r.q.log.Info("job skipped: superseded by a newer one", "delivery", e.job.ID, "key", e.job.Key, "seq", e.job.Seq)
	if err := e.msg.DoubleAck(r.workCtx); err != nil {
		r.q.log.Warn("ack skipped job", "delivery", e.job.ID, "error", err)
	}
	r.forgetAttempts(e)
}

// heartbeat tells the server that every job this process holds, running or
// waiting for its key, is still in progress, so none is redelivered while
// this process is alive.
func (r *runner) heartbeat(ctx context.Context) {
	t := time.NewTicker(r.q.cfg.AckWait / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		var held []jetstream.Msg
		for _, ks := range r.keys {
			if ks.running != nil {
				held = append(held, ks.running.msg)
			}
			for _, p := range ks.pending {
				held = append(held, p.msg)
			}
		}
		r.mu.Unlock()
		for _, m := range held {
			_ = m.InProgress()
		}
	}
}

// watchLatest cancels a running Supersedes job when another replica records
// a newer job for its key.
func (r *runner) watchLatest(ctx context.Context) {
	w, err := r.q.latest.WatchAll(ctx, jetstream.UpdatesOnly())
	if err != nil {
		r.q.log.WarnContext(ctx, "watch newest jobs", "error", err)
		return
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return
		case kve, ok := <-w.Updates():
			if !ok {
				return
			}
			if kve == nil || kve.Operation() != jetstream.KeyValuePut {
				continue
			}
			key, ok := fromKVKey(kve.Key())
			if !ok {
				continue
			}
			seq, err := strconv.ParseUint(string(kve.Value()), 10, 64)
			if err != nil {
				continue
			}
			r.mu.Lock()
			if ks := r.keys[key]; ks != nil && ks.running != nil && ks.running.job.Supersedes &&
				ks.running.job.Seq < seq && ks.running.cancel != nil {
				ks.running.cancel(ErrSuperseded)
			}
			r.mu.Unlock()
		}
	}
}

// shutdown stops starting jobs, hands waiting ones back, and waits for
// running ones up to the grace period before cancelling them.
func (r *runner) shutdown(ctx context.Context, stopWork context.CancelCauseFunc) {
	r.mu.Lock()
	r.closing = true
	var waiting []*entry
	for _, ks := range r.keys {
		waiting = append(waiting, ks.pending...)
		ks.pending = nil
	}
	r.mu.Unlock()
	for _, e := range waiting {
		_ = e.msg.Nak()
	}
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(r.q.cfg.ShutdownGrace):
	}
	r.q.log.WarnContext(ctx, "cancelling running jobs after the shutdown grace period", "grace", r.q.cfg.ShutdownGrace.String())
	stopWork(ErrShutdown)
	<-done
}
