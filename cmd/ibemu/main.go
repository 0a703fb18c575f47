// Command ibemu serves the EC2 Image Builder emulator (imagebuilder/ibtest)
// on its own, for trying kiln without an AWS account and for users' own
// integration tests. Point any AWS SDK or the AWS CLI at the URL it prints
// as the first line on standard output:
//
//	go run ./cmd/ibemu -clock 60 &
//	AWS_ENDPOINT_URL=http://127.0.0.1:PORT AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
//	  AWS_REGION=us-east-1 kiln check --env staging examples
//
// It answers Image Builder, SSM parameters and STS AssumeRole, checks every
// request against AWS's published service models and logs each violation
// to standard error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run serves until ctx ends; 2 is a usage error, 1 a failure to serve.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ibemu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	account := fs.String("account", "123456789012", "account id that owns the emulated resources")
	region := fs.String("region", "us-east-1", "region the ARNs carry")
	clock := fs.Float64("clock", 1, "virtual seconds per real second (60: a 30-minute build takes 30 seconds)")
	strict := fs.Bool("strict-component-versions", false, "refuse a repeated component version, as the service did before auto-versioning")
	listLag := fs.Duration("list-lag", 0, "virtual time before a new resource shows in List calls (the service documents up to 2m)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ibemu: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *clock < 0 {
		fmt.Fprintln(stderr, "ibemu: -clock must not be negative")
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	opts := []ibtest.Option{ibtest.WithAccount(*account), ibtest.WithRegion(*region),
		ibtest.WithClockRate(*clock), ibtest.WithListLag(*listLag)}
	if *strict {
		opts = append(opts, ibtest.WithStrictComponentVersions())
	}
	emu := ibtest.NewHandler(opts...)

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "ibemu: listen %s: %v\n", *listen, err)
		return 1
	}
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())
	srv := &http.Server{
		Handler:           reportViolations(emu, log),
		ReadHeaderTimeout: 10 * time.Second,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	log.Info("serving", "endpoint", "http://"+ln.Addr().String(), "account", *account, "region", *region, "clock", *clock)
	select {
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
		return 0
	case err := <-done:
		if errors.Is(err, http.ErrServerClosed) {
			return 0
		}
		fmt.Fprintf(stderr, "ibemu: serve: %v\n", err)
		return 1
	}
}

// reportViolations logs, after each request, what it broke of the model.
func reportViolations(emu *ibtest.Server, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		emu.ServeHTTP(w, r)
		for _, v := range emu.TakeViolations() {
			log.Warn("request breaks the service model", "violation", v.String())
		}
	})
}
