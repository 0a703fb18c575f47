package server

import (
	"runtime/debug"
	"testing"
)

func TestParseByteSize(t *testing.T) {
	cases := []struct {
		in   string
		want ByteSize
		err  bool
	}{
		{in: "512MiB", want: 512 << 20},
		{in: "1GiB", want: 1 << 30},
		{in: " 400MB ", want: 400e6},
		{in: "768Mi", want: 768 << 20},
		{in: "1048576", want: 1 << 20},
		{in: "10 KiB", want: 10 << 10},
		{in: "12B", want: 12},
		{in: "", err: true},
		{in: "lots", err: true},
		{in: "-1MiB", err: true},
		{in: "1.5GiB", err: true},
		{in: "99999999999GiB", err: true},
	}
	for _, c := range cases {
		got, err := ParseByteSize(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d, error %v", c.in, got, err, c.want, c.err)
		}
	}
	if s := ByteSize(320 << 20).String(); s != "320MiB" {
		t.Errorf("String() = %q", s)
	}
}

func TestMemoryPlan(t *testing.T) {
	none := func() (int64, bool) { return 0, false }
	container := func(n int64) func() (int64, bool) { return func() (int64, bool) { return n, true } }
	// The runtime's own limit, which GOMEMLIMIT would have set.
	runtimeLimit := debug.SetMemoryLimit(-1)
	cases := []struct {
		name   string
		set    ByteSize
		env    map[string]string
		cgroup func() (int64, bool)
		limit  int64
		source string
	}{
		{name: "default", cgroup: none, limit: int64(DefaultMemoryLimit), source: "default"},
		{name: "a large container raises it", cgroup: container(4 << 30), limit: 3 << 30, source: "container limit"},
		{name: "a small container lowers it", cgroup: container(256 << 20), limit: 192 << 20, source: "container limit"},
		{name: "GOMEMLIMIT is the runtime's", env: map[string]string{"GOMEMLIMIT": "1GiB"}, cgroup: container(256 << 20), limit: runtimeLimit, source: "GOMEMLIMIT"},
		{name: "GOMEMLIMIT=off is no limit of its own", env: map[string]string{"GOMEMLIMIT": "off"}, cgroup: none, limit: int64(DefaultMemoryLimit), source: "default"},
		{name: "memory-limit wins", set: 1 << 30, env: map[string]string{"GOMEMLIMIT": "2GiB"}, cgroup: container(256 << 20), limit: 1 << 30, source: "memory-limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.MemoryLimit = c.set
			m := cfg.MemoryPlan(env(c.env), c.cgroup)
			if m.Limit != c.limit || m.Source != c.source {
				t.Errorf("limit %d from %s, want %d from %s", m.Limit, m.Source, c.limit, c.source)
			}
			if m.LoadBudget <= 0 || m.LoadBudget >= m.Limit {
				t.Errorf("load budget %d of a limit of %d", m.LoadBudget, m.Limit)
			}
		})
	}
}

func TestMemoryLimitSetting(t *testing.T) {
	for _, c := range []struct {
		v   string
		ok  bool
		got ByteSize
	}{{"512MiB", true, 512 << 20}, {"1Gi", true, 1 << 30}, {"16MiB", false, 0}, {"big", false, 0}} {
		cfg := DefaultConfig()
		err := findSetting(t, "memory-limit").set(&cfg, c.v)
		if (err == nil) != c.ok || cfg.MemoryLimit != c.got {
			t.Errorf("memory-limit %q: %v, %d", c.v, err, cfg.MemoryLimit)
		}
	}
}

func findSetting(t *testing.T, flag string) setting {
	t.Helper()
	for _, s := range settings() {
		if s.flag == flag {
			return s
		}
	}
	t.Fatalf("no setting %s", flag)
	return setting{}
}

func TestMemoryLimitFlag(t *testing.T) {
	cfg, err := LoadConfig([]string{"--memory-limit", "768MiB"}, env(nil))
	if err != nil || cfg.MemoryLimit != 768<<20 {
		t.Fatalf("--memory-limit 768MiB: %d, %v", cfg.MemoryLimit, err)
	}
	cfg, err = LoadConfig(nil, env(map[string]string{"KILN_MEMORY_LIMIT": "1Gi"}))
	if err != nil || cfg.MemoryLimit != 1<<30 {
		t.Fatalf("KILN_MEMORY_LIMIT=1Gi: %d, %v", cfg.MemoryLimit, err)
	}
}
