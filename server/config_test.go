package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfig(t *testing.T) {
	file := writeFile(t, "kiln.yaml", `
github-app-id: 11
github-private-key-file: /file/key.pem
webhook-secret: from-file
listen: ":9000"
data-dir: /file/data
workers: 2
`)
	defaults := DefaultConfig()
	with := func(f func(c *Config)) Config {
		c := DefaultConfig()
		f(&c)
		return c
	}
	fromFile := with(func(c *Config) {
		c.AppID, c.PrivateKeyFile, c.WebhookSecret, c.Listen, c.DataDir, c.Workers = 11, "/file/key.pem", "from-file", ":9000", "/file/data", 2
	})
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{name: "defaults", want: defaults},
		{name: "file", args: []string{"--config", file}, want: fromFile},
		{name: "file from KILN_CONFIG", env: map[string]string{"KILN_CONFIG": file}, want: fromFile},
		{
			name: "env over file",
			args: []string{"--config", file},
			env:  map[string]string{"KILN_WEBHOOK_SECRET": "from-env", "KILN_WORKERS": "6", "KILN_NATS_URL": "nats://n:4222", "KILN_GITHUB_URL": "https://ghe.example/api/v3/"},
			want: with(func(c *Config) {
				*c = fromFile
				c.WebhookSecret, c.GitHubURL, c.NATSURL, c.Workers = "from-env", "https://ghe.example/api/v3/", "nats://n:4222", 6
			}),
		},
		{
			name: "flags over env over file",
			args: []string{"--config", file, "--webhook-secret", "from-flag", "--github-app-id=42", "--workers", "8", "--listen", "127.0.0.1:1"},
			env:  map[string]string{"KILN_WEBHOOK_SECRET": "from-env", "KILN_GITHUB_APP_ID": "21", "KILN_DATA_DIR": "/env/data", "KILN_GITHUB_PRIVATE_KEY_FILE": "/env/key.pem"},
			want: with(func(c *Config) {
				c.AppID, c.PrivateKeyFile, c.WebhookSecret, c.Listen, c.DataDir, c.Workers = 42, "/env/key.pem", "from-flag", "127.0.0.1:1", "/env/data", 8
			}),
		},
		{
			name: "durations",
			args: []string{"--bake-backoff-max", "1m"},
			env:  map[string]string{"KILN_BAKE_POLL": "250ms", "KILN_RETRY_AFTER": "2s"},
			want: with(func(c *Config) {
				c.BakeBackoffMax, c.BakePoll, c.RetryAfter = time.Minute, 250*time.Millisecond, 2*time.Second
			}),
		},
		{
			name: "drift interval",
			env:  map[string]string{"KILN_DRIFT_INTERVAL": "300ms"},
			want: with(func(c *Config) { c.DriftInterval = 300 * time.Millisecond }),
		},
		{
			name: "drift interval flag over env",
			args: []string{"--drift-interval", "1h"},
			env:  map[string]string{"KILN_DRIFT_INTERVAL": "300ms"},
			want: with(func(c *Config) { c.DriftInterval = time.Hour }),
		},
		{name: "drift interval in file", args: []string{"--config", writeFile(t, "drift.yaml", "drift-interval: 30m\n")}, want: with(func(c *Config) { c.DriftInterval = 30 * time.Minute })},
		{name: "bad duration", env: map[string]string{"KILN_JOB_TIMEOUT": "soon"}, wantErr: "KILN_JOB_TIMEOUT"},
		{name: "zero drift interval", args: []string{"--drift-interval", "0s"}, wantErr: "--drift-interval"},
		{name: "unknown key in file", args: []string{"--config", writeFile(t, "bad.yaml", "listen: :1\nwebhook_secret: x\n")}, wantErr: "line 2: field webhook_secret not found"},
		{name: "file is not YAML", args: []string{"--config", writeFile(t, "bad2.yaml", "listen: [\n")}, wantErr: "bad2.yaml"},
		{name: "missing file", args: []string{"--config", "/nonexistent/kiln.yaml"}, wantErr: "no such file"},
		{name: "bad app id in env", env: map[string]string{"KILN_GITHUB_APP_ID": "abc"}, wantErr: "KILN_GITHUB_APP_ID"},
		{name: "bad workers flag", args: []string{"--workers", "0"}, wantErr: "--workers"},
		{name: "unknown flag", args: []string{"--no-such-flag"}, wantErr: "no-such-flag"},
		{name: "stray argument", args: []string{"extra"}, wantErr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadConfig(tt.args, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

var (
	keyOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testKey(t *testing.T) *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey
}

func pemFile(t *testing.T, typ string, der []byte) string {
	return writeFile(t, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})))
}

