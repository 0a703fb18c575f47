package policy

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// MaxPolicyFileBytes caps one policy file; a bigger one is refused rather
// than compiled.
const MaxPolicyFileBytes = 1 << 20

// ReadFiles reads every .rego file under dirs of fsys (path -> source), for
// Options.UserPolicies and Test. Callers pass the base commit's tree when
// checking a pull request, so a PR cannot change the policies that judge
// it. A missing directory is an error: a configured bundle that is not
// there must not silently turn policies off.
func ReadFiles(fsys fs.FS, dirs ...string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, dir := range dirs {
		dir = path.Clean(strings.TrimPrefix(dir, "./"))
		err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".rego") {
				return nil
			}
			if !d.Type().IsRegular() {
				return fmt.Errorf("%s: not a regular file", p)
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if info.Size() > MaxPolicyFileBytes {
				return fmt.Errorf("%s: %d bytes, over the %d byte limit for a policy file", p, info.Size(), MaxPolicyFileBytes)
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			out[p] = b
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read policies in %s: %w", dir, err)
		}
	}
	return out, nil
}
