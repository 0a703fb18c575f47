package finding

import "testing"

func TestPosEscapesControlCharacters(t *testing.T) {
	tests := []struct {
		pos  Pos
		want string
	}{
		{Pos{File: "components/a.yaml", Line: 3, Column: 5}, "components/a.yaml:3:5"},
		{Pos{File: "components/\x1b[31mred.yaml", Line: 1}, `components/\x1b[31mred.yaml:1`},
		{Pos{File: "a\nb.yaml"}, `a\x0ab.yaml`},
		{Pos{File: "invoice\u202egpj.yaml", Line: 2, Column: 1}, `invoice\u202egpj.yaml:2:1`},
		{Pos{File: "komponente/größe.yaml", Line: 1}, "komponente/größe.yaml:1"},
	}
	for _, tt := range tests {
		if got := tt.pos.String(); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.pos.File, got, tt.want)
		}
	}
}
