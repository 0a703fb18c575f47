package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set at build time, e.g. in the Dockerfile:
//
//	go build -ldflags "-X main.version=v1.2.0 -X main.commit=$(git rev-parse HEAD)" ./cmd/kiln
//
// Without them the module version and VCS revision that the Go toolchain
// records in the binary are used (`go install …/cmd/kiln@v1.2.0` sets both).
var (
	version string
	commit  string
)

// buildVersion is kiln's version and commit: the -X values when set, else
// the build info's, else "dev" and "".
func buildVersion(bi *debug.BuildInfo, ok bool) (ver, rev string) {
	ver, rev = version, commit
	if !ok {
		bi = &debug.BuildInfo{}
	}
	if ver == "" {
		ver = bi.Main.Version
		if ver == "" || ver == "(devel)" {
			ver = "dev"
		}
	}
	if rev == "" {
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if rev != "" && modified {
			rev += "-dirty"
		}
	}
	return ver, rev
}

// toolVersion is the version reports name kiln by (SARIF, JUnit).
func toolVersion() string {
	v, _ := buildVersion(debug.ReadBuildInfo())
	return v
}

// versionString is `kiln version`'s text: "v1.2.0 (commit abc123…)".
func versionString() string {
	v, rev := buildVersion(debug.ReadBuildInfo())
	if rev == "" {
		return v
	}
	return fmt.Sprintf("%s (commit %s)", v, rev)
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kiln's version and commit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "kiln", versionString())
			return err
		},
	}
}
