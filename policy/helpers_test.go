package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/loader"
	"github.com/kiln-gitops/kiln/model"
)

// load reads a repository written as path -> YAML through the real loader.
func load(t testing.TB, files map[string]string) *model.Repository {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(strings.TrimLeft(text, "\n")), Mode: 0o644}
	}
	repo, fs, err := loader.Load(context.Background(), fsys, loader.Options{})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	for _, f := range fs {
		t.Logf("loader: %s", f)
	}
	return repo
}

func evaluate(t testing.TB, repo *model.Repository, opts Options) []finding.Finding {
	t.Helper()
	if opts.Config == nil {
		opts.Config = repo.Config
	}
	if opts.Now.IsZero() {
		opts.Now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	}
	e, err := New(context.Background(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	fs, err := e.Evaluate(context.Background(), repo)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return fs
}

func byRule(fs []finding.Finding, rule string) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func one(t testing.TB, fs []finding.Finding, rule string) finding.Finding {
	t.Helper()
	got := byRule(fs, rule)
	if len(got) != 1 {
		t.Fatalf("want one %s finding, got %d in:\n%s", rule, len(got), dump(fs))
	}
	return got[0]
}

func dump(fs []finding.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

const goodInfra = `
apiVersion: kiln/v1
kind: InfrastructureConfiguration
metadata:
  name: build
spec:
  instanceProfileName: EC2InstanceProfileForImageBuilder
  subnetId: subnet-0a1b2c3d
  securityGroupIds: [sg-0a1b2c3d]
  terminateInstanceOnFailure: true
  snsTopicArn: arn:aws:sns:us-east-1:111111111111:bakes
  logging:
    s3Logs:
      s3BucketName: build-logs
  instanceMetadataOptions:
    httpTokens: required
    httpPutResponseHopLimit: 1
`

// imdsv1Infra has httpTokens: optional at line 15, column 17.
var imdsv1Infra = strings.Replace(goodInfra, "httpTokens: required", "httpTokens: optional", 1)

// rootLoginComponent writes PermitRootLogin yes through a heredoc at line 22,
// column 19, next to a comment and an echo that only mention it.
const rootLoginComponent = `
apiVersion: kiln/v1
kind: Component
metadata:
  name: ssh-config
  version: 1.0.0
spec:
  platform: Linux
  data: |
    name: ssh-config
    schemaVersion: 1.0
    phases:
      - name: build
        steps:
          - name: Sshd
            action: ExecuteBash
            inputs:
              commands:
                - |
                  # PermitRootLogin yes is what we must never ship
                  echo "checking PermitRootLogin yes is absent"
                  cat > /etc/ssh/sshd_config.d/01-root.conf <<'EOF'
                  PermitRootLogin yes
                  EOF
`

const fetchComponent = `
apiVersion: kiln/v1
kind: Component
metadata:
  name: fetch-agent
  version: 1.0.0
spec:
  platform: Linux
  document: ./fetch-agent.toe.yaml
`

// fetchDocument pipes curl into bash at line 10, column 15.
const fetchDocument = `
name: fetch-agent
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Install
        action: ExecuteBash
        inputs:
          commands:
            - curl -fsSL https://get.example.com/install.sh | sudo bash
`

func errorsAs(err error, target any) bool { return errors.As(err, target) }
