package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type sarifLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Version string `json:"version"`
				Rules   []struct {
					ID               string `json:"id"`
					ShortDescription struct {
						Text string `json:"text"`
					} `json:"shortDescription"`
					FullDescription struct {
						Text string `json:"text"`
					} `json:"fullDescription"`
					Help struct {
						Text string `json:"text"`
					} `json:"help"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		OriginalURIBaseIDs map[string]struct {
			URI string `json:"uri"`
		} `json:"originalUriBaseIds"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

func sarifOf(t *testing.T, args ...string) sarifLog {
	t.Helper()
	_, out, errOut := kiln(t, append([]string{"check", "-o", "sarif"}, args...)...)
	var log sarifLog
	if err := json.Unmarshal([]byte(out), &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("not SARIF (%v):\n%s\n%s", err, out, errOut)
	}
	return log
}

// TestSARIFPathsFromRepositoryRoot: however the folder is named (absolute,
// a sub-folder, from inside it), URIs are relative to the Git top level
// and %SRCROOT% is declared, so code scanning puts alerts on the right
// files.
func TestSARIFPathsFromRepositoryRoot(t *testing.T) {
	top := t.TempDir()
	if err := os.Mkdir(filepath.Join(top, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	images := filepath.Join(top, "images")
	copyExamples(t, images)
	edit(t, filepath.Join(images, "recipes", "al2023-base.yaml"), "name: cloudwatch-agent", "name: no-such-agent")
	want := "images/recipes/al2023-base.yaml"
	base := (&url.URL{Scheme: "file", Path: top + "/"}).String()
	for _, dir := range []string{images, filepath.Join(images, "recipes"), filepath.Join(top, "images", ".", "recipes")} {
		log := sarifOf(t, dir)
		run := log.Runs[0]
		if got := run.OriginalURIBaseIDs["%SRCROOT%"].URI; got != base {
			t.Errorf("%s: %%SRCROOT%% = %q, want %q", dir, got, base)
		}
		found := false
		for _, r := range run.Results {
			for _, l := range r.Locations {
				a := l.PhysicalLocation.ArtifactLocation
				if a.URIBaseID != "%SRCROOT%" || !strings.HasPrefix(a.URI, "images/") {
					t.Errorf("%s: location %+v", dir, a)
				}
				found = found || a.URI == want
			}
		}
		if !found {
			t.Errorf("%s: no result at %s", dir, want)
		}
	}
	t.Chdir(filepath.Join(images, "recipes"))
	log := sarifOf(t, ".")
	if r := log.Runs[0].Results; len(r) == 0 || r[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != want {
		t.Errorf("from inside the folder: %+v", r)
	}
}

// TestSARIFRuleDescriptions: every rule in a SARIF log has a description
// that is more than its id, and help text.
func TestSARIFRuleDescriptions(t *testing.T) {
	log := sarifOf(t, examples+"/broken")
	rules := log.Runs[0].Tool.Driver.Rules
	if len(rules) < 10 {
		t.Fatalf("%d rules", len(rules))
	}
	for _, r := range rules {
		if r.ShortDescription.Text == r.ID || r.ShortDescription.Text == "" || r.FullDescription.Text == r.ShortDescription.Text || r.Help.Text == "" {
			t.Errorf("rule %s: short %q, full %q, help %q", r.ID, r.ShortDescription.Text, r.FullDescription.Text, r.Help.Text)
		}
	}
	if v := log.Runs[0].Tool.Driver.Version; v == "" {
		t.Error("no tool version")
	}
}