// validConfig is a configuration that passes Validate.
func validConfig(t *testing.T) Config {
	return Config{AppID: 1, PrivateKeyFile: pemFile(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(testKey(t))),
		WebhookSecret: "s3cr3t-value-of-16+", GitHubURL: DefaultGitHubURL, Listen: DefaultListen, DataDir: t.TempDir(), Workers: 1}
}

func TestValidate(t *testing.T) {
	pkcs8, err := x509.MarshalPKCS8PrivateKey(testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	tests := []struct {
		name    string
		edit    func(c *Config)
		wantErr string
	}{
		{name: "valid PKCS#1 key"},
		{name: "valid PKCS#8 key", edit: func(c *Config) { c.PrivateKeyFile = pemFile(t, "PRIVATE KEY", pkcs8) }},
		{name: "no webhook secret", edit: func(c *Config) { c.WebhookSecret = "" }, wantErr: "no webhook secret: set KILN_WEBHOOK_SECRET"},
		{name: "no app id", edit: func(c *Config) { c.AppID = 0 }, wantErr: "KILN_GITHUB_APP_ID"},
		{name: "no key file", edit: func(c *Config) { c.PrivateKeyFile = "" }, wantErr: "KILN_GITHUB_PRIVATE_KEY_FILE"},
		{name: "unreadable key", edit: func(c *Config) { c.PrivateKeyFile = "/nonexistent/key.pem" }, wantErr: "no such file"},
		{name: "not PEM", edit: func(c *Config) { c.PrivateKeyFile = writeFile(t, "k.pem", "hello") }, wantErr: "no PEM block"},
		{name: "corrupt key", edit: func(c *Config) { c.PrivateKeyFile = pemFile(t, "RSA PRIVATE KEY", []byte("junk")) }, wantErr: "GitHub App private key"},
		{name: "EC key", edit: func(c *Config) { c.PrivateKeyFile = pemFile(t, "PRIVATE KEY", ecDER) }, wantErr: "want an RSA key"},
		{name: "certificate", edit: func(c *Config) { c.PrivateKeyFile = pemFile(t, "CERTIFICATE", []byte("x")) }, wantErr: `PEM block "CERTIFICATE"`},
		{name: "bad GitHub URL", edit: func(c *Config) { c.GitHubURL = "api.github.com" }, wantErr: "github URL"},
		{name: "no data dir", edit: func(c *Config) { c.DataDir = "" }, wantErr: "no data dir"},
		{name: "external NATS needs no data dir", edit: func(c *Config) { c.DataDir = ""; c.NATSURL = "nats://127.0.0.1:4222" }},
		{name: "memory limit from the file", edit: func(c *Config) { c.MemoryLimit = 512 << 20 }},
		{name: "memory limit too small", edit: func(c *Config) { c.MemoryLimit = 1 << 20 }, wantErr: "memory limit 1MiB: want at least 64MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig(t)
			if tt.edit != nil {
				tt.edit(&c)
			}
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if c.WebhookSecret != "" && strings.Contains(err.Error(), c.WebhookSecret) {
				t.Fatalf("error shows the webhook secret: %v", err)
			}
		})
	}
}

func TestConfigNeverPrintsSecret(t *testing.T) {
	c := validConfig(t)
	c.NATSURL = "nats://user:hunter2@nats:4222"
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c)} {
		if strings.Contains(s, c.WebhookSecret) || strings.Contains(s, "hunter2") {
			t.Fatalf("printed configuration shows a secret: %s", s)
		}
	}
}

func TestDefaultDriftInterval(t *testing.T) {
	if got := DefaultConfig().DriftInterval; got != 10*time.Minute {
		t.Fatalf("default drift interval = %v, want 10m", got)
	}
}
