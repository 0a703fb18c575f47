package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The image runs as a non-root user that owns /data, and stamps kiln's
// version into the binary through variables that exist.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stages := strings.Split(string(data), "\nFROM ")
	final := stages[len(stages)-1]
	user := regexp.MustCompile(`(?m)^USER (\S+)`).FindStringSubmatch(final)
	if user == nil || strings.HasPrefix(user[1], "root") || strings.HasPrefix(user[1], "0") {
		t.Fatalf("final stage runs as %v, want a non-root USER", user)
	}
	uid, _, _ := strings.Cut(user[1], ":")
	if !regexp.MustCompile(`(?m)^COPY --from=\S+ --chown=` + regexp.QuoteMeta(user[1]) + ` \S+ /data$`).MatchString(final) {
		t.Errorf("/data is not copied in owned by %s (uid %s)", user[1], uid)
	}
	if !strings.Contains(final, "KILN_DATA_DIR=/data") || !strings.Contains(final, "VOLUME /data") {
		t.Error("the data dir is not /data on a volume")
	}
	version, err := os.ReadFile("../cmd/kiln/version.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range regexp.MustCompile(`-X main\.(\w+)=`).FindAllStringSubmatch(string(data), -1) {
		if !regexp.MustCompile(`(?m)^\s*` + v[1] + `\s+string`).Match(version) {
			t.Errorf("-X main.%s names no string variable in cmd/kiln/version.go", v[1])
		}
	}
	if !strings.Contains(string(data), "-X main.version=") {
		t.Error("the build does not stamp main.version")
	}
}
