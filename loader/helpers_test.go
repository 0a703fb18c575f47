package loader

import (
	"context"
	"io"
	"io/fs"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// mapFS builds a MapFS from name → text.
func mapFS(files map[string]string) fstest.MapFS {
	out := fstest.MapFS{}
	for name, text := range files {
		out[name] = &fstest.MapFile{Data: []byte(text), Mode: 0o644}
	}
	return out
}

func load(t *testing.T, fsys fs.FS, opts Options) (*model.Repository, []finding.Finding) {
	t.Helper()
	repo, fs, err := Load(context.Background(), fsys, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, f := range fs {
		if f.Severity != finding.SeverityError || f.Source != finding.SourceValidate || !strings.HasPrefix(f.Rule, "load/") || f.File == "" || f.Message == "" {
			t.Errorf("malformed finding %+v", f)
		}
	}
	return repo, fs
}

// wantFinding is one expected finding; zero Line/Column are not checked,
// Contains must appear in the message.
type wantFinding struct {
	Rule         string
	File         string
	Line, Column int
	Contains     string
}

func checkFindings(t *testing.T, got []finding.Finding, want []wantFinding) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d findings, want %d:", len(got), len(want))
		for _, f := range got {
			t.Errorf("  %s", f)
		}
		return
	}
	for i, w := range want {
		f := got[i]
		if f.Rule != w.Rule || f.File != w.File || (w.Line != 0 && f.Line != w.Line) || (w.Column != 0 && f.Column != w.Column) || !strings.Contains(f.Message, w.Contains) {
			t.Errorf("finding %d = %s\n want %+v", i, f, w)
		}
	}
}

// countingFS counts the bytes read through it, and passes symlink
// questions on, so that tests can prove a file was refused unread.
type countingFS struct {
	fs.FS
	read atomic.Int64
}

func (c *countingFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return &countingFile{File: f, n: &c.read}, nil
}

func (c *countingFS) ReadLink(name string) (string, error)   { return fs.ReadLink(c.FS, name) }
func (c *countingFS) Lstat(name string) (fs.FileInfo, error) { return fs.Lstat(c.FS, name) }

type countingFile struct {
	fs.File
	n *atomic.Int64
}

func (f *countingFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	f.n.Add(int64(n))
	return n, err
}

func (f *countingFile) ReadDir(n int) ([]fs.DirEntry, error) {
	if d, ok := f.File.(fs.ReadDirFile); ok {
		return d.ReadDir(n)
	}
	return nil, io.EOF
}

const componentHead = `apiVersion: kiln/v1
kind: Component
metadata:
  name: ssh-hardening
  version: 1.2.0
`

const toeDoc = `name: ssh-hardening
description: Harden sshd
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: DisablePasswords
        action: ExecuteBash
        inputs:
          commands:
            - sed -i 's/^#\?PasswordAuthentication.*/PasswordAuthentication no/' /etc/ssh/sshd_config
`

// cancelFS cancels a context after a number of opens, to cancel a load in
// the middle of its walk.
type cancelFS struct {
	fs.FS
	cancel context.CancelFunc
	after  int
	opens  int
}

func (c *cancelFS) Open(name string) (fs.File, error) {
	c.opens++
	if c.opens == c.after {
		c.cancel()
	}
	return c.FS.Open(name)
}
