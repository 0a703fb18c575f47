package report

import (
	"fmt"
	"strings"
	"time"
)

// BakeOutput renders one bake as the output of its `kiln/bake (<env>)`
// check run. Conclusion is empty while the bake runs (the check run stays
// in progress), success when the image is AVAILABLE, failure when it
// FAILED and neutral when it was CANCELLED.
func BakeOutput(b Bake) CheckOutput {
	out := CheckOutput{Title: cutTitle(fmt.Sprintf("%s: %s", b.Pipeline, strings.ToLower(b.State)), maxAnnotationTitle)}
	switch b.State {
	case "AVAILABLE":
		out.Conclusion = ConclusionSuccess
	case "FAILED":
		out.Conclusion = ConclusionFailure
	case "CANCELLED":
		out.Conclusion = ConclusionNeutral
	}
	var s strings.Builder
	icon, ok := bakeIcon[b.State]
	if !ok {
		icon = "⏳"
	}
	fmt.Fprintf(&s, "%s Pipeline `%s` in `%s`: **%s**", icon, mdCode(b.Pipeline), mdCode(b.Environment), mdText(b.State))
	if b.Elapsed > 0 {
		fmt.Fprintf(&s, " after %s", b.Elapsed.Round(time.Second))
	}
	s.WriteString(".\n")
	if b.Reason != "" {
		s.WriteString("\n" + mdText(b.Reason) + "\n")
	}
	if b.Link != "" {
		fmt.Fprintf(&s, "\n[Details](%s)\n", mdURL(b.Link))
	}
	out.Summary = cutBytes(s.String(), MaxCheckRunBytes, "…")

	var t strings.Builder
	if len(b.Images) > 0 {
		t.WriteString("| region | account | AMI |\n| --- | --- | --- |\n")
		for _, im := range b.Images {
			fmt.Fprintf(&t, "| %s | %s | `%s` |\n", mdCell(im.Region), mdCell(im.Account), mdCodeCell(im.ImageID))
		}
	}
	if len(b.Containers) > 0 {
		if t.Len() > 0 {
			t.WriteString("\n")
		}
		t.WriteString("Container images:\n\n")
		for _, u := range b.Containers {
			fmt.Fprintf(&t, "- `%s`\n", mdCode(u))
		}
	}
	out.Text = cutBytes(t.String(), MaxCheckRunBytes, "… see the image in Image Builder for the rest")
	return out
}
