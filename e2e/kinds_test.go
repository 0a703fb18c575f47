package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/gh/ghtest"
)

// The example repository's workflow and lifecycle policy.
const (
	exampleWorkflow  = "build-with-approval"
	exampleLifecycle = "al2023-base-retention"
)

// opLog records the Image Builder operations kiln sent that succeeded, in
// the order they were answered, by standing between kiln and the emulator.
type opLog struct {
	mu  sync.Mutex
	ops []string
}

// recordOps puts a recorder in front of w's Image Builder emulator and
// points the kiln processes w starts from now on at it; STS and SSM still
// go straight to the emulator.
func (w *world) recordOps() *opLog {
	w.t.Helper()
	target, err := url.Parse(w.ib.URL())
	if err != nil {
		w.t.Fatal(err)
	}
	log := &opLog{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.StatusCode/100 == 2 {
			log.mu.Lock()
			log.ops = append(log.ops, strings.Trim(resp.Request.URL.Path, "/"))
			log.mu.Unlock()
		}
		return nil
	}
	srv := httptest.NewServer(proxy)
	w.t.Cleanup(srv.Close)
	w.extraEnv = append(w.extraEnv, "AWS_ENDPOINT_URL_IMAGEBUILDER="+srv.URL)
	return log
}

// first is the position of the first successful op, or -1.
func (l *opLog) first(op string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Index(l.ops, op)
}

// last is the position of the last successful op, or -1.
func (l *opLog) last(op string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.ops) - 1; i >= 0; i-- {
		if l.ops[i] == op {
			return i
		}
	}
	return -1
}

// noBakes is examples/ with no bakes on merge: these tests look at what
// apply writes, not at images.
func noBakes(t testing.TB) map[string]string {
	t.Helper()
	files := exampleFiles(t)
	files[".kiln.yaml"] = replace(t, files[".kiln.yaml"], "onMerge: true", "onMerge: false")
	return files
}

// applyMain pushes sha as main's first commit and waits for its apply.
func (w *world) applyMain(sha string) {
	w.t.Helper()
	w.mustPost(w.pushEvent("main", strings.Repeat("0", 40), sha, "Initial import of the golden images"))
	if run := w.waitChecks(checkTimeout, sha, bakeCheck)[bakeCheck]; run.Conclusion != "success" {
		w.t.Fatalf("applying main: %s %q\n%s", run.Conclusion, run.Title, run.Summary)
	}
	w.idle()
}

// workflow reads the newest build of the example workflow's 1.0.0.
func (w *world) workflow(t *testing.T) *types.Workflow {
	t.Helper()
	ctx := context.Background()
	c := w.ibClient()
	list, err := c.ListWorkflows(ctx, &ib.ListWorkflowsInput{Owner: types.OwnershipSelf})
	if err != nil {
		t.Fatalf("ListWorkflows: %v", err)
	}
	var version string
	for _, v := range list.WorkflowVersionList {
		if aws.ToString(v.Name) == exampleWorkflow && aws.ToString(v.Version) == "1.0.0" {
			version = aws.ToString(v.Arn)
		}
	}
	if version == "" {
		t.Fatalf("no workflow %s 1.0.0 in the environment: %+v", exampleWorkflow, list.WorkflowVersionList)
	}
	builds, err := c.ListWorkflowBuildVersions(ctx, &ib.ListWorkflowBuildVersionsInput{WorkflowVersionArn: aws.String(version)})
	if err != nil || len(builds.WorkflowSummaryList) == 0 {
		t.Fatalf("ListWorkflowBuildVersions %s: %v (%d builds)", version, err, len(builds.WorkflowSummaryList))
	}
	newest := ""
	for _, b := range builds.WorkflowSummaryList {
		if a := aws.ToString(b.Arn); buildOf(a) > buildOf(newest) {
			newest = a
		}
	}
	got, err := c.GetWorkflow(ctx, &ib.GetWorkflowInput{WorkflowBuildVersionArn: aws.String(newest)})
	if err != nil {
		t.Fatalf("GetWorkflow %s: %v", newest, err)
	}
	return got.Workflow
}

// buildOf is the build number an ARN ends with, 0 for none.
func buildOf(arn string) int {
	n := 0
	fmt.Sscanf(arn[strings.LastIndex(arn, "/")+1:], "%d", &n)
	return n
}

