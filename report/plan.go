package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/reconciler"
)

// actionOrder is the order plans list changes in: what will change first,
// what stays last.
var actionOrder = []reconciler.Action{reconciler.ActionCreate, reconciler.ActionUpdate, reconciler.ActionAdopt,
	reconciler.ActionOrphaned, reconciler.ActionError, reconciler.ActionUnchanged}

// shownAction is the action as reports name it: a pruned orphan is an
// orphan whose reason says it goes.
func shownAction(a reconciler.Action) reconciler.Action {
	if a == reconciler.ActionDelete {
		return reconciler.ActionOrphaned
	}
	return a
}

// tally counts changes per shown action.
func tally(p *reconciler.Plan) map[reconciler.Action]int {
	t := map[reconciler.Action]int{}
	for _, c := range p.Changes {
		t[shownAction(c.Action)]++
	}
	return t
}

// tallyLine counts a plan's changes; adoptions, rare (the first apply
// after kiln import), only when there are any.
func tallyLine(p *reconciler.Plan) string {
	t := tally(p)
	adopt := ""
	if n := t[reconciler.ActionAdopt]; n > 0 {
		adopt = fmt.Sprintf("%d to adopt, ", n)
	}
	return fmt.Sprintf("%d to create, %d to update, %s%d orphaned, %d unchanged, %s",
		t[reconciler.ActionCreate], t[reconciler.ActionUpdate], adopt, t[reconciler.ActionOrphaned], t[reconciler.ActionUnchanged],
		plural(t[reconciler.ActionError], "error", "errors"))
}

func where(p *reconciler.Plan) string {
	var parts []string
	for _, s := range []string{p.Environment.Account, p.Environment.Region} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// changesInOrder returns the changes grouped by shown action (create,
// update, orphaned, error, unchanged), keeping their order within an
// action.
func changesInOrder(p *reconciler.Plan) []reconciler.Change {
	out := make([]reconciler.Change, 0, len(p.Changes))
	for _, a := range actionOrder {
		for _, c := range p.Changes {
			if shownAction(c.Action) == a {
				out = append(out, c)
			}
		}
	}
	for _, c := range p.Changes { // unknown actions last, never dropped
		if !slices.Contains(actionOrder, shownAction(c.Action)) {
			out = append(out, c)
		}
	}
	return out
}

var actionSymbol = map[reconciler.Action]string{
	reconciler.ActionCreate: "+", reconciler.ActionUpdate: "~", reconciler.ActionUnchanged: "=",
	reconciler.ActionAdopt:    "<", // taken in as it is
	reconciler.ActionOrphaned: "-", reconciler.ActionError: "!",
}

func symbol(a reconciler.Action) string {
	if s, ok := actionSymbol[shownAction(a)]; ok {
		return s
	}
	return "?"
}

// PlanMarkdown renders plan sections for the sticky comment and the
// kiln/plan check run. Unchanged resources are folded into <details>.
func PlanMarkdown(plans []*reconciler.Plan) string {
	if len(plans) == 0 {
		return "_No environments configured: nothing to plan._\n"
	}
	var b strings.Builder
	for i, p := range plans {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "#### Environment `%s`", mdCode(p.Environment.Name))
		if w := where(p); w != "" {
			fmt.Fprintf(&b, " (%s)", mdText(w))
		}
		b.WriteString("\n\n")
		if p.Note != "" {
			fmt.Fprintf(&b, "> %s\n\n", mdText(p.Note))
		}
		if len(p.Changes) == 0 && p.Note != "" {
			continue
		}
		fmt.Fprintf(&b, "%s\n\n", tallyLine(p))
		var changed, unchanged []reconciler.Change
		for _, c := range changesInOrder(p) {
			if c.Action == reconciler.ActionUnchanged {
				unchanged = append(unchanged, c)
			} else {
				changed = append(changed, c)
			}
		}
		if len(changed) > 0 {
			writeChangeTable(&b, changed)
			b.WriteString("\n")
		}
		if len(unchanged) > 0 {
			fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n", plural(len(unchanged), "unchanged resource", "unchanged resources"))
			writeChangeTable(&b, unchanged)
			b.WriteString("\n</details>\n\n")
		}
		if len(p.Bakes) == 0 {
			b.WriteString("No pipeline bakes on merge.\n")
			continue
		}
		b.WriteString("Pipelines that bake on merge:\n\n")
		for _, k := range p.Bakes {
			fmt.Fprintf(&b, "- `%s`", mdCode(k.Pipeline))
			if len(k.Reasons) > 0 {
				fmt.Fprintf(&b, ": %s", mdText(strings.Join(k.Reasons, "; ")))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func writeChangeTable(b *strings.Builder, cs []reconciler.Change) {
	b.WriteString("| | action | resource | reason | dry run |\n| --- | --- | --- | --- | --- |\n")
	for _, c := range cs {
		fmt.Fprintf(b, "| %s | %s | `%s` | %s | %s |\n",
			mdCell(symbol(c.Action)), mdCell(string(shownAction(c.Action))), mdCodeCell(c.ID().String()), mdCell(c.Reason), mdCell(c.DryRun))
	}
}
