// Command kilneval loads a repository and evaluates the built-in policy
// bundle over it with kiln's engine, in one process, and prints the time
// taken by each stage: the kiln side of bench/policy/run.sh.
//
//	go run ./bench/policy/kilneval DIR
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/policy"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kilneval DIR")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "kilneval:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir string) error {
	start := time.Now()
	repo, loadFindings, err := loader.Load(ctx, os.DirFS(dir), loader.Options{})
	if err != nil {
		return err
	}
	loaded := time.Now()
	engine, err := policy.New(ctx, policy.Options{Builtin: true, Config: repo.Config})
	if err != nil {
		return err
	}
	prepared := time.Now()
	fs, err := engine.Evaluate(ctx, repo)
	if err != nil {
		return err
	}
	done := time.Now()
	failing, _ := finding.Count(fs, repo.Config.Policy.FailThreshold())
	fmt.Printf("kiln: %d documents, %d loader findings, %d policy findings (%d failing)\n", len(repo.Resources), len(loadFindings), len(fs), failing)
	fmt.Printf("kiln: load %s, compile+prepare %s, evaluate %s (%.0f µs/document), total %s\n",
		loaded.Sub(start).Round(time.Millisecond), prepared.Sub(loaded).Round(time.Millisecond),
		done.Sub(prepared).Round(time.Millisecond), float64(done.Sub(prepared).Microseconds())/float64(max(len(repo.Resources), 1)),
		done.Sub(start).Round(time.Millisecond))
	return nil
}
