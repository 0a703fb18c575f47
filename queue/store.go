package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Store is small durable state in a JetStream key-value bucket: what jobs
// remember between deliveries (bakes being tracked, suggestions made).
// Keys are dot-separated tokens of [A-Za-z0-9_-].
type Store struct{ kv jetstream.KeyValue }

// Store opens (creating if needed) the bucket as a Store.
func (q *Queue) Store(ctx context.Context, bucket string) (*Store, error) {
	kv, err := q.KV(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return &Store{kv: kv}, nil
}

// Get returns the value of key, and whether it exists.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	e, err := s.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("get %s: %w", key, err)
	}
	return e.Value(), true, nil
}

// Put sets key.
func (s *Store) Put(ctx context.Context, key string, value []byte) error {
	if _, err := s.kv.Put(ctx, key, value); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Keys lists the keys that start with prefix, which must end with a dot.
func (s *Store) Keys(ctx context.Context, prefix string) ([]string, error) {
	if !strings.HasSuffix(prefix, ".") {
		return nil, fmt.Errorf("keys %q: the prefix must end with a dot", prefix)
	}
	// The key lister is a watcher that ends when it has seen the bucket's
	// history; on a freshly created replicated bucket without any value it
	// was seen never to end, so an empty bucket is answered at once and the
	// listing is bounded.
	st, err := s.kv.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys %s: %w", prefix, err)
	}
	if st.Values() == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	lister, err := s.kv.ListKeysFiltered(ctx, prefix+">")
	if err != nil {
		return nil, fmt.Errorf("keys %s: %w", prefix, err)
	}
	var out []string
	for k := range lister.Keys() {
		out = append(out, k)
	}
	_ = lister.Stop()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("keys %s: %w", prefix, context.Cause(ctx))
	}
	return out, nil
}