// lifecyclePolicy reads the example lifecycle policy.
func (w *world) lifecyclePolicy(t *testing.T) *types.LifecyclePolicy {
	t.Helper()
	ctx := context.Background()
	c := w.ibClient()
	list, err := c.ListLifecyclePolicies(ctx, &ib.ListLifecyclePoliciesInput{})
	if err != nil {
		t.Fatalf("ListLifecyclePolicies: %v", err)
	}
	for _, s := range list.LifecyclePolicySummaryList {
		if aws.ToString(s.Name) != exampleLifecycle {
			continue
		}
		got, err := c.GetLifecyclePolicy(ctx, &ib.GetLifecyclePolicyInput{LifecyclePolicyArn: s.Arn})
		if err != nil {
			t.Fatalf("GetLifecyclePolicy: %v", err)
		}
		return got.LifecyclePolicy
	}
	t.Fatalf("no lifecycle policy %s in the environment", exampleLifecycle)
	return nil
}

// exampleDocument is the example workflow's document text.
func exampleDocument(t testing.TB) string {
	t.Helper()
	return exampleFiles(t)["workflows/"+exampleWorkflow+".workflow.yaml"]
}

// The example's workflow and lifecycle policy are applied in dependency
// order (the workflow before the pipeline that runs it, the policy after
// the recipes it selects), and `kiln import` reads them back: the imported
// repository checks clean and plans nothing to do against the environment.
func TestWorkflowAndLifecyclePolicyApplyInOrderAndImport(t *testing.T) {
	w := newWorld(t)
	ops := w.recordOps()
	base := w.gh.Commit(owner, repoName, "main", noBakes(t))
	w.start()
	w.applyMain(base)

	// Applied, tagged by kiln, with what the repository says.
	wf := w.workflow(t)
	if got, want := strings.TrimSpace(aws.ToString(wf.Data)), strings.TrimSpace(exampleDocument(t)); got != want {
		t.Errorf("the workflow's document is not the example's:\n%s\nwant:\n%s", got, want)
	}
	if wf.Type != types.WorkflowTypeBuild || wf.Tags["kiln:managed"] == "" || wf.Tags["kiln:digest"] == "" {
		t.Errorf("workflow type %s, tags %v: want BUILD with kiln's tags", wf.Type, wf.Tags)
	}
	lp := w.lifecyclePolicy(t)
	if lp.Status != types.LifecyclePolicyStatusEnabled || lp.Tags["kiln:digest"] == "" || len(lp.PolicyDetails) != 2 {
		t.Errorf("lifecycle policy status %s, %d rules, tags %v: want ENABLED, 2 rules and kiln's tags", lp.Status, len(lp.PolicyDetails), lp.Tags)
	}
	if rs := lp.ResourceSelection; rs == nil || len(rs.Recipes) != 1 || aws.ToString(rs.Recipes[0].Name) != "al2023-base" || aws.ToString(rs.Recipes[0].SemanticVersion) != "1.4.0" {
		t.Errorf("the lifecycle policy does not select recipe al2023-base 1.4.0 (1.x.x resolved): %+v", lp.ResourceSelection)
	}
	pl, ok := w.pipelines(t)["al2023-base"]
	if !ok || len(pl.Workflows) != 1 || !strings.Contains(aws.ToString(pl.Workflows[0].WorkflowArn), "workflow/build/"+exampleWorkflow+"/1.0.0") {
		t.Errorf("pipeline al2023-base does not run the example workflow: %+v", pl.Workflows)
	}

	// Dependency order, as Image Builder answered the creates.
	for _, c := range []struct{ before, after string }{
		{"CreateWorkflow", "CreateImagePipeline"},
		{"CreateImageRecipe", "CreateLifecyclePolicy"},
	} {
		last, first := ops.last(c.before), ops.first(c.after)
		if last < 0 || first < 0 || last > first {
			t.Errorf("the last %s (at %d) is not before the first %s (at %d)", c.before, last, c.after, first)
		}
	}

	// The team's own .kiln.yaml (its environments and policy settings)
	// stays; import writes the resources beside it.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".kiln.yaml"), []byte(noBakes(t)[".kiln.yaml"]), 0o644); err != nil {
		t.Fatal(err)
	}
	kilnCLI(t, w, 0, "import", "--env", "staging", "--account", stagingAccount, "--region", "us-east-1", "--all", "--out", dir)
	imported := importedResources(t, dir)
	examples := exampleResources(t)
	// The service keeps exact versions only: the policy's selection of
	// recipe al2023-base 1.x.x comes back as the 1.4.0 it resolved to.
	examples["LifecyclePolicy/"+exampleLifecycle].Spec["resourceSelection"] = map[string]any{
		"recipes": []any{map[string]any{"name": "al2023-base", "version": "1.4.0"}}}
	for _, id := range []string{"Workflow/" + exampleWorkflow + "@1.0.0", "LifecyclePolicy/" + exampleLifecycle} {
		got, ok := imported[id]
		if !ok {
			t.Errorf("the import wrote no %s; it wrote %v", id, slices.Sorted(maps.Keys(imported)))
			continue
		}
		want := examples[id]
		if g, w := jsonOf(got.Metadata), jsonOf(want.Metadata); g != w {
			t.Errorf("imported %s (%s) metadata:\n%s\nwant the example's:\n%s", id, got.path, g, w)
		}
		if g, w := jsonOf(got.Spec), jsonOf(want.Spec); g != w {
			t.Errorf("imported %s (%s) spec:\n%s\nwant the example's:\n%s", id, got.path, g, w)
		}
	}
	if wf, ok := imported["Workflow/"+exampleWorkflow+"@1.0.0"]; ok {
		document, _ := wf.Spec["document"].(string)
		doc, err := os.ReadFile(filepath.Join(filepath.Dir(wf.path), document))
		if err != nil {
			t.Fatalf("the imported workflow's document %q: %v", document, err)
		}
		if strings.TrimSpace(string(doc)) != strings.TrimSpace(exampleDocument(t)) {
			t.Errorf("the imported workflow document differs from the example's:\n%s", doc)
		}
	}

	kilnCLI(t, w, 0, "check", dir)
	out := kilnCLI(t, w, 0, "check", "--env", "staging", dir)
	if !strings.Contains(out, "0 to create,") || !strings.Contains(out, " 0 orphaned,") || !strings.Contains(out, " 0 errors") {
		t.Errorf("the plan of the imported repository creates, orphans or fails something:\n%s", out)
	}
	if line := lineWith(out, "Workflow/"+exampleWorkflow+"@1.0.0"); !strings.Contains(line, "unchanged") {
		t.Errorf("the plan of the imported repository has something to do for the workflow: %q\n%s", line, out)
	}
	// The import pins the lifecycle policy's 1.x.x to the 1.4.0 it resolved
	// to, which is the same content: nothing to do.
	if line := lineWith(out, "LifecyclePolicy/"+exampleLifecycle); !strings.Contains(line, "unchanged") {
		t.Errorf("the plan of the imported repository for the lifecycle policy: %q\n%s", line, out)
	}
}

