package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ib "github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServesTheRealSDK starts ibemu as a user would, reads the endpoint
// from its first line, and drives it with the real Image Builder client.
func TestServesTheRealSDK(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	var stderr syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"-account", "111122223333", "-region", "eu-west-1", "-clock", "3600", "-list-lag", "1s"}, w, &stderr)
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	endpoint := strings.TrimSpace(line)
	if !strings.HasPrefix(endpoint, "http://127.0.0.1:") {
		t.Fatalf("first line %q is not the endpoint", line)
	}
	c := ib.NewFromConfig(aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")},
		func(o *ib.Options) { o.BaseEndpoint = aws.String(endpoint) })
	created, err := c.CreateComponent(ctx, &ib.CreateComponentInput{
		Name: aws.String("hello"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux,
		Data: aws.String("schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: hi\n        action: ExecuteBash\n        inputs:\n          commands: [echo hi]\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(created.ComponentBuildVersionArn); got != "arn:aws:imagebuilder:eu-west-1:111122223333:component/hello/1.0.0/1" {
		t.Errorf("arn = %s", got)
	}
	// -clock 3600: the one-second list lag passes in a real millisecond.
	time.Sleep(10 * time.Millisecond)
	list, err := c.ListComponents(ctx, &ib.ListComponentsInput{})
	if err != nil || len(list.ComponentVersionList) != 1 {
		t.Fatalf("ListComponents = %+v, %v", list, err)
	}
	// A request the model refuses is answered 400 and logged.
	_, err = c.CreateComponent(ctx, &ib.CreateComponentInput{
		Name: aws.String("x"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux, Data: aws.String("a"),
	})
	if err == nil || !strings.Contains(stderr.String(), "breaks the service model") {
		t.Errorf("invalid name: %v; stderr %s", err, stderr.String())
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Errorf("exit %d, stderr %s", code, stderr.String())
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"-clock", "-1"}, {"-nope"}, {"extra"}, {"-list-lag", "soon"}} {
		var stderr syncBuffer
		if code := run(context.Background(), args, io.Discard, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	var stderr syncBuffer
	if code := run(context.Background(), []string{"-listen", "256.0.0.1:1"}, io.Discard, &stderr); code != 1 {
		t.Errorf("bad listen address: exit %d, want 1", code)
	}
}
