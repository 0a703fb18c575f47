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
	writeBakeImages(&t, b)
	out.Text = cutBytes(t.String(), MaxCheckRunBytes, "… see the image in Image Builder for the rest")
	return out
}

// writeBakeImages renders what a bake produced: AMIs per region and
// account, container image URIs.
func writeBakeImages(t *strings.Builder, b Bake) {
	if len(b.Images) > 0 {
		t.WriteString("| region | account | AMI |\n| --- | --- | --- |\n")
		for _, im := range b.Images {
			fmt.Fprintf(t, "| %s | %s | `%s` |\n", mdCell(im.Region), mdCell(im.Account), mdCodeCell(im.ImageID))
		}
	}
	if len(b.Containers) > 0 {
		if t.Len() > 0 {
			t.WriteString("\n")
		}
		t.WriteString("Container images:\n\n")
		for _, u := range b.Containers {
			fmt.Fprintf(t, "- `%s`\n", mdCode(u))
		}
	}
}

// BakeGroupOutput renders the bakes of one environment and commit, which
// share one `kiln/bake (<env>)` check run. Conclusion stays empty while any
// bake runs; then it is failure if one failed, cancelled if one was
// cancelled, success when every image is available.
func BakeGroupOutput(env string, bakes []Bake) CheckOutput {
	done, failed, cancelled := 0, 0, 0
	var sum strings.Builder
	sum.WriteString("| pipeline | state | elapsed |\n| --- | --- | --- |\n")
	for _, b := range bakes {
		icon, ok := bakeIcon[b.State]
		if !ok {
			icon = "⏳"
		}
		fmt.Fprintf(&sum, "| `%s` | %s %s | %s |\n", mdCodeCell(b.Pipeline), icon, mdCell(b.State), b.Elapsed.Round(time.Second))
		switch b.State {
		case "AVAILABLE":
			done++
		case "FAILED":
			done++
			failed++
		case "CANCELLED":
			done++
			cancelled++
		}
	}
	out := CheckOutput{}
	switch {
	case done < len(bakes):
		out.Title = fmt.Sprintf("Baking in %s: %d of %d done", env, done, len(bakes))
	case failed > 0:
		out.Title, out.Conclusion = fmt.Sprintf("Bake in %s: %d of %d failed", env, failed, len(bakes)), ConclusionFailure
	case cancelled > 0:
		out.Title, out.Conclusion = fmt.Sprintf("Bake in %s: %d of %d cancelled", env, cancelled, len(bakes)), ConclusionCancelled
	default:
		out.Title, out.Conclusion = fmt.Sprintf("Baked in %s: %d image(s) available", env, len(bakes)), ConclusionSuccess
	}
	out.Title = cutTitle(out.Title, maxAnnotationTitle)
	out.Summary = cutBytes(sum.String(), MaxCheckRunBytes, "…")

	var t strings.Builder
	for _, b := range bakes {
		fmt.Fprintf(&t, "### `%s`\n\n", mdCode(b.Pipeline))
		if b.State == "FAILED" {
			fmt.Fprintf(&t, "**Failed**: %s\n\n", mdText(b.Reason))
			if b.Log != "" {
				fmt.Fprintf(&t, "Logs: `%s`\n\n", mdCode(b.Log))
			}
		}
		var images strings.Builder
		writeBakeImages(&images, b)
		if images.Len() > 0 {
			t.WriteString(images.String() + "\n")
		}
		if len(b.Timeline) > 0 {
			t.WriteString("<details><summary>timeline</summary>\n\n")
			for _, st := range b.Timeline {
				fmt.Fprintf(&t, "- %s at +%s\n", mdText(st.State), st.After.Round(time.Second))
			}
			t.WriteString("\n</details>\n\n")
		}
	}
	out.Text = cutBytes(t.String(), MaxCheckRunBytes, "… see the images in Image Builder for the rest")
	return out
}
