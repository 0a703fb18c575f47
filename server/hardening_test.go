package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestWebhookSecretFile(t *testing.T) {
	file := writeFile(t, "secret", "0123456789abcdef-from-file\n")
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    string
		wantErr string
	}{
		{name: "flag", args: []string{"--webhook-secret-file", file}, want: "0123456789abcdef-from-file"},
		{name: "env", env: map[string]string{"KILN_WEBHOOK_SECRET_FILE": file}, want: "0123456789abcdef-from-file"},
		{name: "both", args: []string{"--webhook-secret-file", file}, env: map[string]string{"KILN_WEBHOOK_SECRET": "x"}, wantErr: "keep one"},
		{name: "missing file", args: []string{"--webhook-secret-file", filepath.Join(t.TempDir(), "none")}, wantErr: "webhook secret file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(tt.args, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.WebhookSecret != tt.want {
				t.Fatalf("secret %q, want %q", cfg.WebhookSecret, tt.want)
			}
			if strings.Contains(cfg.String(), tt.want) {
				t.Fatalf("config's text shows the secret: %s", cfg)
			}
		})
	}
}

func TestValidateRefusesShortSecret(t *testing.T) {
	cfg := validConfig(t)
	cfg.WebhookSecret = "fifteen-bytes.."
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Fatalf("Validate = %v, want a refusal of a 15-byte secret", err)
	}
	cfg.WebhookSecret = "sixteen-bytes..."
	if err := cfg.Validate(); err != nil {
		t.Fatalf("16-byte secret: %v", err)
	}
}

func TestWarnsOnReadablePrivateKey(t *testing.T) {
	cfg := validConfig(t)
	// 0440 is what a Kubernetes secret volume with fsGroup gives.
	for _, mode := range []os.FileMode{0o600, 0o400, 0o440} {
		if err := os.Chmod(cfg.PrivateKeyFile, mode); err != nil {
			t.Fatal(err)
		}
		if w := cfg.Warnings(); len(w) != 0 {
			t.Fatalf("%04o key: warnings %v", mode, w)
		}
	}
	if err := os.Chmod(cfg.PrivateKeyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	w := cfg.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "readable by others") {
		t.Fatalf("0644 key: warnings %v", w)
	}
}

func TestDataDirNotWritable(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root writes anywhere")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	cfg := validConfig(t)
	cfg.DataDir = dir
	start := time.Now()
	_, err := New(context.Background(), cfg, nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("New = %v, want a data dir not writable error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %s to say so", d)
	}
}

func TestLoggerWritesDurationsAsDurations(t *testing.T) {
	var buf bytes.Buffer
	NewLogger(&buf, 0).Info("x", "wait", 1500*time.Millisecond, "config", validConfig(t))
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["wait"] != "1.5s" {
		t.Fatalf("wait logged as %v, want \"1.5s\"", line["wait"])
	}
	if cfg, _ := line["config"].(map[string]any); cfg["job_timeout"] != "0s" {
		t.Fatalf("config durations: %v", line["config"])
	}
}

// Readiness probes share one queue check per interval.
func TestQueueReadinessIsCached(t *testing.T) {
	var calls atomic.Int32
	c := &cachedCheck{ttl: time.Minute, check: func(context.Context) error { calls.Add(1); return errors.New("down") }}
	for range 300 {
		if err := c.run(context.Background()); err == nil {
			t.Fatal("cached failure lost")
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d checks for 300 probes, want 1", n)
	}
}
