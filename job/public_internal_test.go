package job

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestPublicReason(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{failedTo("fetch the head of #3", fmt.Errorf("gitfetch: %w", ErrTooLarge)), "kiln could not fetch the head of #3 (the repository is larger than one fetch may hold"},
		{failedTo("fetch the head of #3", context.DeadlineExceeded), "kiln could not fetch the head of #3 (timed out)"},
		{fmt.Errorf("dial tcp 10.0.0.1:443: refused"), "kiln hit an internal error."},
	}
	for _, c := range cases {
		got := publicReason(context.Background(), c.err)
		if !strings.HasPrefix(got, c.want) || strings.Contains(got, "10.0.0.1") {
			t.Errorf("publicReason(%v) = %q, want it to start %q", c.err, got, c.want)
		}
	}
}
