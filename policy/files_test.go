package policy

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestReadFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"policy/a.rego":          {Data: []byte("package a\n")},
		"policy/sub/b.rego":      {Data: []byte("package b\n")},
		"policy/README.md":       {Data: []byte("#")},
		"policy/big.rego":        {Data: []byte(strings.Repeat("#", MaxPolicyFileBytes+1))},
		"other/c.rego":           {Data: []byte("package c\n")},
		"policy2/only_test.rego": {Data: []byte("package t\n")},
	}
	if _, err := ReadFiles(fsys, "policy"); err == nil || !strings.Contains(err.Error(), "big.rego") {
		t.Errorf("oversized file: %v", err)
	}
	delete(fsys, "policy/big.rego")
	got, err := ReadFiles(fsys, "./policy", "policy2")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["policy/sub/b.rego"] == nil || got["policy2/only_test.rego"] == nil {
		t.Errorf("got %v", got)
	}
	if _, err := ReadFiles(fsys, "missing"); err == nil {
		t.Error("a missing bundle directory was accepted")
	}
}
