// Package helm tests the kiln chart: rendered with Helm's own engine and
// linter, every manifest decoded strictly into the Kubernetes API types of
// the k8s.io/api version pinned in go.mod (unknown or mistyped fields
// fail), then held to what the README promises of each shape.
//
// It is its own module so that Helm and the Kubernetes API types stay out
// of kiln's go.mod; .ci/run tests it.
package helm

import (
	"bytes"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

const chartDir = "kiln"

// credentials are the values every install needs.
var credentials = map[string]any{
	"github": map[string]any{
		"appId":         "123456",
		"privateKey":    "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
		"webhookSecret": "0123456789abcdef-webhook",
	},
}

// manifests is a rendered release, decoded.
type manifests struct {
	deployment      *appsv1.Deployment
	services        map[string]*corev1.Service
	secrets         map[string]*corev1.Secret
	serviceAccount  *corev1.ServiceAccount
	pvc             *corev1.PersistentVolumeClaim
	serviceMonitors []serviceMonitor
}

// serviceMonitor is the part of the Prometheus operator's
// monitoring.coreos.com/v1 ServiceMonitor the chart writes; decoding is
// strict, so a misspelt field fails.
type serviceMonitor struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// render renders the chart with vals over credentials, as `helm template`
// does for release "kiln" in namespace "images".
func render(t *testing.T, vals map[string]any) (manifests, error) {
	t.Helper()
	ch := loadChart(t)
	// Top-level keys of vals replace the credentials' whole.
	merged := deepCopy(credentials)
	for k, v := range vals {
		merged[k] = v
	}
	opts := chartutil.ReleaseOptions{Name: "kiln", Namespace: "images", IsInstall: true, Revision: 1}
	values, err := chartutil.ToRenderValues(ch, merged, opts, chartutil.DefaultCapabilities)
	if err != nil {
		return manifests{}, err
	}
	files, err := engine.Render(ch, values)
	if err != nil {
		return manifests{}, err
	}
	return decode(t, files), nil
}

func deepCopy(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = deepCopy(sub)
		}
		out[k] = v
	}
	return out
}

func decode(t *testing.T, files map[string]string) manifests {
	t.Helper()
	m := manifests{services: map[string]*corev1.Service{}, secrets: map[string]*corev1.Secret{}}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		for i, doc := range strings.Split(files[name], "\n---") {
			doc = strings.TrimSpace(doc)
			if strings.Trim(strings.ReplaceAll(doc, "\n", ""), " ") == "" || onlyComments(doc) {
				continue
			}
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				t.Fatalf("%s #%d: %v\n%s", name, i, err, doc)
			}
			if errs := validation.IsDNS1123Subdomain(head.Metadata.Name); len(errs) > 0 {
				t.Errorf("%s %s: name %q: %v", name, head.Kind, head.Metadata.Name, errs)
			}
			strict := func(v any) {
				if err := yaml.UnmarshalStrict([]byte(doc), v); err != nil {
					t.Fatalf("%s: %s does not match the Kubernetes API: %v\n%s", name, head.Kind, err, doc)
				}
			}
			switch head.APIVersion + " " + head.Kind {
			case "apps/v1 Deployment":
				m.deployment = &appsv1.Deployment{}
				strict(m.deployment)
			case "v1 Service":
				s := &corev1.Service{}
				strict(s)
				m.services[s.Name] = s
			case "v1 Secret":
				s := &corev1.Secret{}
				strict(s)
				m.secrets[s.Name] = s
			case "v1 ServiceAccount":
				m.serviceAccount = &corev1.ServiceAccount{}
				strict(m.serviceAccount)
			case "v1 PersistentVolumeClaim":
				m.pvc = &corev1.PersistentVolumeClaim{}
				strict(m.pvc)
			case "monitoring.coreos.com/v1 ServiceMonitor":
				var sm serviceMonitor
				strict(&sm)
				m.serviceMonitors = append(m.serviceMonitors, sm)
			default:
				t.Fatalf("%s: unexpected %s %s", name, head.APIVersion, head.Kind)
			}
		}
	}
	if m.deployment == nil {
		t.Fatal("no Deployment rendered")
	}
	return m
}

