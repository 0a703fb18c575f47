package reconciler

import (
	"github.com/kiln-gitops/kiln/model"
)

// unadopted lists the live resources the repository names that kiln did
// not make (or did not finish adopting): the ones Adopt needs specs of.
func (p *Plan) unadopted() []Live {
	var out []Live
	for _, c := range p.Changes {
		if unadopted(c) {
			out = append(out, *c.Live)
		}
	}
	return out
}

func unadopted(c Change) bool {
	return c.Action == ActionError && c.Resource != nil && c.Live != nil && !c.Live.Owned()
}

// Adopt settles what Build left as errors for live resources kiln did not
// make, given their specs in kiln's shape (SpecReader): one that matches
// the repository field by field is an adoption, which apply carries out by
// tagging it; one that differs stays an error naming the fields, because
// kiln never takes over a resource it did not make to rewrite it. Unlike
// CompareFields, fields only the live resource sets differ too: the next
// update after the adoption would drop them (kiln import writes them all).
func Adopt(desired *model.Repository, plan *Plan, live map[model.ID]*model.Resource) {
	env := plan.Environment
	for i := range plan.Changes {
		c := &plan.Changes[i]
		if !unadopted(*c) {
			continue
		}
		l := live[c.ID()]
		if l == nil {
			continue // not readable in kiln's shape: Build's reason stands
		}
		diffs := diffFields(comparable(env, desired, c.Resource), comparable(env, desired, l), true)
		c.Fields = diffs
		if len(diffs) == 0 {
			c.Action, c.Reason = ActionAdopt, "exists in Image Builder, made outside kiln; apply tags it as kiln's"
			continue
		}
		c.Reason = unmanagedReason(env, c.Live) + ", and differs from the repository: " + describe(diffs) +
			"; import it again (kiln import) or change the YAML to match"
	}
}
