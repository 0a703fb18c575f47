package validate

import "github.com/kiln-gitops/kiln/model"

// Baseline is what the checks against a base commit need of it: each
// resource's digest and the highest version of each versioned name. It is
// a few hundred bytes per resource where the loaded base holds its YAML
// nodes and values, so a pull request's base can be dropped before its
// head is loaded.
type Baseline struct {
	resources map[key]baseResource
	top       map[kindName]model.Version
}

type baseResource struct {
	digest string
	// comparable is false when the digest does not stand for the content
	// (see comparable).
	comparable bool
}

type kindName struct {
	kind model.Kind
	name string
}

// NewBaseline summarises base; nil gives nil.
func NewBaseline(base *model.Repository) *Baseline {
	if base == nil {
		return nil
	}
	b := &Baseline{resources: make(map[key]baseResource, len(base.Resources)), top: map[kindName]model.Version{}}
	for _, r := range base.Resources {
		b.resources[keyOf(r)] = baseResource{digest: model.Digest(r), comparable: comparable(r)}
		if !r.Kind.Versioned() {
			continue
		}
		if v, err := model.ParseVersion(r.Metadata.Version); err == nil {
			kn := kindName{r.Kind, r.Metadata.Name}
			if top, ok := b.top[kn]; !ok || top.Less(v) {
				b.top[kn] = v
			}
		}
	}
	return b
}
