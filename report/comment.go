package report

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/reconciler"
)

// CommentMarker is the hidden first line that identifies kiln's sticky
// comment on a pull request, so it is edited in place rather than posted
// again.
const CommentMarker = "<!-- kiln:sticky -->"

// CommentData is everything the sticky comment shows.
type CommentData struct {
	Repository  string // owner/name
	PullRequest int
	HeadSHA     string
	Validation  []finding.Finding
	Policy      []finding.Finding
	FailOn      finding.Severity
	// Plan has one section per environment; PlanNote explains why there is
	// no plan at all ("no credentials") when Plan is empty.
	Plan     []*reconciler.Plan
	PlanNote string
	Bakes    []Bake
	// ConfigChanged lists kiln settings, policy and waiver files the pull
	// request changes. They are read from the base commit, so the changes
	// take effect only after merge; reviewers should know.
	ConfigChanged []string
	Graph         *Graph // nil: no graph
	ChecksURL     string // the pull request's checks page
	ToolVersion   string
}

// Bake is one pipeline execution started for the pull request or its merge.
type Bake struct {
	Environment string
	Pipeline    string
	State       string // PENDING, BUILDING, TESTING, DISTRIBUTING, AVAILABLE, FAILED, CANCELLED
	Images      []BakeImage
	Containers  []string // container image URIs
	Elapsed     time.Duration
	Link        string // the bake's check run or console page
	Reason      string // why it failed
	Log         string // where the build logs are (an S3 URI)
	// Timeline lists the states the image went through, each with the
	// time since the bake started.
	Timeline []BakeStep
}

// BakeStep is one state of a bake's timeline.
type BakeStep struct {
	State string
	After time.Duration
}

// BakeImage is one AMI a bake produced.
type BakeImage struct {
	Region  string
	Account string
	ImageID string
}

// Limits the comment renderer keeps to.
const (
	detailsAbove   = 10     // tables with more rows fold into <details>
	maxGraphNodes  = 150    // larger graphs show only what the change touches
	maxGraphRunes  = 40_000 // Mermaid refuses long diagrams
	commentPointer = "… this comment was cut to fit GitHub's limit; the check runs have everything"
)

// commentLevel is how much detail a rendering keeps; Comment steps down
// until the comment fits.
type commentLevel struct {
	rows        int // findings rows per table; -1 for all
	planSummary bool
	graph       int // 0 full (focused when large), 1 focused, 2 none
}

var commentLevels = []commentLevel{
	{rows: -1},
	{rows: 100, graph: 1},
	{rows: 20, planSummary: true, graph: 1},
	{rows: 0, planSummary: true, graph: 2},
}

// Comment renders the sticky comment: a verdict, validation and policy
// findings, the plan per environment, bakes and the blast-radius graph. It
// is at most MaxCommentRunes characters and starts with CommentMarker.
func Comment(c CommentData) string {
	var out string
	for _, lv := range commentLevels {
		out = renderComment(c, lv)
		if utf8.RuneCountInString(out) <= MaxCommentRunes {
			return out
		}
	}
	pointer := commentPointer
	if c.ChecksURL != "" {
		pointer += ": " + c.ChecksURL
	}
	return cutRunes(out, MaxCommentRunes, pointer)
}

