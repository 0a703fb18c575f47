package job

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kiln-gitops/kiln/reconciler"
)

// BakeStore keeps bake records in the durable KV.
type BakeStore struct{ KV KV }

const bakePrefix = "bake."

func bakeKey(id string) string { return bakePrefix + sanitize(id) }

// Put implements reconciler.BakeStore.
func (s BakeStore) Put(ctx context.Context, b reconciler.BakeRecord) error {
	v, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode bake %s: %w", b.ID, err)
	}
	return s.KV.Put(ctx, bakeKey(b.ID), v)
}

// Get implements reconciler.BakeStore.
func (s BakeStore) Get(ctx context.Context, id string) (reconciler.BakeRecord, bool, error) {
	v, ok, err := s.KV.Get(ctx, bakeKey(id))
	if err != nil || !ok {
		return reconciler.BakeRecord{}, ok, err
	}
	var b reconciler.BakeRecord
	if err := json.Unmarshal(v, &b); err != nil {
		return b, false, fmt.Errorf("decode bake %s: %w", id, err)
	}
	return b, true, nil
}

// All lists every record.
func (s BakeStore) All(ctx context.Context) ([]reconciler.BakeRecord, error) {
	keys, err := s.KV.Keys(ctx, bakePrefix)
	if err != nil {
		return nil, err
	}
	slices.Sort(keys)
	out := make([]reconciler.BakeRecord, 0, len(keys))
	for _, k := range keys {
		v, ok, err := s.KV.Get(ctx, k)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		var b reconciler.BakeRecord
		if err := json.Unmarshal(v, &b); err != nil {
			return nil, fmt.Errorf("decode %s: %w", k, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// Active implements reconciler.BakeStore.
func (s BakeStore) Active(ctx context.Context) ([]reconciler.BakeRecord, error) {
	all, err := s.All(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(b reconciler.BakeRecord) bool { return b.Done }), nil
}

// Group lists the bakes of one environment and commit: what one bake check
// run shows.
func (s BakeStore) Group(ctx context.Context, repo, env, commit string) ([]reconciler.BakeRecord, error) {
	all, err := s.All(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(b reconciler.BakeRecord) bool {
		return b.Repo != repo || b.Environment != env || b.Commit != commit
	}), nil
}

// bakeExternalID ties a bake check run to its group, for its buttons; a
// retry gets a fresh check run, named by its attempt.
func bakeExternalID(env, commit string, attempt int) string {
	id := "bake:" + env + ":" + commit
	if attempt > 0 {
		id += ":" + strconv.Itoa(attempt)
	}
	return id
}

func parseBakeExternalID(s string) (env, commit string, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 3 || len(parts) > 4 || parts[0] != "bake" || parts[1] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[1], parts[2], true
}
