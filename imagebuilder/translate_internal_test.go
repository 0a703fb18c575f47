package imagebuilder

import "testing"

func TestBuildTimeArn(t *testing.T) {
	const c = "arn:aws:imagebuilder:us-east-1:111111111111:component/ssh-hardening/1.2.0/1"
	const w = "arn:aws:imagebuilder:us-east-1:111111111111:workflow/build/build-with-approval/1.0.0/1"
	cases := []struct{ resolved, pattern, want string }{
		{c, "1.2.0", c},
		{c, "1.x.x", "arn:aws:imagebuilder:us-east-1:111111111111:component/ssh-hardening/1.x.x"},
		{c, "1.2.x", "arn:aws:imagebuilder:us-east-1:111111111111:component/ssh-hardening/1.2.x"},
		{w, "1.x.x", "arn:aws:imagebuilder:us-east-1:111111111111:workflow/build/build-with-approval/1.x.x"},
		{w, "1.0.0", w},
		{c, "not a version", c},
		{"short", "1.x.x", "short"},
	}
	for _, tc := range cases {
		if got := buildTimeArn(tc.resolved, tc.pattern); got != tc.want {
			t.Errorf("buildTimeArn(%s, %s) = %s, want %s", tc.resolved, tc.pattern, got, tc.want)
		}
	}
}
