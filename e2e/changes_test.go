package e2e

import (
	"strings"
	"testing"
)

// Changes the scenarios make to examples/, as files for ghtest.Commit.

const infraPath = "infrastructure/build-ami.yaml"

// imdsOptional makes the AMI build infrastructure allow IMDSv1, which
// policy KILN-INF-001 (high) refuses.
func imdsOptional(t testing.TB) map[string]string {
	return map[string]string{infraPath: replace(t, exampleFiles(t)[infraPath], "httpTokens: required", "httpTokens: optional")}
}

// imdsRequired restores the example's infrastructure.
func imdsRequired(t testing.TB) map[string]string {
	return map[string]string{infraPath: exampleFiles(t)[infraPath]}
}

const (
	javaComponent = "components/java-runtime.yaml"
	javaDocument  = "components/java-runtime.toe.yaml"
	javaRecipe    = "recipes/al2023-java.yaml"
	javaPipeline  = "pipelines/al2023-java.yaml"
)

// javaContentOnly changes java-runtime's AWSTOE document and nothing else:
// an immutable component changed without a version bump.
func javaContentOnly(t testing.TB) map[string]string {
	return map[string]string{javaDocument: replace(t, exampleFiles(t)[javaDocument], "maxAttempts: 2", "maxAttempts: 3")}
}

// javaBump changes java-runtime's document and bumps it to 1.5.0, with the
// al2023-java recipe bumped to 1.3.0 to use it and its pipeline moved to
// the new recipe: the change a reviewer would approve.
func javaBump(t testing.TB) map[string]string {
	files := exampleFiles(t)
	changes := javaContentOnly(t)
	changes[javaComponent] = replace(t, files[javaComponent], "version: 1.4.0", "version: 1.5.0")
	recipe := replace(t, files[javaRecipe], "\n  version: 1.2.0\n", "\n  version: 1.3.0\n")
	recipe = replace(t, recipe, "- name: java-runtime\n      version: 1.4.0", "- name: java-runtime\n      version: 1.5.0")
	changes[javaRecipe] = recipe
	changes[javaPipeline] = replace(t, files[javaPipeline], "version: 1.2.0", "version: 1.3.0")
	return changes
}

func replace(t testing.TB, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("want exactly one %q in the example, found %d", old, strings.Count(s, old))
	}
	return strings.Replace(s, old, new, 1)
}