func onlyComments(doc string) bool {
	for _, l := range strings.Split(doc, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

func env(c corev1.Container) map[string]corev1.EnvVar {
	out := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		out[e.Name] = e
	}
	return out
}

// helm lint's rules pass for the defaults with credentials.
func TestChartLints(t *testing.T) {
	res := lint.All(chartDir, credentials, "images", false)
	for _, msg := range res.Messages {
		if msg.Severity >= support.WarningSev {
			t.Errorf("helm lint: %s", msg)
		}
	}
}

// The default: one replica, embedded JetStream on a persistent volume,
// secrets from the chart, probes on the admin port, kiln's user owning the
// volume.
func TestChartSingleReplica(t *testing.T) {
	m, err := render(t, map[string]any{
		"serviceAccount": map[string]any{"annotations": map[string]any{"eks.amazonaws.com/role-arn": "arn:aws:iam::111111111111:role/kiln"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := m.deployment
	if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("replicas %d strategy %q, want 1 and Recreate (one volume holder)", *d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	pod := d.Spec.Template.Spec
	if pod.SecurityContext == nil || pod.SecurityContext.FSGroup == nil || *pod.SecurityContext.FSGroup != 65532 ||
		pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Errorf("pod security context %+v, want non-root with fsGroup 65532", pod.SecurityContext)
	}
	c := pod.Containers[0]
	e := env(c)
	for name, want := range map[string]string{
		"KILN_LISTEN": ":8080", "KILN_ADMIN_LISTEN": ":9090", "KILN_DATA_DIR": "/data",
		"KILN_GITHUB_PRIVATE_KEY_FILE": "/secrets/github/private-key.pem", "KILN_WEBHOOK_SECRET_FILE": "/secrets/github/webhook-secret",
	} {
		if e[name].Value != want {
			t.Errorf("%s = %q, want %q", name, e[name].Value, want)
		}
	}
	if _, ok := e["KILN_NATS_URL"]; ok {
		t.Error("KILN_NATS_URL set for the embedded queue")
	}
	if e["KILN_GITHUB_APP_ID"].ValueFrom == nil || e["KILN_GITHUB_APP_ID"].ValueFrom.SecretKeyRef.Name != "kiln" {
		t.Errorf("app id not from the Secret: %+v", e["KILN_GITHUB_APP_ID"])
	}
	for probe, p := range map[string]*corev1.Probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Port.String() != "admin" {
			t.Errorf("%s probe %+v, want HTTP on the admin port", probe, p)
		}
	}
	// kiln waits up to 2 minutes for NATS before its admin port opens
	// (queue.Config.StartTimeout); the kubelet must not restart it sooner.
	if p := c.StartupProbe; p != nil && p.PeriodSeconds*p.FailureThreshold < 120 {
		t.Errorf("startup probe allows %ds, want at least the 120s kiln waits for NATS", p.PeriodSeconds*p.FailureThreshold)
	}
	if c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("probe paths %s, %s", c.ReadinessProbe.HTTPGet.Path, c.LivenessProbe.HTTPGet.Path)
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["webhook"] != 8080 || ports["admin"] != 9090 {
		t.Errorf("container ports %v", ports)
	}
	if m.pvc == nil || m.pvc.Spec.Resources.Requests.Storage().String() != "2Gi" {
		t.Fatalf("no 2Gi data volume claim: %+v", m.pvc)
	}
	var data, secret *corev1.Volume
	for i, v := range pod.Volumes {
		switch v.Name {
		case "data":
			data = &pod.Volumes[i]
		case "github":
			secret = &pod.Volumes[i]
		}
	}
	if data == nil || data.PersistentVolumeClaim == nil || data.PersistentVolumeClaim.ClaimName != m.pvc.Name {
		t.Errorf("data volume %+v, want the claim %s", data, m.pvc.Name)
	}
	if secret == nil || secret.Secret == nil || *secret.Secret.DefaultMode != 0o400 {
		t.Errorf("secret volume %+v, want mode 0400", secret)
	}
	s := m.secrets["kiln"]
	if s == nil || s.StringData["webhook-secret"] == "" || s.StringData["private-key.pem"] == "" || s.StringData["app-id"] != "123456" {
		t.Errorf("secret %+v", s)
	}
	if m.serviceAccount == nil || m.serviceAccount.Annotations["eks.amazonaws.com/role-arn"] == "" || pod.ServiceAccountName != m.serviceAccount.Name {
		t.Errorf("service account %+v (pod uses %q), want the IRSA annotation", m.serviceAccount, pod.ServiceAccountName)
	}
	// The webhook Service exposes the webhook port only.
	for _, p := range m.services["kiln"].Spec.Ports {
		if p.TargetPort.String() != "webhook" {
			t.Errorf("webhook Service exposes %s", p.TargetPort.String())
		}
	}
	if admin := m.services["kiln-admin"]; admin == nil || admin.Spec.Ports[0].TargetPort.String() != "admin" {
		t.Errorf("admin Service %+v", admin)
	}
	if len(m.serviceMonitors) != 0 {
		t.Error("a ServiceMonitor without serviceMonitor.enabled")
	}
}

// N replicas share an external NATS; no volume claim, the rolling update,
// an existing Secret, and the optional ServiceMonitor.
func TestChartReplicasWithExternalNATS(t *testing.T) {
	m, err := render(t, map[string]any{
		"replicaCount":   3,
		"nats":           map[string]any{"url": "nats://nats.images:4222"},
		"github":         map[string]any{"existingSecret": "kiln-github"},
		"serviceMonitor": map[string]any{"enabled": true, "labels": map[string]any{"release": "prometheus"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := m.deployment
	if *d.Spec.Replicas != 3 || d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		t.Errorf("replicas %d strategy %q", *d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	e := env(d.Spec.Template.Spec.Containers[0])
	if e["KILN_NATS_URL"].Value != "nats://nats.images:4222" {
		t.Errorf("KILN_NATS_URL = %q", e["KILN_NATS_URL"].Value)
	}
	if m.pvc != nil {
		t.Error("a volume claim with an external NATS")
	}
	if len(m.secrets) != 0 || e["KILN_GITHUB_APP_ID"].ValueFrom.SecretKeyRef.Name != "kiln-github" {
		t.Errorf("secrets %v, app id from %+v; want only the existing Secret", m.secrets, e["KILN_GITHUB_APP_ID"].ValueFrom)
	}
	if len(m.serviceMonitors) != 1 {
		t.Fatalf("%d ServiceMonitors, want 1", len(m.serviceMonitors))
	}
	sm := m.serviceMonitors[0]
	admin := m.services["kiln-admin"]
	for k, v := range sm.Spec.Selector.MatchLabels {
		if admin.Labels[k] != v {
			t.Errorf("ServiceMonitor selects %s=%s, the admin Service has %q", k, v, admin.Labels[k])
		}
	}
	if sm.Spec.Selector.MatchLabels["app.kubernetes.io/component"] != "admin" || sm.Spec.Endpoints[0].Port != "admin" || sm.Metadata.Labels["release"] != "prometheus" {
		t.Errorf("ServiceMonitor %+v", sm)
	}
}

// Shapes that cannot work are refused at render time with a message that
// names the setting.
func TestChartRefusesBrokenShapes(t *testing.T) {
	tests := []struct {
		name string
		vals map[string]any
		want string
	}{
		{"replicas without NATS", map[string]any{"replicaCount": 2}, "needs nats.url"},
		{"no credentials", map[string]any{"github": map[string]any{}}, "github.appId"},
		{"short webhook secret", map[string]any{"github": map[string]any{"appId": "1", "privateKey": "k", "webhookSecret": "short"}}, "at least 16 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := render(t, tt.vals)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("render = %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

// Every value the templates read is in values.yaml, documented.
func TestChartValuesAreDeclared(t *testing.T) {
	ch := loadChart(t)
	var buf bytes.Buffer
	for _, f := range ch.Templates {
		buf.Write(f.Data)
	}
	seen := map[string]bool{}
	for _, field := range strings.Fields(strings.NewReplacer("(", " ", ")", " ", "}}", " ", "{{", " ", "|", " ").Replace(buf.String())) {
		path, ok := strings.CutPrefix(field, ".Values.")
		if !ok || seen[path] {
			continue
		}
		seen[path] = true
		var cur any = map[string]any(ch.Values)
		for _, k := range strings.Split(path, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				t.Errorf(".Values.%s: %v is not a map", path, cur)
				break
			}
			if cur, ok = m[k]; !ok {
				t.Errorf(".Values.%s is read by the templates but not in values.yaml", path)
				break
			}
		}
	}
	if len(seen) < 10 {
		t.Fatalf("found only %d value references: %v", len(seen), slices.Sorted(func(yield func(string) bool) {
			for k := range seen {
				if !yield(k) {
					return
				}
			}
		}))
	}
}