// resourceFile is one resource file in kiln's layout, as plain values.
type resourceFile struct {
	path     string
	Kind     string         `yaml:"kind"`
	Metadata map[string]any `yaml:"metadata"`
	Spec     map[string]any `yaml:"spec"`
}

// importedResources reads the resource files under dir by ID.
func importedResources(t *testing.T, dir string) map[string]resourceFile {
	t.Helper()
	return resourceFiles(t, dir)
}

// exampleResources reads examples/ (without broken/) by ID.
func exampleResources(t *testing.T) map[string]resourceFile {
	t.Helper()
	return resourceFiles(t, filepath.Join(moduleRoot(), "examples"))
}

// resourceFiles reads the resource files under dir (not its documents,
// not broken/), keyed Kind/name[@version].
func resourceFiles(t *testing.T, dir string) map[string]resourceFile {
	t.Helper()
	out := map[string]resourceFile{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "broken" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".yaml") || d.Name() == ".kiln.yaml" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f := resourceFile{path: p}
		if err := yaml.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if f.Kind == "" {
			return nil // a document beside its resource
		}
		id := fmt.Sprintf("%s/%v", f.Kind, f.Metadata["name"])
		if v, ok := f.Metadata["version"]; ok {
			id += fmt.Sprintf("@%v", v)
		}
		out[id] = f
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	return out
}

