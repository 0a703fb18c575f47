package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/kiln-gitops/kiln/imagebuilder"
	"github.com/kiln-gitops/kiln/imagebuilder/ibtest"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/reconciler"
)

// TestImportRoundTrip: the examples (every one of the eight kinds) applied
// to the emulator, imported back with --all, check clean, and a plan of the
// import against the same environment has nothing to do, field by field.
func TestImportRoundTrip(t *testing.T) {
	srv := ibtest.Start(t, ibtest.WithAccount("111111111111"))
	noAWS(t)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAKILNTESTBASEKEY1")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "kiln-test-secret")
	ctx := context.Background()

	examples, _, err := loader.Load(ctx, os.DirFS("../../examples"), loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := examples.Config.Environments.Get("staging")
	env.RoleArn = ""
	cfg := aws.Config{Region: env.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIAKILNTESTBASEKEY1", "kiln-test-secret", "")}
	client := imagebuilder.New(cfg, env, imagebuilder.WithEndpoint(srv.URL()), imagebuilder.WithRetry(8, time.Millisecond))
	live, err := client.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reconciler.Apply(ctx, client, examples, reconciler.Build(env, examples, live), reconciler.ApplyMeta{Repo: "acme/images", Commit: "c0ffee"}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	code, out, errOut := kiln(t, "import", "--env", "staging", "--account", env.Account, "--region", env.Region, "--all", "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	res := checkClean(t, dir)
	kinds := map[string]int{}
	for _, r := range res.Head.Resources {
		kinds[string(r.Kind)]++
	}
	if len(res.Head.Resources) != len(examples.Resources) || len(kinds) != 8 {
		t.Errorf("imported %d resources of %d kinds (%v), want the examples' %d of all 8", len(res.Head.Resources), len(kinds), kinds, len(examples.Resources))
	}

	live, err = client.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan := reconciler.Build(env, res.Head, live)
	specs, err := client.LiveSpecs(ctx, live, live)
	if err != nil {
		t.Fatal(err)
	}
	reconciler.CompareFields(res.Head, plan, specs)
	for _, c := range plan.Changes {
		// The service keeps exact versions only, so the example lifecycle
		// policy's recipe selection 1.x.x comes back as the 1.4.0 it
		// resolved to, which is the same content (EffectiveDigest).
		if c.Action != reconciler.ActionUnchanged {
			t.Errorf("%s: %s (%s)", c.ID(), c.Action, c.Reason)
		}
	}
	if got := res.Head.Get("LifecyclePolicy", "al2023-base-retention"); got == nil ||
		!strings.Contains(snapshot(t, dir)["lifecycle/al2023-base-retention.yaml"], "version: 1.4.0") {
		t.Error("the lifecycle policy's recipe selection is not the version it resolved to")
	}
	if t.Failed() {
		for p, s := range snapshot(t, dir) {
			t.Logf("== %s\n%s", p, s)
		}
	}
}
