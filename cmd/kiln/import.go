package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/kiln-gitops/kiln/imagebuilder"
	"github.com/kiln-gitops/kiln/model"
)

// importOptions are `kiln import`'s flags.
type importOptions struct {
	env, config, account, region, roleArn, out string
	assumeRole, all, force                     bool
}

func newImportCmd() *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import --env NAME [--config DIR/.kiln.yaml | --account A --region R [--role-arn ARN]]",
		Short: "Write a kiln repository from what an environment's Image Builder holds",
		Example: `  kiln import --env prod --config .kiln.yaml
  kiln import --env legacy --account 123456789012 --region eu-west-1 --out legacy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runImport(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.env, "env", "", "environment name (required)")
	fl.StringVar(&o.config, "config", "", "a .kiln.yaml that defines the environment")
	fl.StringVar(&o.account, "account", "", "AWS account id of the environment (without --config)")
	fl.StringVar(&o.region, "region", "", "AWS region of the environment (without --config)")
	fl.StringVar(&o.roleArn, "role-arn", "", "role to assume for the environment (without --config)")
	fl.BoolVar(&o.assumeRole, "assume-role", true, "assume the environment's role (false: use the default credentials as they are)")
	fl.StringVar(&o.out, "out", "", "repository folder to write (default: the --config file's folder, else .)")
	fl.BoolVar(&o.all, "all", false, "also import resources kiln already manages (tagged kiln:managed)")
	fl.BoolVar(&o.force, "force", false, "overwrite files that exist (never .kiln.yaml)")
	_ = cmd.MarkFlagFilename("config", "yaml", "yml")
	_ = cmd.MarkFlagDirname("out")
	return cmd
}

// runImport writes a kiln repository from what an environment's Image
// Builder already holds, so a team adopts kiln without retyping its
// definitions.
func runImport(ctx context.Context, o importOptions, stdout io.Writer) error {
	if o.env == "" {
		return usageErrorf("--env is required")
	}
	env, err := importEnvironment(o.env, o.config, o.account, o.region, o.roleArn)
	if err != nil {
		return usageErrorf("%v", err)
	}
	dir := o.out
	if dir == "" {
		dir = "."
		if o.config != "" {
			dir = filepath.Dir(o.config)
		}
	}

	cfg, err := awsConfig(ctx, env.Region)
	if err != nil {
		return usageErrorf("AWS credentials: %v", err)
	}
	clientEnv := env
	if !o.assumeRole {
		clientEnv.RoleArn = ""
	}
	client, err := imagebuilder.ForEnvironment(ctx, cfg, clientEnv)
	if err != nil {
		return usageErrorf("%v", err)
	}
	exp, err := client.Export(ctx, imagebuilder.ExportOptions{All: o.all})
	if err != nil {
		return usageErrorf("%v", err)
	}
	files, err := importFiles(exp.Resources)
	if err != nil {
		return usageErrorf("%v", err)
	}
	cfgPath := filepath.Join(dir, model.ConfigFile)
	if _, err := os.Stat(cfgPath); errors.Is(err, fs.ErrNotExist) {
		files = append(files, importFile{path: model.ConfigFile, data: configFile(env)})
	}
	if err := writeImport(dir, files, o.force); err != nil {
		return usageErrorf("%v", err)
	}

	for _, f := range files {
		fmt.Fprintln(stdout, "wrote", filepath.Join(dir, filepath.FromSlash(f.path)))
	}
	managed := 0
	for _, s := range exp.Skipped {
		if strings.HasPrefix(s.Reason, "managed by kiln") {
			managed++
			continue
		}
		fmt.Fprintf(stdout, "skipped %s: %s\n", model.NewID(s.Kind, s.Name, s.Version), s.Reason)
	}
	if managed > 0 {
		fmt.Fprintf(stdout, "left out %d resources kiln already manages (--all imports them)\n", managed)
	}
	fmt.Fprintf(stdout, "imported %d resources from %s (%s, %s)\n", len(exp.Resources), env.Name, env.Account, env.Region)
	return nil
}

// importEnvironment is the environment from the config file, or from the
// flags when there is none.
func importEnvironment(name, configPath, account, region, roleArn string) (model.Environment, error) {
	if configPath != "" {
		if account != "" || region != "" || roleArn != "" {
			return model.Environment{}, errors.New("give either --config or --account/--region/--role-arn, not both")
		}
		b, err := os.ReadFile(configPath)
		if err != nil {
			return model.Environment{}, err
		}
		var cfg model.Config
		if err := yaml.Unmarshal(b, &cfg); err != nil {
			return model.Environment{}, fmt.Errorf("%s: %w", configPath, err)
		}
		env, ok := cfg.Environments.Get(name)
		if !ok {
			return model.Environment{}, fmt.Errorf("%s has no environment %q", configPath, name)
		}
		return env, nil
	}
	if account == "" || region == "" {
		return model.Environment{}, errors.New("give --config, or --account and --region")
	}
	return model.Environment{Name: name, Account: account, Region: region, RoleArn: roleArn, Branch: "main"}, nil
}

type importFile struct {
	path string // slash-separated, relative to the repository
	data []byte
}

// importFiles lays the resources out one file each: the newest version of
// a name gets <name>.yaml, older ones <name>-<version>.yaml, and a
// document of a document kind sits beside it as <stem><suffix> (.toe.yaml for
// components, .workflow.yaml for workflows). res must be in
// Export's order (kind, name, version), which makes the layout
// deterministic.
func importFiles(res []imagebuilder.Exported) ([]importFile, error) {
	newest := map[model.ID]string{} // kind and name → newest version
	for _, e := range res {
		newest[model.NewID(e.Resource.Kind, e.Resource.Metadata.Name, "")] = e.Resource.Metadata.Version
	}
	used := map[string]bool{}
	var out []importFile
	for _, e := range res {
		r := e.Resource
		stem := fileStem(r.Metadata.Name)
		if r.Kind.Versioned() && newest[model.NewID(r.Kind, r.Metadata.Name, "")] != r.Metadata.Version {
			stem += "-" + r.Metadata.Version
		}
		info, _ := r.Kind.Info()
		folder := info.Folder
		taken := func(s string) bool {
			return used[path.Join(folder, s+".yaml")] || (info.HasDocument() && used[path.Join(folder, s+info.DocumentSuffix)])
		}
		for i, base := 2, stem; taken(stem); i++ {
			stem = fmt.Sprintf("%s-%d", base, i)
		}
		file := path.Join(folder, stem+".yaml")
		used[file] = true
		header := fmt.Sprintf("# Imported by kiln import from %s\n", e.Arn)
		if setter, ok := r.Spec.(interface{ SetDocument(string) }); ok && info.HasDocument() {
			doc := path.Join(folder, stem+info.DocumentSuffix)
			used[doc] = true
			setter.SetDocument("./" + stem + info.DocumentSuffix)
			text := e.Document
			if !strings.HasSuffix(text, "\n") {
				text += "\n"
			}
			out = append(out, importFile{path: doc, data: []byte(text)})
		}
		data, err := resourceYAML(header, &r)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", r.ID(), err)
		}
		out = append(out, importFile{path: file, data: data})
	}
	slices.SortFunc(out, func(a, b importFile) int { return strings.Compare(a.path, b.path) })
	return out, nil
}

// fileStem is name as a file name: lowercase letters, digits, - and _.
func fileStem(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '-'
	}, name)
}

// resourceYAML renders a resource in the file shape the loader reads. The
// yaml encoder keeps struct field order and sorts map keys, so the same
// resource always gives the same bytes.
func resourceYAML(header string, r *model.Resource) ([]byte, error) {
	doc := struct {
		APIVersion string         `yaml:"apiVersion"`
		Kind       model.Kind     `yaml:"kind"`
		Metadata   model.Metadata `yaml:"metadata"`
		Spec       any            `yaml:"spec"`
	}{model.APIVersion, r.Kind, r.Metadata, r.Spec}
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// configFile is a .kiln.yaml with the one environment imported from.
func configFile(env model.Environment) []byte {
	type settings struct {
		Account            string `yaml:"account"`
		Region             string `yaml:"region"`
		RoleArn            string `yaml:"roleArn,omitempty"`
		Branch             string `yaml:"branch"`
		Production         bool   `yaml:"production,omitempty"`
		Prune              bool   `yaml:"prune,omitempty"`
		SSMParameterPrefix string `yaml:"ssmParameterPrefix,omitempty"`
		Drift              string `yaml:"drift,omitempty"`
	}
	branch := env.Branch
	if branch == "" {
		branch = "main"
	}
	doc := struct {
		Environments map[string]settings `yaml:"environments"`
	}{map[string]settings{env.Name: {Account: env.Account, Region: env.Region, RoleArn: env.RoleArn, Branch: branch,
		Production: env.Production, Prune: env.Prune, SSMParameterPrefix: env.SSMParameterPrefix, Drift: env.Drift}}}
	var buf bytes.Buffer
	buf.WriteString("# Repository settings written by kiln import; see kiln's README for policy and bake settings.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	_ = enc.Encode(doc) // plain strings and bools always encode
	_ = enc.Close()
	return buf.Bytes()
}

// writeImport writes every file, or none when one exists already and
// force is off.
func writeImport(dir string, files []importFile, force bool) error {
	if !force {
		var exist []string
		for _, f := range files {
			p := filepath.Join(dir, filepath.FromSlash(f.path))
			if _, err := os.Lstat(p); err == nil {
				exist = append(exist, p)
			}
		}
		if len(exist) > 0 {
			return fmt.Errorf("refusing to overwrite %s (--force overwrites)", strings.Join(exist, ", "))
		}
	}
	// Writing through os.Root keeps every file inside dir, even where a
	// symlink in the tree points elsewhere.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, f := range files {
		if err := root.MkdirAll(path.Dir(f.path), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", path.Dir(f.path), err)
		}
		if err := root.WriteFile(f.path, f.data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", filepath.Join(dir, filepath.FromSlash(f.path)), err)
		}
	}
	return nil
}
