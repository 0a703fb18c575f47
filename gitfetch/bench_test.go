package gitfetch_test

import (
	"context"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/kiln-gitops/kiln/gh/ghtest"
	"github.com/kiln-gitops/kiln/gitfetch"
)

// componentYAML is a typical AWSTOE build component, about 1 KB.
func componentYAML(i int) string {
	return fmt.Sprintf(`name: component-%04d
version: 1.%d.0
platform: Linux
description: Hardening step %d of the golden image.
data:
  name: component-%04d
  description: Applies setting %d.
  schemaVersion: 1.0
  phases:
    - name: build
      steps:
        - name: Configure
          action: ExecuteBash
          inputs:
            commands:
              - echo "setting %d" >> /etc/kiln-hardening.conf
              - sysctl -w net.ipv4.conf.all.accept_redirects=0
              - sysctl -w net.ipv4.conf.default.accept_redirects=0
              - chmod 0600 /etc/ssh/sshd_config
    - name: validate
      steps:
        - name: Check
          action: ExecuteBash
          inputs:
            commands:
              - grep -q "setting %d" /etc/kiln-hardening.conf
    - name: test
      steps:
        - name: Verify
          action: ExecuteBash
          inputs:
            commands:
              - test "$(sysctl -n net.ipv4.conf.all.accept_redirects)" = 0
`, i, i%10, i, i, i, i, i)
}

// BenchmarkFetch2000Components fetches a repository of 2,000 component
// files over smart HTTP (git http-backend on loopback) and reads every file.
func BenchmarkFetch2000Components(b *testing.B) {
	s := ghtest.New(b)
	files := map[string]string{}
	raw := 0
	for i := range 2000 {
		content := componentYAML(i)
		raw += len(content)
		files[fmt.Sprintf("components/group-%02d/component-%04d.yaml", i%40, i)] = content
	}
	head := s.Commit("acme", "big", "main", files)
	tok := s.Token()
	b.ResetTimer()
	var pack int64
	var fetchTime, walkTime time.Duration
	for b.Loop() {
		start := time.Now()
		fsys, err := gitfetch.Fetch(context.Background(), gitfetch.FetchOptions{
			URL: s.GitURL("acme", "big"), Token: tok, Ref: "refs/heads/main", SHA: head,
		})
		if err != nil {
			b.Fatal(err)
		}
		fetchTime += time.Since(start)
		start = time.Now()
		n := 0
		err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			_, err = fs.ReadFile(fsys, p)
			n++
			return err
		})
		if err != nil || n != 2000 {
			b.Fatalf("read %d files: %v", n, err)
		}
		walkTime += time.Since(start)
		pack = fsys.(*gitfetch.TreeFS).PackBytes()
	}
	b.ReportMetric(float64(fetchTime.Milliseconds())/float64(b.N), "fetch-ms/op")
	b.ReportMetric(float64(walkTime.Milliseconds())/float64(b.N), "read-all-ms/op")
	b.ReportMetric(float64(pack), "pack-bytes")
	b.ReportMetric(float64(raw), "raw-bytes")
}
