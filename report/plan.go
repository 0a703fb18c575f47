package report

import (
	"fmt"
	"strings"

	"github.com/kiln-gitops/kiln/model"
)

// Action is what applying a plan does to one resource.
type Action string

const (
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionUnchanged Action = "unchanged"
	ActionOrphaned  Action = "orphaned" // in Image Builder, no longer in the repository
	ActionError     Action = "error"    // the plan cannot be applied as it stands
)

var actionOrder = []Action{ActionCreate, ActionUpdate, ActionOrphaned, ActionError, ActionUnchanged}

// PlanSection is the plan for one environment, in a shape independent of
// the reconciler so that reports do not depend on it.
type PlanSection struct {
	Environment string `json:"environment"`
	Account     string `json:"account,omitempty"`
	Region      string `json:"region,omitempty"`
	// Note explains a plan that could not be computed (for example "no
	// credentials"); Changes is then usually empty.
	Note    string   `json:"note,omitempty"`
	Changes []Change `json:"changes"`
	Bakes   []BakeOn `json:"bakes"` // pipelines that will bake on merge
}

// Change is the plan for one resource.
type Change struct {
	Action  Action     `json:"action"`
	Kind    model.Kind `json:"kind"`
	Name    string     `json:"name"`
	Version string     `json:"version,omitempty"`
	Reason  string     `json:"reason,omitempty"`
	// DryRun is the verdict of Image Builder's dryRun for the change ("ok"
	// or the service's message); empty when it was not run.
	DryRun string `json:"dryRun,omitempty"`
}

// ID is "Kind/name@version" as model.Resource.ID spells it.
func (c Change) ID() string {
	if c.Version != "" {
		return fmt.Sprintf("%s/%s@%s", c.Kind, c.Name, c.Version)
	}
	return fmt.Sprintf("%s/%s", c.Kind, c.Name)
}

// BakeOn is a pipeline that will start when the change merges, and why.
type BakeOn struct {
	Pipeline string   `json:"pipeline"`
	Reasons  []string `json:"reasons,omitempty"`
}

// tally counts changes per action.
func (p PlanSection) tally() map[Action]int {
	t := map[Action]int{}
	for _, c := range p.Changes {
		t[c.Action]++
	}
	return t
}

// Errors reports how many changes are errors.
func (p PlanSection) Errors() int { return p.tally()[ActionError] }

func (p PlanSection) tallyLine() string {
	t := p.tally()
	return fmt.Sprintf("%d to create, %d to update, %d orphaned, %d unchanged, %s",
		t[ActionCreate], t[ActionUpdate], t[ActionOrphaned], t[ActionUnchanged], plural(t[ActionError], "error", "errors"))
}

func (p PlanSection) where() string {
	var parts []string
	for _, s := range []string{p.Account, p.Region} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// changesInOrder returns the changes grouped by action (create, update,
// orphaned, error, unchanged), keeping their order within an action.
func (p PlanSection) changesInOrder() []Change {
	out := make([]Change, 0, len(p.Changes))
	for _, a := range actionOrder {
		for _, c := range p.Changes {
			if c.Action == a {
				out = append(out, c)
			}
		}
	}
	for _, c := range p.Changes { // unknown actions last, never dropped
		if !knownAction(c.Action) {
			out = append(out, c)
		}
	}
	return out
}

func knownAction(a Action) bool {
	for _, k := range actionOrder {
		if a == k {
			return true
		}
	}
	return false
}

var actionSymbol = map[Action]string{
	ActionCreate: "+", ActionUpdate: "~", ActionUnchanged: "=", ActionOrphaned: "-", ActionError: "!",
}

func symbol(a Action) string {
	if s, ok := actionSymbol[a]; ok {
		return s
	}
	return "?"
}

// PlanMarkdown renders plan sections for the sticky comment and the
// kiln/plan check run. Unchanged resources are folded into <details>.
func PlanMarkdown(sections []PlanSection) string {
	if len(sections) == 0 {
		return "_No environments configured: nothing to plan._\n"
	}
	var b strings.Builder
	for i, p := range sections {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "#### Environment `%s`", mdCode(p.Environment))
		if w := p.where(); w != "" {
			fmt.Fprintf(&b, " (%s)", mdText(w))
		}
		b.WriteString("\n\n")
		if p.Note != "" {
			fmt.Fprintf(&b, "> %s\n\n", mdText(p.Note))
		}
		if len(p.Changes) == 0 && p.Note != "" {
			continue
		}
		fmt.Fprintf(&b, "%s\n\n", p.tallyLine())
		var changed, unchanged []Change
		for _, c := range p.changesInOrder() {
			if c.Action == ActionUnchanged {
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

func writeChangeTable(b *strings.Builder, cs []Change) {
	b.WriteString("| | action | resource | reason | dry run |\n| --- | --- | --- | --- | --- |\n")
	for _, c := range cs {
		fmt.Fprintf(b, "| %s | %s | `%s` | %s | %s |\n",
			mdCell(symbol(c.Action)), mdCell(string(c.Action)), mdCodeCell(c.ID()), mdCell(c.Reason), mdCell(c.DryRun))
	}
}
