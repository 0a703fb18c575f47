package loader

import (
	"path"
	"slices"
	"strings"

	"github.com/kiln-gitops/kiln/model"
)

// collectPolicies lists the .rego files of the policy bundles .kiln.yaml
// names inside the repository. Bundles outside it (absolute paths, URLs,
// ../ paths) are the policy engine's business and are left alone.
func (l *loader) collectPolicies(cfg *model.Config) error {
	for i, b := range cfg.Policy.Bundles {
		if l.stopped {
			break
		}
		clean := path.Clean(b)
		if b == "" || strings.Contains(b, "://") || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			continue
		}
		pos := model.Locate(model.ConfigFile, cfg.Node, "policy", "bundles", i)
		if isRego(clean) {
			real, err := l.resolve(clean)
			if err == nil {
				if err := l.consider(real, clean, l.addPolicyFile); err != nil {
					return err
				}
				continue
			}
		}
		dir, ok := l.inRepoDir(b, pos, "policy bundle")
		if !ok {
			continue
		}
		// A bundle folder may also lie under a root that was walked for
		// resources: walk it afresh, only for .rego files.
		saved := l.walkedDirs
		l.walkedDirs = map[string]bool{}
		l.walkTops = []string{dir}
		err := l.walk(dir, clean, isRego, l.addPolicyFile)
		l.walkedDirs = saved
		if err != nil {
			return err
		}
	}
	slices.Sort(l.repo.PolicyFiles)
	l.repo.PolicyFiles = slices.Compact(l.repo.PolicyFiles)
	return nil
}

// addPolicyFile records a policy file; the policy engine reads it.
func (l *loader) addPolicyFile(real, shown string) error {
	l.repo.PolicyFiles = append(l.repo.PolicyFiles, shown)
	return nil
}
