package server

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// DefaultMemoryLimit is the soft memory limit of `kiln serve` when neither
// memory-limit, GOMEMLIMIT nor a container limit says otherwise. Pull
// request jobs on a repository of 10,000 component versions fit in it
// (bench/memory); larger loads wait for each other (see check.Budget).
const DefaultMemoryLimit ByteSize = 320 << 20

// minMemoryLimit is the smallest memory limit kiln accepts: below it a job
// on a small repository would spend its time collecting garbage.
const minMemoryLimit ByteSize = 64 << 20

// containerShare is the part of a container's memory limit kiln's heap may
// use; the rest is the binary, stacks and the embedded NATS server.
const containerShare = 0.75

// Memory is the process's soft memory limit (the Go runtime collects
// garbage harder as the heap nears it) and the budget of estimated memory
// that repository loads share; Source says where the limit came from.
type Memory struct {
	Limit, LoadBudget int64
	Source            string
}

// MemoryPlan decides the limits: memory-limit when set; else GOMEMLIMIT,
// which the runtime has applied already; else containerShare of the
// container's limit; else DefaultMemoryLimit.
// cgroupLimit reads the container's limit (ok false: none).
func (c Config) MemoryPlan(getenv func(string) string, cgroupLimit func() (int64, bool)) Memory {
	m := Memory{Limit: int64(c.MemoryLimit), Source: "memory-limit"}
	switch {
	case m.Limit > 0:
	case getenv("GOMEMLIMIT") != "" && getenv("GOMEMLIMIT") != "off":
		m.Limit, m.Source = debug.SetMemoryLimit(-1), "GOMEMLIMIT"
	default:
		m.Limit, m.Source = int64(DefaultMemoryLimit), "default"
		if n, ok := cgroupLimit(); ok {
			m.Limit, m.Source = int64(float64(n)*containerShare), "container limit"
		}
	}
	m.LoadBudget = m.Limit * 3 / 5
	return m
}

// CgroupMemoryLimit reads the memory limit of the process's cgroup (v2,
// then v1); ok is false outside a limited container.
func CgroupMemoryLimit() (int64, bool) {
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		// v1 writes an unlimited cgroup as a huge number.
		if err != nil || n <= 0 || n >= 1<<60 {
			return 0, false
		}
		return n, true
	}
	return 0, false
}