func renderComment(c CommentData, lv commentLevel) string {
	var b strings.Builder
	b.WriteString(CommentMarker + "\n")
	vc := Count(c.Validation, c.FailOn)
	pc := Count(c.Policy, c.FailOn)
	planErrors := 0
	for _, p := range c.Plan {
		planErrors += p.Count()[reconciler.ActionError]
	}
	failedBakes := 0
	for _, k := range c.Bakes {
		if k.State == "FAILED" {
			failedBakes++
		}
	}
	var bad []string
	if vc.Failing > 0 {
		bad = append(bad, plural(vc.Failing, "validation error", "validation errors"))
	}
	if pc.Failing > 0 {
		bad = append(bad, plural(pc.Failing, "policy finding fails", "policy findings fail"))
	}
	if planErrors > 0 {
		bad = append(bad, plural(planErrors, "plan error", "plan errors"))
	}
	if failedBakes > 0 {
		bad = append(bad, plural(failedBakes, "bake failed", "bakes failed"))
	}
	if len(bad) == 0 {
		b.WriteString("## ✅ kiln: all checks pass\n")
	} else {
		b.WriteString("## ❌ kiln: " + strings.Join(bad, ", ") + "\n")
	}
	var sub []string
	if c.Repository != "" {
		ref := "`" + mdCode(c.Repository) + "`"
		if c.PullRequest > 0 {
			ref += fmt.Sprintf(" #%d", c.PullRequest)
		}
		sub = append(sub, ref)
	}
	if c.HeadSHA != "" {
		sub = append(sub, "at `"+mdCode(shortSHA(c.HeadSHA))+"`")
	}
	if c.ToolVersion != "" {
		sub = append(sub, "kiln "+mdText(c.ToolVersion))
	}
	if len(sub) > 0 {
		b.WriteString("<sub>" + strings.Join(sub, " · ") + "</sub>\n")
	}

	if len(c.ConfigChanged) > 0 {
		files := make([]string, len(c.ConfigChanged))
		for i, f := range c.ConfigChanged {
			files[i] = "`" + mdCode(f) + "`"
		}
		b.WriteString("\n> [!WARNING]\n> This pull request changes kiln's settings or policies: " + strings.Join(files, ", ") +
			".\n> kiln judges pull requests by the base branch's settings, policies and waivers, so these changes take effect only after merge. Review them with care.\n")
	}

	b.WriteString("\n### Validation\n\n")
	if len(c.Validation) == 0 {
		b.WriteString("✅ All files are valid.\n")
	} else {
		writeFindingsSection(&b, c.Validation, c.FailOn, lv.rows, vc, c.ChecksURL)
	}

	b.WriteString("\n### Policy\n\n")
	if len(c.Policy) == 0 {
		b.WriteString("✅ No policy findings.\n")
	} else {
		b.WriteString(summaryMarkdown(pc, c.FailOn) + "\n")
		writeFindingsSection(&b, c.Policy, c.FailOn, lv.rows, pc, c.ChecksURL)
	}

	b.WriteString("\n### Plan\n\n")
	switch {
	case len(c.Plan) == 0 && c.PlanNote != "":
		b.WriteString("_No plan: " + mdText(c.PlanNote) + "._\n")
	case len(c.Plan) == 0:
		b.WriteString("_No plan was computed._\n")
	case lv.planSummary:
		b.WriteString(planSummaryMarkdown(c.Plan))
	default:
		b.WriteString(PlanMarkdown(c.Plan))
	}

	if len(c.Bakes) > 0 {
		b.WriteString("\n### Bakes\n\n")
		writeBakes(&b, c.Bakes)
	}

	if c.Graph != nil && lv.graph < 2 && len(c.Graph.Nodes()) > 0 {
		writeGraph(&b, *c.Graph, lv.graph == 1)
	}

	if c.ChecksURL != "" {
		fmt.Fprintf(&b, "\n<sub>Details and annotations: [checks](%s)</sub>\n", mdURL(c.ChecksURL))
	}
	return b.String()
}

// writeFindingsSection writes a findings table, folded when long, with at
// most maxRows rows (-1 for all).
func writeFindingsSection(b *strings.Builder, fs []finding.Finding, failOn finding.Severity, maxRows int, c Counts, checks string) {
	fs = sorted(fs)
	shown := fs
	if maxRows >= 0 && len(shown) > maxRows {
		shown = shown[:maxRows]
	}
	left := len(fs) - len(shown)
	rows := findingRows(shown, failOn)
	if len(rows) > 0 {
		fold := len(rows) > detailsAbove
		if fold {
			fmt.Fprintf(b, "<details><summary>%s (%d failing)</summary>\n\n", plural(len(fs), "finding", "findings"), c.Failing)
		}
		b.WriteString(findingTableHead)
		for _, r := range rows {
			b.WriteString(r)
		}
		if fold {
			b.WriteString("\n</details>\n")
		}
	}
	if left > 0 {
		where := "the check runs"
		if checks != "" {
			where = "[the check runs](" + mdURL(checks) + ")"
		}
		fmt.Fprintf(b, "\n… %s more in %s or from `kiln check`.\n", plural(left, "finding", "findings"), where)
	}
}

