package validate

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// key identifies a resource across two commits: kind, name and, for
// versioned kinds, version.
type key struct {
	kind          model.Kind
	name, version string
}

func keyOf(r *model.Resource) key {
	k := key{kind: r.Kind, name: r.Metadata.Name}
	if r.Kind.Versioned() {
		k.version = r.Metadata.Version
	}
	return k
}

// Immutability reports every component or recipe whose content differs
// between base and head while its version stayed the same: Image Builder
// versions are immutable, so the change could never be applied. The
// finding names the next free version and offers the bumped line.
func Immutability(base *Baseline, head *model.Repository) []finding.Finding {
	if base == nil || head == nil {
		return nil
	}
	var out []finding.Finding
	for _, r := range head.Resources {
		if !r.Kind.Versioned() {
			continue
		}
		b, ok := base.resources[keyOf(r)]
		if !ok || !b.comparable || !comparable(r) || b.digest == model.Digest(r) {
			continue
		}
		next := nextFree(base, head, r.Kind, r.Metadata.Name)
		f := newFinding(r, r.At("metadata", "version"), "immutable/changed",
			fmt.Sprintf("%s %s %s changed but kept its version; versions are immutable in Image Builder: bump it to %s",
				r.Kind, r.Metadata.Name, r.Metadata.Version, next))
		f.Suggestion = bumpedLine(r, next)
		out = append(out, f)
	}
	finding.Sort(out)
	return out
}

// ChangedResources returns the resources of head that are new or whose
// content differs from base; with no base, all of them.
func ChangedResources(base *Baseline, head *model.Repository) []*model.Resource {
	if head == nil {
		return nil
	}
	var out []*model.Resource
	for _, r := range head.Resources {
		if base == nil {
			out = append(out, r)
			continue
		}
		if b, ok := base.resources[keyOf(r)]; !ok || b.digest != model.Digest(r) {
			out = append(out, r)
		}
	}
	return out
}

// comparable reports whether r's digest stands for its content: a
// component or workflow whose document file could not be read would
// differ only by the read failure, which is not a change of content.
func comparable(r *model.Resource) bool {
	if info, _ := r.Kind.Info(); !info.HasDocument() {
		return true
	}
	spec, _ := r.Value["spec"].(map[string]any)
	_, byPath := spec["document"]
	return !byPath || r.Document != nil
}

// nextFree is the patch after the highest version of kind called name in
// either commit, so the suggestion never collides with a version that
// exists or is being added.
func nextFree(base *Baseline, head *model.Repository, kind model.Kind, name string) model.Version {
	top := base.top[kindName{kind, name}]
	if vs := head.Versions(kind, name); len(vs) > 0 {
		if v, err := model.ParseVersion(vs[0].Metadata.Version); err == nil && top.Less(v) {
			top = v
		}
	}
	return top.NextPatch()
}

// bumpedLine is the metadata.version line with the new version, keeping the
// file's indentation, key, quoting and trailing comment; "" when the
// version is not on a line of its own (flow style).
func bumpedLine(r *model.Resource, next model.Version) string {
	meta := model.Lookup(r.Node(), "metadata")
	if meta == nil || meta.Kind != yaml.MappingNode || meta.Style&yaml.FlowStyle != 0 {
		return ""
	}
	for i := 0; i+1 < len(meta.Content); i += 2 {
		k, v := meta.Content[i], meta.Content[i+1]
		if k.Value != "version" {
			continue
		}
		if v.Line != k.Line {
			return ""
		}
		val := next.String()
		switch {
		case v.Style&yaml.DoubleQuotedStyle != 0:
			val = `"` + val + `"`
		case v.Style&yaml.SingleQuotedStyle != 0:
			val = "'" + val + "'"
		}
		line := strings.Repeat(" ", k.Column-1) + k.Value + ": " + val
		if v.LineComment != "" {
			line += " " + v.LineComment
		}
		return line
	}
	return ""
}
