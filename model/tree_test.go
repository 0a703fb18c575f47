package model

import (
	"sync"
	"sync/atomic"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestTree(t *testing.T) {
	var parses atomic.Int32
	n := &yaml.Node{Kind: yaml.MappingNode, Line: 3}
	lazy := LazyTree(func() *yaml.Node { parses.Add(1); return n })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got := lazy.Node(); got != n {
				t.Errorf("Node() = %v", got)
			}
		})
	}
	wg.Wait()
	if parses.Load() != 1 {
		t.Errorf("parsed %d times, want once", parses.Load())
	}
	if NodeTree(n).Node() != n {
		t.Error("NodeTree lost its node")
	}
	var none *Tree
	if none.Node() != nil || (&Resource{File: "f"}).Pos() != (PosOf("f", nil)) {
		t.Error("a nil tree has a node")
	}
}
