package check

import (
	"strings"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// EmptyRule is the rule id of the finding for a check that found no
// resources: a folder with nothing to check must not pass as green.
const EmptyRule = "check/no-resources"

// inFolder reports whether file (relative to the repository root) lies in
// folder ("." or "" is the whole repository).
func inFolder(folder, file string) bool {
	if folder == "" || folder == "." {
		return true
	}
	return file == folder || strings.HasPrefix(file, folder+"/")
}

// scoped keeps the findings of folder, and those of .kiln.yaml, which
// governs every folder.
func scoped(folder string, fs []finding.Finding) []finding.Finding {
	if folder == "" || folder == "." {
		return fs
	}
	out := fs[:0:0]
	for _, f := range fs {
		if f.File == "" || f.File == model.ConfigFile || inFolder(folder, f.File) {
			out = append(out, f)
		}
	}
	return out
}

// Files are the files looked at in the checked folder.
func (r *Result) Files() []string {
	var out []string
	for _, f := range r.Head.Files {
		if inFolder(r.folder, f) {
			out = append(out, f)
		}
	}
	return out
}

// Resources are the resources in the checked folder.
func (r *Result) Resources() []*model.Resource {
	var out []*model.Resource
	for _, res := range r.Head.Resources {
		if inFolder(r.folder, res.File) {
			out = append(out, res)
		}
	}
	return out
}

// emptyFinding is the failing finding of a check without resources.
func emptyFinding(folder string, cfg *model.Config) finding.Finding {
	where := "the repository"
	if folder != "" && folder != "." {
		where = folder
	}
	msg := "no kiln resources found in " + where + " (files with apiVersion: kiln/v1 and a kind)"
	if len(cfg.Roots) > 0 {
		msg += "; .kiln.yaml limits the search to roots " + strings.Join(cfg.Roots, ", ")
	}
	return finding.Finding{
		Pos:      finding.Pos{File: folderFile(folder)},
		Rule:     EmptyRule,
		Severity: finding.SeverityError,
		Source:   finding.SourceValidate,
		Message:  msg + ". Check the folder, or pass --allow-empty if an empty repository is expected",
	}
}

func folderFile(folder string) string {
	if folder == "." {
		return ""
	}
	return folder
}