// planSummaryMarkdown is the plan reduced to counts and bakes.
func planSummaryMarkdown(plans []*reconciler.Plan) string {
	var b strings.Builder
	for _, p := range plans {
		fmt.Fprintf(&b, "- `%s`: ", mdCode(p.Environment.Name))
		if len(p.Changes) == 0 && p.Note != "" {
			b.WriteString(mdText(p.Note) + "\n")
			continue
		}
		b.WriteString(tallyLine(p))
		if len(p.Bakes) > 0 {
			names := make([]string, len(p.Bakes))
			for i, k := range p.Bakes {
				names[i] = "`" + mdCode(k.Pipeline) + "`"
			}
			b.WriteString("; bakes " + strings.Join(names, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

var bakeIcon = map[string]string{"AVAILABLE": "✅", "FAILED": "❌", "CANCELLED": "⏹️"}

func writeBakes(b *strings.Builder, bakes []Bake) {
	b.WriteString("| environment | pipeline | state | images | elapsed |\n| --- | --- | --- | --- | --- |\n")
	for _, k := range bakes {
		icon, ok := bakeIcon[k.State]
		if !ok {
			icon = "⏳"
		}
		state := icon + " " + mdCell(k.State)
		if k.Link != "" {
			state = fmt.Sprintf("[%s](%s)", state, mdURL(k.Link))
		}
		if k.Reason != "" {
			state += "<br>" + mdCell(k.Reason)
		}
		var images []string
		for _, im := range k.Images {
			s := mdCell(im.Region) + ": `" + mdCodeCell(im.ImageID) + "`"
			if im.Account != "" {
				s += " (" + mdCell(im.Account) + ")"
			}
			images = append(images, s)
		}
		for _, u := range k.Containers {
			images = append(images, "`"+mdCodeCell(u)+"`")
		}
		elapsed := ""
		if k.Elapsed > 0 {
			elapsed = k.Elapsed.Round(time.Second).String()
		}
		fmt.Fprintf(b, "| `%s` | `%s` | %s | %s | %s |\n", mdCodeCell(k.Environment), mdCodeCell(k.Pipeline), state, strings.Join(images, "<br>"), elapsed)
	}
}

func writeGraph(b *strings.Builder, g Graph, focus bool) {
	total := len(g.Nodes())
	if focus || total > maxGraphNodes {
		g = g.Focus()
	}
	if len(g.Nodes()) == 0 {
		return
	}
	m := g.Mermaid()
	if len(g.Nodes()) > maxGraphNodes || utf8.RuneCountInString(m) > maxGraphRunes {
		fmt.Fprintf(b, "\n### Blast radius\n\n_The graph has %s, too many to draw; %s._\n", plural(total, "node", "nodes"), graphCounts(g))
		return
	}
	b.WriteString("\n### Blast radius\n\n")
	summary := "pipeline → recipe → component: " + graphCounts(g)
	if len(g.Nodes()) < total {
		summary += fmt.Sprintf(" (showing %d of %d nodes)", len(g.Nodes()), total)
	}
	b.WriteString("<details open><summary>" + summary + "</summary>\n\n```mermaid\n" + m + "```\n\n</details>\n")
}

func graphCounts(g Graph) string {
	changed, affected := 0, 0
	for _, n := range g.Nodes() {
		switch {
		case g.Changed[n.ID]:
			changed++
		case g.Affected[n.ID]:
			affected++
		}
	}
	return fmt.Sprintf("%d changed, %d affected", changed, affected)
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// mdURL keeps a link target from closing the Markdown link early.
func mdURL(u string) string {
	return urlEscaper.Replace(u)
}

var urlEscaper = strings.NewReplacer(" ", "%20", ")", "%29", "(", "%28", "\n", "", "\r", "", "<", "%3C", ">", "%3E")