// kilnCLI runs the kiln binary with w's AWS environment (the emulator,
// static credentials, nothing of the machine's) and requires exit code
// want; it returns stdout.
func kilnCLI(t *testing.T, w *world, want int, args ...string) string {
	t.Helper()
	cmd := exec.Command(kilnBin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, awsEnv(w.ib)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("kiln %s: %v", strings.Join(args, " "), err)
	}
	if code != want {
		t.Fatalf("kiln %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// Drift detection compares the workflow and the lifecycle policy field by
// field: an edit behind kiln's back that leaves the kiln:digest tag alone
// is reported with the fields that differ, live against desired. In correct
// mode a lifecycle policy is put back; a workflow version is immutable, so
// a hand-made build of it is an error kiln reports and does not touch.
func TestWorkflowAndLifecyclePolicyDriftByField(t *testing.T) {
	w := newWorld(t, "KILN_DRIFT_INTERVAL=300ms")
	files := exampleFiles(t)
	base := w.gh.Commit(owner, repoName, "main", withDrift(t, files, "warn"))
	w.start()
	w.applyMain(base)
	if run := w.driftRun(base, "No drift"); run.Conclusion != "success" {
		t.Fatalf("drift check before any change: %s %q\n%s", run.Conclusion, run.Title, run.Summary)
	}
	applied := w.lifecyclePolicy(t)

	// The lifecycle policy, edited as in the console: disabled, and its
	// deprecation moved from 90 to 30 days. Its tags stay as kiln wrote them.
	w.tamperLifecycle(t, applied, 30, "e2e-tamper-1")
	run := w.driftRun(base, "1 resource(s) differ")
	if run.Conclusion != "neutral" {
		t.Errorf("drift in warn mode concluded %q, want neutral", run.Conclusion)
	}
	line := lineWith(run.Summary, "LifecyclePolicy/"+exampleLifecycle)
	for _, want := range []string{"update", `spec.status (live "DISABLED", repository "ENABLED")`, "spec.policyDetails (live ", `"type":"AGE","unit":"DAYS","value":30}`, `"type":"AGE","unit":"DAYS","value":90}`} {
		if !strings.Contains(line, want) {
			t.Errorf("the drift report's line for the lifecycle policy lacks %q:\n%s", want, run.Summary)
		}
	}
	if got := w.lifecyclePolicy(t); got.Status != types.LifecyclePolicyStatusDisabled {
		t.Errorf("warn mode changed the lifecycle policy: status %s", got.Status)
	}

	// The workflow: a second build of 1.0.0 made by hand with another
	// approval timeout and kiln's tags copied over. A version is
	// immutable, so this is an error, named with the field.
	hand := w.handBuild(t, "e2e-hand-build-1")
	run = w.driftRun(base, "2 resource(s) differ")
	line = lineWith(run.Summary, "Workflow/"+exampleWorkflow+"@1.0.0")
	for _, want := range []string{"error", "immutable", "spec.data line ", "timeoutSeconds: 3600", "timeoutSeconds: 43200"} {
		if !strings.Contains(line, want) {
			t.Errorf("the drift report's line for the workflow lacks %q:\n%s", want, run.Summary)
		}
	}
	if !strings.Contains(run.Summary, "LifecyclePolicy/"+exampleLifecycle) {
		t.Errorf("the lifecycle policy's drift is no longer reported:\n%s", run.Summary)
	}
	// The hand-made build removed, the version is kiln's again.
	if _, err := w.ibClient().DeleteWorkflow(context.Background(), &ib.DeleteWorkflowInput{WorkflowBuildVersionArn: aws.String(hand)}); err != nil {
		t.Fatalf("DeleteWorkflow %s: %v", hand, err)
	}
	run = w.driftRun(base, "1 resource(s) differ")
	if strings.Contains(run.Summary, "Workflow/") {
		t.Errorf("the workflow is still reported after the hand-made build was deleted:\n%s", run.Summary)
	}

	// Correct mode puts the lifecycle policy back, also after a second
	// edit at the same commit.
	head := w.gh.Commit(owner, repoName, "main", map[string]string{".kiln.yaml": withDrift(t, files, "correct")[".kiln.yaml"]})
	w.mustPost(w.pushEvent("main", base, head, "Correct drift in staging"))
	if run := w.waitChecks(checkTimeout, head, bakeCheck)[bakeCheck]; run.Conclusion != "success" {
		t.Fatalf("applying the switch to correct: %s %q\n%s", run.Conclusion, run.Title, run.Summary)
	}
	w.waitRestored(t, applied)
	// The first correction is confirmed and recorded before the second
	// edit, which would otherwise land in its confirming read.
	w.driftRunWith(head, "the first correction", func(cr ghtest.CheckRun) bool {
		return strings.Contains(cr.Title, "staging corrected") && strings.Contains(cr.Summary, `"type":"AGE","unit":"DAYS","value":30}`)
	})
	w.tamperLifecycle(t, applied, 45, "e2e-tamper-2")
	w.waitRestored(t, applied)
	run = w.driftRunWith(head, "the second correction", func(cr ghtest.CheckRun) bool {
		return strings.Contains(cr.Title, "staging corrected") && strings.Contains(cr.Summary, `"type":"AGE","unit":"DAYS","value":45}`)
	})
	if run.Conclusion != "success" || !strings.Contains(lineWith(run.Summary, "LifecyclePolicy/"+exampleLifecycle), `spec.status (live "DISABLED", repository "ENABLED")`) {
		t.Errorf("correction report: %s %q\n%s", run.Conclusion, run.Title, run.Summary)
	}
	if got := w.lifecyclePolicy(t); got.Tags["kiln:digest"] != applied.Tags["kiln:digest"] {
		t.Errorf("the correction changed the digest tag: %q, want %q", got.Tags["kiln:digest"], applied.Tags["kiln:digest"])
	}

	// A hand-made build of the workflow version is not corrected: kiln
	// cannot change a version, and deleting what someone built is not its
	// call. It says so and leaves the build alone.
	hand = w.handBuild(t, "e2e-hand-build-2")
	run = w.driftRunWith(head, "the workflow's drift refused", func(cr ghtest.CheckRun) bool {
		return strings.Contains(cr.Title, "not corrected")
	})
	if run.Conclusion != "failure" || !strings.Contains(run.Title, "the plan has errors") ||
		!strings.Contains(lineWith(run.Summary, "Workflow/"+exampleWorkflow+"@1.0.0"), "spec.data line ") {
		t.Errorf("report of an uncorrectable workflow drift: %s %q\n%s", run.Conclusion, run.Title, run.Summary)
	}
	if got := w.workflow(t); aws.ToString(got.Arn) != hand {
		t.Errorf("the newest workflow build is %s, want the hand-made %s left alone", aws.ToString(got.Arn), hand)
	}
}

// handBuild makes a second build of the example workflow's 1.0.0 by hand,
// with another approval timeout and kiln's tags copied over, and returns
// its ARN.
func (w *world) handBuild(t *testing.T, token string) string {
	t.Helper()
	wf := w.workflow(t)
	// Later than kiln's build, as it would be: kiln takes a version's
	// builds as unchanged while the version's date is.
	w.ib.Advance(time.Minute)
	edited := replace(t, aws.ToString(wf.Data), "timeoutSeconds: 43200", "timeoutSeconds: 3600")
	out, err := w.ibClient().CreateWorkflow(context.Background(), &ib.CreateWorkflowInput{
		Name: wf.Name, SemanticVersion: aws.String("1.0.0"), Type: wf.Type, Description: wf.Description,
		ChangeDescription: wf.ChangeDescription, Data: aws.String(edited), Tags: wf.Tags, ClientToken: aws.String(token),
	})
	if err != nil {
		t.Fatalf("CreateWorkflow by hand: %v", err)
	}
	arn := aws.ToString(out.WorkflowBuildVersionArn)
	if buildOf(arn) != 2 {
		t.Fatalf("the hand-made workflow is %s, want build 2", arn)
	}
	return arn
}

// driftRunWith waits for the drift check run on sha to be completed and
// to satisfy ok; what says what is awaited.
func (w *world) driftRunWith(sha, what string, ok func(ghtest.CheckRun) bool) ghtest.CheckRun {
	w.t.Helper()
	var run ghtest.CheckRun
	w.waitFor(driftTimeout, what+" reported on "+sha[:7], func() bool {
		cr, done := w.completed(sha, driftCheck)
		run = cr
		return done && ok(cr)
	}, w.describeChecks)
	return run
}

// tamperLifecycle disables the lifecycle policy and moves its first rule
// to days through the API, leaving its tags alone.
func (w *world) tamperLifecycle(t *testing.T, lp *types.LifecyclePolicy, days int32, token string) {
	t.Helper()
	details := slices.Clone(lp.PolicyDetails)
	f := *details[0].Filter
	f.Value = aws.Int32(days)
	details[0].Filter = &f
	_, err := w.ibClient().UpdateLifecyclePolicy(context.Background(), &ib.UpdateLifecyclePolicyInput{
		LifecyclePolicyArn: lp.Arn, Description: lp.Description, ExecutionRole: lp.ExecutionRole,
		ResourceType: lp.ResourceType, Status: types.LifecyclePolicyStatusDisabled,
		PolicyDetails: details, ResourceSelection: lp.ResourceSelection, ClientToken: aws.String(token),
	})
	if err != nil {
		t.Fatalf("UpdateLifecyclePolicy: %v", err)
	}
}

// waitRestored waits until the lifecycle policy is as kiln applied it.
func (w *world) waitRestored(t *testing.T, want *types.LifecyclePolicy) {
	t.Helper()
	wantDetails := jsonOf(want.PolicyDetails)
	var got *types.LifecyclePolicy
	w.waitFor(driftTimeout, "the lifecycle policy restored by drift correction", func() bool {
		got = w.lifecyclePolicy(t)
		return got.Status == want.Status && jsonOf(got.PolicyDetails) == wantDetails
	}, func() string {
		return fmt.Sprintf("status %s, rules %s; want %s, %s\n%s", got.Status, jsonOf(got.PolicyDetails), want.Status, wantDetails, w.describeChecks())
	})
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
