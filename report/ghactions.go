package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kiln-gitops/kiln/finding"
)

// GitHub Actions workflow commands escape data and property values as the
// Actions toolkit does (core/src/command.ts); properties also escape the
// separators of the property list.
var (
	ghDataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghPropertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// WriteGitHub writes one workflow command per finding: ::error for findings
// that fail, ::warning for the others and ::notice for waived ones, then
// the summary as plain log lines.
func WriteGitHub(w io.Writer, r Result) error {
	bw := bufio.NewWriter(w)
	fs := sorted(r.Findings)
	for _, f := range fs {
		cmd := "warning"
		switch {
		case f.Waived():
			cmd = "notice"
		case f.Fails(r.FailOn):
			cmd = "error"
		}
		var props []string
		if p := displayPath(r.Root, f.File); p != "" {
			// The runner makes a path under the workspace relative to the
			// repository itself.
			props = append(props, "file="+ghDataEscaperProp(p))
			if f.Line > 0 {
				props = append(props, "line="+strconv.Itoa(f.Line))
				if f.Column > 0 {
					props = append(props, "col="+strconv.Itoa(f.Column))
				}
			}
		}
		props = append(props, "title="+ghDataEscaperProp(annotationTitle(f)))
		fmt.Fprintf(bw, "::%s %s::%s\n", cmd, strings.Join(props, ","), ghDataEscaper.Replace(ghMessage(f)))
	}
	c := Count(fs, r.FailOn)
	fmt.Fprintf(bw, "%s, %s: %s", plural(r.Files, "file", "files"), plural(r.Resources, "resource", "resources"), c.severityList())
	if c.Waived > 0 {
		fmt.Fprintf(bw, " (%d waived)", c.Waived)
	}
	if c.Pass() {
		fmt.Fprintf(bw, "\nPASS (fail on %s)\n", failOnLabel(r.FailOn))
	} else {
		fmt.Fprintf(bw, "\nFAIL: %s (fail on %s)\n", plural(c.Failing, "failing finding", "failing findings"), failOnLabel(r.FailOn))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write github report: %w", err)
	}
	return nil
}

func ghDataEscaperProp(s string) string { return ghPropertyEscaper.Replace(s) }

// ghMessage is the annotation message with the policy details, since a
// workflow command has no separate field for them.
func ghMessage(f finding.Finding) string {
	msg := annotationMessage(f)
	if d := annotationDetails(f); d != "" {
		msg += "\n" + d
	}
	return msg
}
