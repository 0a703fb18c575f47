package awstoe

import "testing"

func TestIsRef(t *testing.T) {
	tests := map[string]bool{
		"Name":                                true,
		"loop.value":                          true,
		"build.Download.inputs[0].source":     true,
		"build.Step-1.outputs[0].stdout":      true,
		"a_b-c":                               true,
		"":                                    false,
		".Config.User":                        false,
		"{ imagebuilder:parentImage }":        false,
		"build..x":                            false,
		"build.x[]":                           false,
		"build.x[a]":                          false,
		"[0]":                                 false,
		"name with space":                     false,
		"build.x.":                            false,
		"index .Values \"x\"":                 false,
		"build.Download.inputs[0]destination": false,
	}
	for in, want := range tests {
		if got := isRef(in); got != want {
			t.Errorf("isRef(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParseRef(t *testing.T) {
	segs := parseRef("build.Download.inputs[2].source")
	want := []segment{{name: "build"}, {name: "Download"}, {name: "inputs"}, {index: 2, isIdx: true}, {name: "source"}}
	if len(segs) != len(want) {
		t.Fatalf("parseRef = %+v", segs)
	}
	for i := range want {
		if segs[i] != want[i] {
			t.Errorf("segment %d = %+v, want %+v", i, segs[i], want[i])
		}
	}
}

func TestClosest(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"biuld", "build"},
		{"tets", "test"},
		{"xyz", ""},
		{"validat", "validate"},
	}
	for _, tt := range tests {
		if got := closest(tt.in, Phases, 3); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
