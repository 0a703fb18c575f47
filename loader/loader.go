// Package loader reads a users' repository from any fs.FS into a
// model.Repository. It is the first thing that touches untrusted input, so
// it bounds everything it reads: file size, total size, number of files,
// YAML nesting and alias expansion, and it never follows a symlink or a
// component's document path out of the repository. Everything wrong with
// the content becomes a finding at file:line:column; only failures of the
// file system itself (and cancellation) are errors.
package loader

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// Options bounds what a load may read; zero values take the defaults.
type Options struct {
	MaxFileBytes  int64 // default 1 MiB
	MaxTotalBytes int64 // default 256 MiB
	MaxFiles      int   // default 20000
	MaxDepth      int   // yaml nesting, default 64
	MaxNodes      int   // per file, default 200k
}

// Defaults of Options.
const (
	DefaultMaxFileBytes  = 1 << 20
	DefaultMaxTotalBytes = 256 << 20
	DefaultMaxFiles      = 20000
	DefaultMaxDepth      = 64
	DefaultMaxNodes      = 200_000
)

func (o Options) withDefaults() Options {
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxNodes <= 0 {
		o.MaxNodes = DefaultMaxNodes
	}
	return o
}

// Rules of the findings the loader produces.
const (
	ruleYAML              = "load/yaml"
	ruleDuplicateKey      = "load/duplicate-key"
	ruleTooLarge          = "load/too-large"
	ruleAlias             = "load/alias"
	ruleEncoding          = "load/encoding"
	ruleSymlink           = "load/symlink"
	ruleDocumentPath      = "load/document-path"
	ruleUnknownKind       = "load/unknown-kind"
	ruleAPIVersion        = "load/apiversion"
	ruleDuplicateResource = "load/duplicate-resource"
	ruleTooManyFiles      = "load/too-many-files"
	ruleDepth             = "load/depth"
	ruleConfig            = "load/config"
)

// Load reads the repository at the root of fsys: .kiln.yaml, every resource
// under the configured roots, the AWSTOE documents components name and the
// list of policy files in the configured bundles. The findings are sorted.
// The error is only for failures of fsys itself or ctx.
func Load(ctx context.Context, fsys fs.FS, opts Options) (*model.Repository, []finding.Finding, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	l := newLoader(ctx, fsys, opts.withDefaults())
	cfg, err := l.loadConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", model.ConfigFile, err)
	}
	l.repo.Config = cfg
	if err := l.walkRoots(cfg); err != nil {
		return nil, nil, err
	}
	if err := l.collectPolicies(cfg); err != nil {
		return nil, nil, err
	}
	finding.Sort(l.findings)
	return l.repo, l.findings, nil
}

// loader holds the state of one Load call.
type loader struct {
	ctx   context.Context
	fsys  fs.FS
	links fs.ReadLinkFS // nil when fsys cannot tell symlinks apart
	opts  Options
	lim   limits

	repo     *model.Repository
	findings []finding.Finding
	fileSeen map[string]bool // Repository.Files, as a set

	// walked are real (symlink-free) directories already walked and files
	// already considered, so a symlink into the tree loads nothing twice.
	walkTops    []string // real folders the walk in progress started from
	walkedDirs  map[string]bool
	walkedFiles map[string]bool
	files       int   // YAML and Rego files considered, against MaxFiles
	entries     int   // directory entries seen, against a multiple of MaxFiles
	bytesRead   int64 // against MaxTotalBytes
	stopped     bool  // a cap was reached: read nothing more

	documents map[string]*loadedDocument // by real path
	// plain holds the text of YAML files the walk read that hold no
	// resource, until a component names them as its document or the load
	// ends, so that no file is read twice.
	plain map[string]string
	ids   map[model.ID]*model.Resource

	arena fastArena // shared by every parse of the load
}

func newLoader(ctx context.Context, fsys fs.FS, opts Options) *loader {
	l := &loader{
		ctx:         ctx,
		fsys:        fsys,
		opts:        opts,
		lim:         limits{maxDepth: opts.MaxDepth, maxNodes: opts.MaxNodes},
		repo:        &model.Repository{},
		fileSeen:    map[string]bool{},
		walkedDirs:  map[string]bool{},
		walkedFiles: map[string]bool{},
		documents:   map[string]*loadedDocument{},
		plain:       map[string]string{},
		ids:         map[model.ID]*model.Resource{},
	}
	if rl, ok := fsys.(fs.ReadLinkFS); ok {
		l.links = rl
	}
	return l
}

func (l *loader) add(pos finding.Pos, rule, resource, format string, args ...any) {
	l.findings = append(l.findings, finding.Finding{
		Pos:      pos,
		Rule:     rule,
		Severity: finding.SeverityError,
		Source:   finding.SourceValidate,
		Message:  fmt.Sprintf(format, args...),
		Resource: resource,
	})
}

// addProblem records a problem found in text that lives in file, shifted
// by the offsets of inline data (zero for a file of its own).
func (l *loader) addProblem(file string, p problem, lineOff, colOff int, resource string) {
	pos := finding.Pos{File: file, Line: p.Line, Column: p.Column}
	if pos.Line > 0 {
		pos.Line += lineOff
		if pos.Column > 0 {
			pos.Column += colOff
		}
	}
	l.findings = append(l.findings, finding.Finding{
		Pos:      pos,
		Rule:     p.Rule,
		Severity: finding.SeverityError,
		Source:   finding.SourceValidate,
		Message:  p.Message,
		Resource: resource,
	})
}

func (l *loader) noteFile(name string) {
	if !l.fileSeen[name] {
		l.fileSeen[name] = true
		l.repo.Files = append(l.repo.Files, name)
	}
}
