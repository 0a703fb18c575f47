//go:build ignore

// Regenerates the trimmed control catalogues in this directory from the
// ComplianceAsCode data set (see SOURCE.md):
//
//	go run ./policy/testdata/compliance/regen.go -from /work/shared/compliance
//
// It keeps, per catalogue, what kiln cites and reports: control ids,
// titles, levels and whether the benchmark calls them automated; for the
// SRG and NIST SP 800-53 only the ids the SSG rules reference.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

type control struct {
	ID     string   `json:"id" yaml:"id"`
	Title  string   `json:"title,omitempty" yaml:"title"`
	Levels []string `json:"levels,omitempty" yaml:"levels"`
	Status string   `json:"status,omitempty" yaml:"status"`
}

type catalogue struct {
	Name     string    `json:"name"`
	Title    string    `json:"title"`
	Version  string    `json:"version"`
	Source   string    `json:"source"`
	Controls []control `json:"controls"`
}

var ids = map[string]*regexp.Regexp{
	"cis-al2023": regexp.MustCompile(`^\d+(\.\d+)+$`),
	"stig-rhel8": regexp.MustCompile(`^RHEL-08-\d{6}$`),
	"stig-rhel9": regexp.MustCompile(`^RHEL-09-\d{6}$`),
}

func main() {
	from := flag.String("from", "../shared/compliance", "the ComplianceAsCode extract (SOURCE.md)")
	to := flag.String("to", "policy/testdata/compliance", "output directory")
	flag.Parse()
	for name, file := range map[string]string{"cis-al2023": "cis_al2023.yml", "stig-rhel8": "stig_rhel8.yml", "stig-rhel9": "stig_rhel9.yml"} {
		if err := controls(name, filepath.Join(*from, file), *to); err != nil {
			log.Fatal(err)
		}
	}
	if err := references(filepath.Join(*from, "rules.json"), *to); err != nil {
		log.Fatal(err)
	}
}

func controls(name, file, to string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var src struct {
		Title    string    `yaml:"title"`
		Version  string    `yaml:"version"`
		Source   string    `yaml:"source"`
		Controls []control `yaml:"controls"`
	}
	if err := yaml.Unmarshal(b, &src); err != nil {
		return fmt.Errorf("parse %s: %w", file, err)
	}
	c := catalogue{Name: name, Title: src.Title, Version: src.Version, Source: src.Source}
	for _, ctl := range src.Controls {
		if !ids[name].MatchString(ctl.ID) {
			continue // ComplianceAsCode's helper entries such as needed_rules
		}
		ctl.Title = strings.Join(strings.Fields(ctl.Title), " ")
		c.Controls = append(c.Controls, ctl)
	}
	return write(filepath.Join(to, name+".json"), c)
}

// references collects the SRG and NIST SP 800-53 ids the SSG rules cite.
func references(file, to string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var rules []struct {
		Refs map[string]string `json:"refs"`
	}
	if err := json.Unmarshal(b, &rules); err != nil {
		return fmt.Errorf("parse %s: %w", file, err)
	}
	srg, nist := map[string]bool{}, map[string]bool{}
	for _, r := range rules {
		for _, id := range strings.Split(r.Refs["srg"], ",") {
			if strings.HasPrefix(id, "SRG-OS-") {
				srg[strings.TrimSpace(id)] = true
			}
		}
		for _, id := range strings.Split(r.Refs["nist"], ",") {
			if id = strings.TrimSpace(id); id != "" {
				nist[id] = true
			}
		}
	}
	list := func(name, title string, set map[string]bool) catalogue {
		c := catalogue{Name: name, Title: title, Version: "ComplianceAsCode b3a2cca9", Source: "rules.json (SSG rule references)"}
		keys := make([]string, 0, len(set))
		for k := range set {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			c.Controls = append(c.Controls, control{ID: k})
		}
		return c
	}
	if err := write(filepath.Join(to, "srg.json"), list("srg", "DISA General Purpose Operating System SRG (ids referenced by SSG rules)", srg)); err != nil {
		return err
	}
	return write(filepath.Join(to, "nist-800-53.json"), list("nist-800-53", "NIST SP 800-53 (ids referenced by SSG rules)", nist))
}

// write puts one control per line, so a regeneration diffs readably.
func write(path string, c catalogue) error {
	var buf bytes.Buffer
	head, _ := json.Marshal(struct {
		Name    string `json:"name"`
		Title   string `json:"title"`
		Version string `json:"version"`
		Source  string `json:"source"`
	}{c.Name, c.Title, c.Version, c.Source})
	buf.Write(head[:len(head)-1])
	buf.WriteString(",\n\"controls\": [\n")
	for i, ctl := range c.Controls {
		line, err := json.Marshal(ctl)
		if err != nil {
			return err
		}
		buf.Write(line)
		if i < len(c.Controls)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]}\n")
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
