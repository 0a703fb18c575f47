package queue

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
)

// BenchmarkPublish measures Publish of a 28 KB job (a pull_request payload's
// size) into the embedded file-backed stream, from parallel goroutines.
func BenchmarkPublish(b *testing.B) {
	ctx := context.Background()
	q, err := Open(ctx, Config{DataDir: b.TempDir()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	payload := make([]byte, 28<<10)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	var n atomic.Int64
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := "bench-" + strconv.FormatInt(n.Add(1), 10)
			if _, err := q.Publish(ctx, Job{ID: id, Event: "pull_request", Key: "o/r#1", Payload: payload}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
