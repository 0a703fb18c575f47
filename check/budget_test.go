package check

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/internal/testgen"
)

func TestBudgetReservations(t *testing.T) {
	ctx := context.Background()
	b := NewBudget(100)
	r1, err := b.Reserve(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	go func() {
		r2, err := b.Reserve(ctx, 60) // waits for r1
		if err == nil {
			close(got)
			r2()
		}
	}()
	select {
	case <-got:
		t.Fatal("a reservation past the budget did not wait")
	case <-time.After(100 * time.Millisecond):
	}
	r1()
	r1() // a second release is harmless
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("a waiting reservation did not get the freed room")
	}

	// One load larger than the whole budget runs, alone.
	big, err := b.Reserve(ctx, 1000)
	if err != nil || b.InUse() != 100 {
		t.Fatalf("oversized reservation: %v, in use %d, want the whole budget", err, b.InUse())
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := b.Reserve(cctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Reserve on a full budget after its context ended: %v", err)
	}
	big()
	if b.InUse() != 0 {
		t.Fatalf("in use %d after every release", b.InUse())
	}
}

// Runs of one Checker share its budget: a run waits while the budget is
// taken, so concurrent jobs of large repositories load one after another.
func TestRunWaitsForTheBudget(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	c.budget = NewBudget(1 << 20)
	held, err := c.budget.Reserve(context.Background(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	repo := testgen.Repository(20, 4, 2)
	if estimate(repo) < 1<<10 {
		t.Fatalf("estimate %d of a repository of %d files", estimate(repo), len(repo))
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(context.Background(), Input{Head: repo})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Run finished (%v) while the budget was taken", err)
	case <-time.After(200 * time.Millisecond):
	}
	held()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not go on once the budget was free")
	}
	if c.budget.InUse() != 0 {
		t.Fatalf("Run left %d bytes reserved", c.budget.InUse())
	}
}
