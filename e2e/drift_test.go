package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"

	"github.com/kiln-gitops/kiln/gh/ghtest"
)

const (
	driftCheck = "kiln/drift (staging)"
	// Generous: waits poll, so a loaded CI machine costs time, not a failure.
	driftTimeout = 60 * time.Second
)

// withDrift is examples/ with drift detection set to mode for staging and
// no bakes on merge, which this test has no use for.
func withDrift(t testing.TB, files map[string]string, mode string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range files {
		out[k] = v
	}
	cfg := replace(t, files[".kiln.yaml"], "    branch: main\n", "    branch: main\n    drift: "+mode+"\n")
	out[".kiln.yaml"] = replace(t, cfg, "onMerge: true", "onMerge: false")
	return out
}

// infra reads the build-ami infrastructure configuration: its instance
// types and its kiln:digest tag.
func (w *world) infra(t *testing.T) (arn string, types []string, digest string) {
	t.Helper()
	ctx := context.Background()
	c := w.ibClient()
	list, err := c.ListInfrastructureConfigurations(ctx, &ib.ListInfrastructureConfigurationsInput{})
	if err != nil {
		t.Fatalf("ListInfrastructureConfigurations: %v", err)
	}
	for _, s := range list.InfrastructureConfigurationSummaryList {
		if aws.ToString(s.Name) == "build-ami" {
			arn = aws.ToString(s.Arn)
		}
	}
	if arn == "" {
		t.Fatal("no build-ami infrastructure configuration in the environment")
	}
	got, err := c.GetInfrastructureConfiguration(ctx, &ib.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetInfrastructureConfiguration: %v", err)
	}
	ic := got.InfrastructureConfiguration
	return arn, ic.InstanceTypes, ic.Tags["kiln:digest"]
}

// tamper changes build-ami behind kiln's back, as an operator in the
// console would, and returns the digest kiln had written.
func (w *world) tamper(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	c := w.ibClient()
	arn, _, digest := w.infra(t)
	got, err := c.GetInfrastructureConfiguration(ctx, &ib.GetInfrastructureConfigurationInput{InfrastructureConfigurationArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetInfrastructureConfiguration: %v", err)
	}
	ic := got.InfrastructureConfiguration
	_, err = c.UpdateInfrastructureConfiguration(ctx, &ib.UpdateInfrastructureConfigurationInput{
		InfrastructureConfigurationArn: aws.String(arn),
		InstanceProfileName:            ic.InstanceProfileName,
		InstanceTypes:                  []string{"t3.nano"},
		SubnetId:                       ic.SubnetId,
		SecurityGroupIds:               ic.SecurityGroupIds,
		ClientToken:                    aws.String("e2e-tamper-" + digest[:8]),
	})
	if err != nil {
		t.Fatalf("UpdateInfrastructureConfiguration: %v", err)
	}
	if _, err := c.TagResource(ctx, &ib.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"kiln:digest": "tampered"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	return digest
}

// driftRun waits for the drift check run on sha to be completed with a
// title containing want.
func (w *world) driftRun(sha, want string) ghtest.CheckRun {
	w.t.Helper()
	var run ghtest.CheckRun
	w.waitFor(driftTimeout, "a drift check run saying "+want+" on "+sha[:7], func() bool {
		cr, ok := w.completed(sha, driftCheck)
		run = cr
		return ok && strings.Contains(cr.Title, want)
	}, w.describeChecks)
	return run
}

// Drift detection in warn mode reports a change made behind kiln's back
// once, on the branch head, without touching it; switched to correct mode
// it puts the resource back.
func TestDriftIsReportedThenCorrected(t *testing.T) {
	w := newWorld(t, "KILN_DRIFT_INTERVAL=300ms")
	files := exampleFiles(t)
	base := w.gh.Commit(owner, repoName, "main", withDrift(t, files, "warn"))
	w.start()
	w.mustPost(w.pushEvent("main", strings.Repeat("0", 40), base, "Initial import of the golden images"))
	if run := w.waitChecks(checkTimeout, base, bakeCheck)[bakeCheck]; run.Conclusion != "success" {
		t.Fatalf("applying main: %s %q\n%s", run.Conclusion, run.Title, run.Summary)
	}
	if run := w.driftRun(base, "No drift"); run.Conclusion != "success" {
		t.Fatalf("drift check before any change: %s %q", run.Conclusion, run.Title)
	}

	applied := w.tamper(t)
	run := w.driftRun(base, "Drift in staging")
	if run.Conclusion != "neutral" {
		t.Errorf("drift in warn mode concluded %q, want neutral", run.Conclusion)
	}
	if !strings.Contains(run.Summary, "InfrastructureConfiguration/build-ami") || !strings.Contains(run.Summary, "update") {
		t.Errorf("the drift report does not name the changed resource:\n%s", run.Summary)
	}
	// Warn mode leaves the environment alone, and an unchanged drift is
	// not posted again on every interval.
	updates := run.Updates
	time.Sleep(1200 * time.Millisecond)
	if _, types, digest := w.infra(t); digest != "tampered" || len(types) != 1 || types[0] != "t3.nano" {
		t.Errorf("warn mode changed the environment: instance types %v, digest %q", types, digest)
	}
	if runs := w.runs(base, driftCheck); len(runs) != 1 || runs[0].Updates != updates {
		t.Errorf("steady drift was reported again: %d runs, updates %d → %v", len(runs), updates, runs)
	}

	// Correct mode: the merge that turns it on applies (and so restores)
	// the environment; a later change is put back by drift detection.
	head := w.gh.Commit(owner, repoName, "main", map[string]string{".kiln.yaml": withDrift(t, files, "correct")[".kiln.yaml"]})
	w.mustPost(w.pushEvent("main", base, head, "Correct drift in staging"))
	if run := w.waitChecks(checkTimeout, head, bakeCheck)[bakeCheck]; run.Conclusion != "success" {
		t.Fatalf("applying the switch to correct: %s %q\n%s", run.Conclusion, run.Title, run.Summary)
	}
	w.idle()
	if _, _, digest := w.infra(t); digest != applied {
		t.Fatalf("the merge did not restore build-ami: digest %q, want %q", digest, applied)
	}
	w.tamper(t)
	// The merge's own apply and a drift round may both have run by now, so
	// a "corrected" report can already be on head: wait for the environment
	// to be put back, not for the title.
	restored := func() bool {
		_, types, digest := w.infra(t)
		return digest == applied && len(types) == 1 && types[0] == "m7i.large"
	}
	w.waitFor(driftTimeout, "build-ami restored by drift correction", restored, func() string {
		_, types, digest := w.infra(t)
		return fmt.Sprintf("instance types %v, digest %q, want m7i.large and %q", types, digest, applied)
	})
	run = w.driftRun(head, "corrected")
	if run.Conclusion != "success" || !strings.Contains(run.Summary, "InfrastructureConfiguration/build-ami") {
		t.Errorf("correction report: %s %q\n%s", run.Conclusion, run.Title, run.Summary)
	}
}
