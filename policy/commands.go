package policy

import (
	"iter"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Shell commands in AWSTOE documents are normalised in Go before policies
// see them, so rules can match settings with one regular expression without
// false findings from text that only documents a setting:
//
//   - comments are dropped;
//   - an echo or printf that only prints is dropped; one whose output is
//     redirected or piped into tee becomes a "write" line with the target
//     file, one piped into a shell a "run" line;
//   - a heredoc fed to ':' or to a cat that prints it is dropped; one
//     written to a file yields a "write" line per body line; one fed to a
//     shell is normalised as commands;
//   - sed substitutions keep only their replacement text, so
//     s/PermitRootLogin yes/PermitRootLogin no/ sets "no";
//   - continuation lines are joined, and lists (;, &&, ||) split.
//
// Each line keeps its line offset inside the command string so findings
// land on the right line of a multi-line script.

type shellLine struct {
	text   string
	kind   string // "run" or "write"
	target string // the file a "write" line goes to, when known
	line   int    // 0-based line inside the command string
}

// indexedWords are the words the built-in rules look for in commands
// ("a|b" for any of a and b, so a rule looks up its words at once):
// commandIndex lists, for each, the commands whose lower-cased text
// contains it, so those rules never walk the other commands in Rego. The
// bundle names the same words (lib.indexed_words, whose lib.mentions this
// index becomes); TestIndexesCoverBundle keeps the two lists equal.
var indexedWords = []string{
	"permitrootlogin", "permitemptypasswords", "permituserenvironment", "passwordauthentication",
	"audit", "auditd",
	"telnet|rsh|ftp", "gpg|signature|unauthenticated", "enforc|selinux", "curl|wget", "certificate|trustall|sslverify|strict-ssl|tls_reject", "invoke-expression|scriptblock", "passwd|usermod|useradd|securestring|net user", "mppreference|defender|windefend", "firewall|ufw|nftables|mpssvc", "enablelua|consentpromptbehavioradmin", "shadow|sudoers|ssh_host_",
	"executionpolicy", "exec-download",
}

// indexedWordTerms are indexedWords as OPA strings, built once.
var indexedWordTerms = func() []*ast.Term {
	out := make([]*ast.Term, len(indexedWords))
	for i, w := range indexedWords {
		out[i] = ast.StringTerm(w)
	}
	return out
}()

// command is one normalised line with where it came from: lang is the
// language it is read in ("bash", "powershell", or "file" for content a
// file action writes), path the document path of the string it is in.
type command struct {
	shellLine
	lang string
	path []any
}

// extractCommands returns the effective commands of a component's AWSTOE
// document as policy input, and their index by indexedWords, built as OPA
// values directly: this runs for every component of every check. Commands
// are those of ExecuteBash and ExecutePowerShell steps, the content file
// actions write and the permissions, owners and registry values they set
// (see fileActionCommands); a script a file action or heredoc writes and a
// later step runs is read as commands (see runWrittenScripts).
func extractCommands(doc map[string]any) (*ast.Array, ast.Object) {
	cmds := documentCommands(doc)
	terms := make([]*ast.Term, 0, len(cmds))
	lowers := make([]string, 0, len(cmds))
	// The lines of one string share its path slice: convert it once.
	var last []any
	var path *ast.Term
	for _, c := range cmds {
		if len(c.path) == 0 || len(last) == 0 || &c.path[0] != &last[0] {
			last = c.path
			elems := make([]*ast.Term, len(c.path))
			for i, e := range c.path {
				switch e := e.(type) {
				case int:
					elems[i] = ast.InternedTerm(e)
				case string:
					elems[i] = ast.StringTerm(e)
				}
			}
			path = ast.ArrayTerm(elems...)
		}
		lower := strings.ToLower(c.text)
		lowers = append(lowers, lower)
		terms = append(terms, ast.ObjectTerm(
			ast.Item(keyText, ast.StringTerm(c.text)),
			ast.Item(keyLower, ast.StringTerm(lower)),
			ast.Item(keyKind, kindTerm(c.kind)),
			ast.Item(keyTarget, ast.StringTerm(c.target)),
			ast.Item(keyLang, langTerm(c.lang)),
			ast.Item(keyLine, ast.InternedTerm(c.line)),
			ast.Item(keyPath, path),
		))
	}
	return ast.NewArray(terms...), commandIndex(terms, lowers)
}

// documentCommands normalises every step that runs commands or writes
// files, in document order.
func documentCommands(doc map[string]any) []command {
	var out []command
	phases, _ := doc["phases"].([]any)
	for pi, ph := range phases {
		phase, _ := ph.(map[string]any)
		steps, _ := phase["steps"].([]any)
		for si, st := range steps {
			step, _ := st.(map[string]any)
			action, _ := step["action"].(string)
			base := []any{"phases", pi, "steps", si, "inputs"}
			switch action {
			case "ExecuteBash", "ExecutePowerShell":
				lang, normalise := "bash", normaliseScript
				if action == "ExecutePowerShell" {
					lang, normalise = "powershell", normalisePowerShell
				}
				inputs, _ := step["inputs"].(map[string]any)
				cmds, _ := inputs["commands"].([]any)
				for ci, c := range cmds {
					s, ok := c.(string)
					if !ok {
						continue
					}
					path := append(slices.Clone(base), "commands", ci)
					for _, l := range normalise(s) {
						out = append(out, command{shellLine: l, lang: lang, path: path})
					}
				}
			default:
				out = append(out, fileActionCommands(action, step["inputs"], base)...)
			}
		}
	}
	return unverifiedRuns(runWrittenScripts(out, doc))
}

var (
	kindRun   = ast.StringTerm("run")
	kindWrite = ast.StringTerm("write")
)

func kindTerm(kind string) *ast.Term {
	switch kind {
	case "run":
		return kindRun
	case "write":
		return kindWrite
	}
	return ast.StringTerm(kind)
}

var (
	langBash       = ast.StringTerm("bash")
	langPowerShell = ast.StringTerm("powershell")
)

func langTerm(lang string) *ast.Term {
	switch lang {
	case "bash":
		return langBash
	case "powershell":
		return langPowerShell
	}
	return ast.StringTerm(lang)
}

// commandIndex maps each of indexedWords to the commands (terms, with their
// lower-cased texts in lowers) that mention it.
func commandIndex(terms []*ast.Term, lowers []string) ast.Object {
	items := make([][2]*ast.Term, 0, len(indexedWords))
	var empty *ast.Term
	for wi, w := range indexedWords {
		var hits []*ast.Term
		alts := strings.Split(w, "|")
		for i, l := range lowers {
			for _, a := range alts {
				if strings.Contains(l, a) {
					hits = append(hits, terms[i])
					break
				}
			}
		}
		if hits == nil {
			if empty == nil {
				empty = ast.ArrayTerm()
			}
			items = append(items, ast.Item(indexedWordTerms[wi], empty))
			continue
		}
		items = append(items, ast.Item(indexedWordTerms[wi], ast.ArrayTerm(hits...)))
	}
	return ast.NewObject(items...)
}

var heredocStart = regexp.MustCompile(`<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?`)

func normaliseScript(s string) []shellLine {
	lines := strings.Split(s, "\n")
	var out []shellLine
	for i := 0; i < len(lines); i++ {
		start := i
		logical := lines[i]
		for strings.HasSuffix(strings.TrimRight(logical, " \t"), `\`) && i+1 < len(lines) {
			logical = strings.TrimSuffix(strings.TrimRight(logical, " \t"), `\`) + " " + lines[i+1]
			i++
		}
		code := strings.TrimSpace(stripComment(logical))
		if code == "" {
			continue
		}
		if delim, ok := heredocDelimiter(code); ok {
			var body []shellLine
			for i+1 < len(lines) {
				i++
				l := lines[i]
				if strings.TrimSpace(l) == delim {
					break
				}
				body = append(body, shellLine{text: l, line: i})
			}
			mode, target := heredocMode(code)
			for _, b := range body {
				switch mode {
				case "shell":
					for _, sl := range normaliseScript(b.text) {
						sl.line = b.line
						out = append(out, sl)
					}
				case "write":
					if t := strings.TrimSpace(b.text); t != "" && !strings.HasPrefix(t, "#") {
						out = append(out, shellLine{text: t, kind: "write", target: target, line: b.line})
					}
				}
			}
			if mode == "doc" {
				continue
			}
		}
		for _, seg := range splitList(code) {
			seg = strings.TrimSpace(seg)
			if seg == "" {
				continue
			}
			words := commandWords(seg)
			if l, ok := normaliseCommand(seg, words); ok {
				l.line = start
				out = append(out, l)
			}
			for _, m := range chmodModes(words) {
				m.line = start
				out = append(out, m)
			}
		}
	}
	return out
}

func heredocDelimiter(code string) (string, bool) {
	for _, m := range heredocStart.FindAllStringSubmatchIndex(code, -1) {
		if m[0] > 0 && code[m[0]-1] == '<' {
			continue // a here-string (<<<)
		}
		if inQuotes(code, m[0]) {
			continue
		}
		return code[m[2]:m[3]], true
	}
	return "", false
}

// pipeToShell matches a pipe into a shell, also through sudo (and its
// options), env and variable assignments: | FOO=1 sudo -E bash -s.
var pipeToShell = regexp.MustCompile(`\|\s*((sudo(\s+-[A-Za-z-]+(\s+[a-z][a-z0-9_-]*)?)*|env|[A-Za-z_][A-Za-z0-9_]*=\S*)\s+)*(/usr)?(/bin/)?(ba|z|k|da)?sh\b`)

// heredocMode says what a heredoc's body is: "doc" (printed or discarded),
// "shell" (run), or "write" (written to target).
func heredocMode(code string) (mode, target string) {
	words := commandWords(code)
	if pipeToShell.MatchString(code) {
		return "shell", ""
	}
	first := ""
	if len(words) > 0 {
		first = words[0].text
	}
	if t := redirectTarget(words); t != "" {
		return "write", t
	}
	if t := teeTarget(words); t != "" {
		return "write", t
	}
	switch first {
	case ":", "cat", "echo", "true":
		return "doc", ""
	case "bash", "sh", "zsh", "ksh", "dash":
		return "shell", ""
	}
	return "write", ""
}

// normaliseCommand normalises one simple command (seg, trimmed, split into
// words).
func normaliseCommand(seg string, words []word) (shellLine, bool) {
	if len(words) == 0 {
		return shellLine{}, false
	}
	switch words[0].text {
	case "echo", "printf":
		var args []string
		for _, w := range words[1:] {
			if w.op {
				break
			}
			if !w.quoted && strings.HasPrefix(w.text, "-") && len(args) == 0 {
				continue
			}
			args = append(args, w.text)
		}
		text := strings.Join(args, " ")
		if t := redirectTarget(words); t != "" {
			return shellLine{text: text, kind: "write", target: t}, true
		}
		if t := teeTarget(words); t != "" {
			return shellLine{text: text, kind: "write", target: t}, true
		}
		if pipeToShell.MatchString(seg) {
			return shellLine{text: text, kind: "run"}, true
		}
		for _, w := range words {
			if w.op && w.text == "|" {
				// Fed to a command (chpasswd, passwd --stdin, …): the whole
				// command is what runs.
				return shellLine{text: seg, kind: "run"}, true
			}
		}
		return shellLine{}, false // prints only
	case "sed":
		parts := []string{"sed"}
		for _, w := range words[1:] {
			if repl, ok := sedReplacement(w.text); ok && !w.op {
				parts = append(parts, repl)
				continue
			}
			parts = append(parts, w.text)
		}
		return shellLine{text: strings.Join(parts, " "), kind: "run"}, true
	}
	return shellLine{text: seg, kind: "run"}, true
}

// sedReplacement returns the replacement of an s/pattern/replacement/flags
// expression.
func sedReplacement(expr string) (string, bool) {
	if len(expr) < 4 || expr[0] != 's' {
		return "", false
	}
	d := expr[1]
	if d == ' ' || d == '\\' || (d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || (d >= '0' && d <= '9') {
		return "", false
	}
	var fields []string
	var cur strings.Builder
	for i := 2; i < len(expr); i++ {
		switch {
		case expr[i] == '\\' && i+1 < len(expr):
			if expr[i+1] != d {
				cur.WriteByte('\\')
			}
			cur.WriteByte(expr[i+1])
			i++
		case expr[i] == d:
			fields = append(fields, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(expr[i])
		}
	}
	if len(fields) < 2 {
		return "", false
	}
	return fields[1], true
}

type word struct {
	text   string
	quoted bool
	op     bool // an unquoted |, >, >> or <
}

// commandWords splits a simple command into words, unquoting them, with
// redirections and pipes as operator words; a leading sudo (and its
// options) and environment assignments are dropped.
func commandWords(s string) []word {
	var out []word
	var cur strings.Builder
	quoted, inWord := false, false
	flush := func() {
		if inWord {
			out = append(out, word{text: cur.String(), quoted: quoted})
		}
		cur.Reset()
		quoted, inWord = false, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				j = len(s) - i - 1
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			quoted, inWord = true, true
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(s[i+1])
			i++
			inWord = true
		case c == ' ' || c == '\t':
			flush()
		case c == '|' || c == '>' || c == '<':
			flush()
			op := string(c)
			for i+1 < len(s) && (s[i+1] == '>' || s[i+1] == '<') {
				op += string(s[i+1])
				i++
			}
			// 2>&1 and friends: the fd digit is already flushed as a word.
			out = append(out, word{text: op, op: true})
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	// Drop sudo and env assignments in front of the command.
	for len(out) > 0 {
		w := out[0]
		switch {
		case !w.quoted && w.text == "sudo":
			out = out[1:]
			for len(out) > 0 && strings.HasPrefix(out[0].text, "-") {
				out = out[1:]
			}
		case !w.quoted && !w.op && strings.Contains(w.text, "=") && !strings.HasPrefix(w.text, "="):
			out = out[1:]
		default:
			return out
		}
	}
	return out
}

func redirectTarget(words []word) string {
	for i, w := range words {
		if w.op && (w.text == ">" || w.text == ">>") && i+1 < len(words) && !words[i+1].op {
			if t := words[i+1].text; t != "/dev/null" && !strings.HasPrefix(t, "&") {
				return t
			}
		}
	}
	return ""
}

func teeTarget(words []word) string {
	for i, w := range words {
		if w.op && w.text == "|" {
			rest := words[i+1:]
			for len(rest) > 0 && !rest[0].quoted && rest[0].text == "sudo" {
				rest = rest[1:]
			}
			if len(rest) > 0 && rest[0].text == "tee" {
				for _, a := range rest[1:] {
					if a.op {
						break
					}
					if !strings.HasPrefix(a.text, "-") && a.text != "/dev/null" {
						return a.text
					}
				}
			}
		}
	}
	return ""
}

// unquoted yields the index of every byte of s that stands outside quotes
// and is not escaped: '…' is literal, "…" honours \", a backslash outside
// quotes escapes the next byte. That is as much of the shell's quoting as
// splitting and comment stripping need.
func unquoted(s string) iter.Seq[int] { return outsideQuotes(s, '\\') }

// outsideQuotes yields the index of every byte of s outside '…' and "…"
// quotes and not escaped by esc (which also escapes inside "…").
func outsideQuotes(s string, esc byte) iter.Seq[int] {
	return func(yield func(int) bool) {
		var q byte
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case q != 0:
				if c == q {
					q = 0
				} else if c == esc && q == '"' {
					i++
				}
			case c == '\'' || c == '"':
				q = c
			case c == esc:
				i++
			default:
				if !yield(i) {
					return
				}
			}
		}
	}
}

// splitList splits a command line on unquoted ;, && and ||.
func splitList(s string) []string {
	var out []string
	last := 0
	for i := range unquoted(s) {
		if i < last {
			continue // the second byte of && or ||
		}
		switch c := s[i]; {
		case c == ';':
			out = append(out, s[last:i])
			last = i + 1
		case (c == '&' || c == '|') && i+1 < len(s) && s[i+1] == c:
			out = append(out, s[last:i])
			last = i + 2
		}
	}
	return append(out, s[last:])
}

// stripComment removes an unquoted # comment.
func stripComment(s string) string {
	for i := range unquoted(s) {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t' || s[i-1] == ';') {
			return s[:i]
		}
	}
	return s
}

func inQuotes(s string, pos int) bool {
	var q byte
	for i := 0; i < pos && i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		}
	}
	return q != 0
}
