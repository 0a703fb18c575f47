package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/kiln-gitops/kiln/schemas"
)

func newSchemaCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "schema [FILE]",
		Short: "Write kiln's JSON Schemas for editors to vendor, or print one",
		Long: `Schema writes the JSON Schemas kiln validates with into a folder of the
repository (--out, default schemas), so editors with yaml-language-server
validate and complete offline with the same rules as kiln check. The files
refer to each other by relative paths and work from any folder or URL.

Name a file (kiln.json, kiln-config.json, …) to print it instead.`,
		Example: `  kiln schema --out schemas
  kiln schema kiln.json`,
		Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			names, _ := schemaNames()
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return printSchema(cmd.OutOrStdout(), args[0])
			}
			return writeSchemas(cmd.OutOrStdout(), out)
		},
	}
	cmd.Flags().StringVar(&out, "out", "schemas", "folder to write the schemas into (created if missing)")
	_ = cmd.MarkFlagDirname("out")
	return cmd
}

func schemaNames() ([]string, error) { return fs.Glob(schemas.FS(), "*.json") }

func printSchema(w io.Writer, name string) error {
	names, err := schemaNames()
	if err != nil {
		return usageErrorf("%v", err)
	}
	if !slices.Contains(names, name) {
		return usageErrorf("no schema %q; the schemas are %v", name, names)
	}
	b, err := fs.ReadFile(schemas.FS(), name)
	if err != nil {
		return usageErrorf("%v", err)
	}
	_, err = w.Write(b)
	return err
}

// writeSchemas writes every schema into dir, replacing older copies.
func writeSchemas(w io.Writer, dir string) error {
	names, err := schemaNames()
	if err != nil {
		return usageErrorf("%v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usageErrorf("%v", err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(schemas.FS(), name)
		if err != nil {
			return usageErrorf("%v", err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return usageErrorf("write %s: %v", p, err)
		}
		fmt.Fprintln(w, "wrote", p)
	}
	return nil
}
