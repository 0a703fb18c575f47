package policy

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
)

// File actions are content too: what CreateFile and AppendFile write is
// read like what a heredoc or echo writes ("write" lines with the target),
// SetFilePermissions/SetFolderPermissions (and CreateFile's permissions)
// become "mode" lines, SetFileOwner/SetFolderOwner chown lines, SetRegistry
// "registry" lines, and ExecuteBinary the command line it runs, so every
// rule sees a setting however the document makes it.

// fileActionCommands normalises one step's file action; base is the path
// of the step's inputs.
func fileActionCommands(action string, inputs any, base []any) []command {
	var list []any
	switch in := inputs.(type) {
	case []any:
		list = in
	case map[string]any:
		list = []any{in}
	default:
		return nil
	}
	var out []command
	for i, x := range list {
		inp, _ := x.(map[string]any)
		if inp == nil {
			continue
		}
		at := func(key string) []any {
			if _, isList := inputs.([]any); isList {
				return append(slices.Clone(base), i, key)
			}
			return append(slices.Clone(base), key)
		}
		target := scalar(inp["path"])
		switch action {
		case "CreateFile", "AppendFile":
			content := scalar(inp["content"])
			for li, l := range strings.Split(content, "\n") {
				if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
					out = append(out, command{shellLine: shellLine{text: t, kind: "write", target: target, line: li}, lang: "file", path: at("content")})
				}
			}
			if p := scalar(inp["permissions"]); p != "" {
				out = append(out, command{shellLine: modeLine(p, target), lang: "file", path: at("permissions")})
			}
		case "SetFilePermissions", "SetFolderPermissions":
			if p := scalar(inp["permissions"]); p != "" {
				out = append(out, command{shellLine: modeLine(p, target), lang: "file", path: at("permissions")})
			}
		case "SetFileOwner", "SetFolderOwner":
			owner := scalar(inp["owner"])
			if g := scalar(inp["group"]); g != "" {
				owner += ":" + g
			}
			out = append(out, command{shellLine: shellLine{text: "chown " + owner + " " + target, kind: "run"}, lang: "file", path: at("owner")})
		case "SetRegistry":
			out = append(out, command{shellLine: registryLine(target, scalar(inp["name"]), scalar(inp["value"])), lang: "file", path: at("value")})
		case "ExecuteBinary":
			args := []string{target}
			if as, ok := inp["arguments"].([]any); ok {
				for _, a := range as {
					args = append(args, scalar(a))
				}
			}
			out = append(out, command{shellLine: shellLine{text: strings.Join(args, " "), kind: "run"}, lang: "binary", path: at("path")})
		}
	}
	return out
}

// scalar is a YAML scalar as text (permissions may be written as a number).
func scalar(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int, int64, uint64:
		return fmt.Sprint(v)
	case float64:
		return fmt.Sprint(v)
	case bool:
		return fmt.Sprint(v)
	}
	return ""
}

// documentationFile matches files whose text documents rather than
// configures: what is written there is never a setting.
var documentationFile = regexp.MustCompile(`(?i)(\.(md|markdown|txt|rst|adoc|html?)$|(^|[/\\])readme[^/\\]*$|^/usr/share/doc/|^/etc/(motd|issue|issue\.net)$|^/etc/motd\.d/)`)

// runWrittenScripts reads a script that a file action or heredoc writes,
// and that a command of the document runs, as commands in its language;
// and drops what is written to documentation files.
func runWrittenScripts(cmds []command, doc map[string]any) []command {
	if !slices.ContainsFunc(cmds, func(c command) bool { return c.kind == "write" && c.target != "" }) {
		return cmds // most documents: nothing to do, nothing to allocate
	}
	written := map[string][]int{} // target -> its write lines
	var order []string
	for i, c := range cmds {
		if c.kind != "write" || c.target == "" {
			continue
		}
		if _, seen := written[c.target]; !seen {
			order = append(order, c.target)
		}
		written[c.target] = append(written[c.target], i)
	}
	replaced := map[int][]command{}
	drop := map[int]bool{}
	for _, target := range order {
		idx := written[target]
		if documentationFile.MatchString(target) {
			for _, i := range idx {
				drop[i] = true
			}
			continue
		}
		lang := scriptLanguage(target, cmds[idx[0]], doc)
		if lang == "" || !executed(cmds, target, idx[len(idx)-1]) {
			continue
		}
		normalise := normaliseScript
		if lang == "powershell" {
			normalise = normalisePowerShell
		}
		// File actions: the whole content again, so multi-line constructs
		// read as written. Heredocs: the lines that were written.
		byPath := map[string][]int{}
		var paths []string
		for _, i := range idx {
			k := fmt.Sprint(cmds[i].path)
			if _, ok := byPath[k]; !ok {
				paths = append(paths, k)
			}
			byPath[k] = append(byPath[k], i)
		}
		for _, k := range paths {
			group := byPath[k]
			first := cmds[group[0]]
			for _, i := range group {
				drop[i] = true
			}
			var script string
			lineOf := func(l int) int { return l }
			if first.lang == "file" {
				script = scalar(at(doc, first.path))
			} else {
				texts := make([]string, len(group))
				for j, i := range group {
					texts[j] = cmds[i].text
				}
				script = strings.Join(texts, "\n")
				lineOf = func(l int) int { return cmds[group[min(l, len(group)-1)]].line }
			}
			var lines []command
			for _, l := range normalise(script) {
				l.line = lineOf(l.line)
				lines = append(lines, command{shellLine: l, lang: lang, path: first.path})
			}
			replaced[group[0]] = lines
		}
	}
	if len(drop) == 0 {
		return cmds
	}
	out := make([]command, 0, len(cmds))
	for i, c := range cmds {
		if r, ok := replaced[i]; ok {
			out = append(out, r...)
		}
		if !drop[i] {
			out = append(out, c)
		}
	}
	return out
}

// scriptLanguage is the language a written file is a script in, by its
// name or its #! line; "" when it is not a script.
func scriptLanguage(target string, first command, doc map[string]any) string {
	switch strings.ToLower(path.Ext(strings.ReplaceAll(target, `\`, "/"))) {
	case ".sh", ".bash":
		return "bash"
	case ".ps1", ".psm1":
		return "powershell"
	}
	if first.lang != "file" {
		return ""
	}
	content := strings.TrimSpace(scalar(at(doc, first.path)))
	if !strings.HasPrefix(content, "#!") {
		return ""
	}
	shebang, _, _ := strings.Cut(content, "\n")
	switch {
	case strings.Contains(shebang, "pwsh") || strings.Contains(shebang, "powershell"):
		return "powershell"
	case strings.Contains(shebang, "sh"):
		return "bash"
	}
	return ""
}

// executed reports whether a command after the last write of target (at
// index last) runs or names it: by path, or by name as ./name.
func executed(cmds []command, target string, last int) bool {
	name := path.Base(strings.ReplaceAll(target, `\`, "/"))
	for _, c := range cmds[last+1:] {
		if c.kind != "run" {
			continue
		}
		if strings.Contains(c.text, target) || strings.Contains(c.text, "./"+name) || strings.HasSuffix(c.text, " "+name) || strings.Contains(c.text, " "+name+" ") {
			return true
		}
	}
	return false
}

// at is the value at a document path.
func at(doc any, p []any) any {
	v := doc
	for _, e := range p {
		switch k := e.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// chmodModes are the "mode" lines of a chmod or install -m command: the
// mode as written, for each file it names.
func chmodModes(words []word) []shellLine {
	if len(words) < 3 {
		return nil
	}
	var mode string
	var files []string
	switch words[0].text {
	case "chmod":
		for _, w := range words[1:] {
			switch {
			case w.op:
				return modeLines(mode, files)
			case mode == "" && strings.HasPrefix(w.text, "-") && !symbolicMode.MatchString(w.text):
				// an option (-R, --reference=…)
			case mode == "":
				mode = w.text
			default:
				files = append(files, w.text)
			}
		}
	case "install":
		for i := 1; i < len(words); i++ {
			w := words[i]
			if w.op {
				break
			}
			switch {
			case (w.text == "-m" || w.text == "--mode") && i+1 < len(words):
				mode = words[i+1].text
				i++
			case strings.HasPrefix(w.text, "--mode="):
				mode = strings.TrimPrefix(w.text, "--mode=")
			case !strings.HasPrefix(w.text, "-"):
				files = append(files, w.text)
			}
		}
		if len(files) > 1 {
			files = files[len(files)-1:] // the destination
		}
	}
	return modeLines(mode, files)
}

// modeLine is the shape every permission change takes: "chmod <mode>
// <file>", kind "mode", the file as target.
func modeLine(mode, file string) shellLine {
	return shellLine{text: "chmod " + mode + " " + file, kind: "mode", target: file}
}

var symbolicMode = regexp.MustCompile(`^[ugoa]*[-+=][rwxXst]*(,[ugoa]*[-+=][rwxXst]*)*$`)

func modeLines(mode string, files []string) []shellLine {
	if mode == "" {
		return nil
	}
	out := make([]shellLine, 0, len(files))
	for _, f := range files {
		out = append(out, modeLine(mode, f))
	}
	return out
}

var icaclsGrant = regexp.MustCompile(`(?i)/grant(?::r)?\s+['"]?(\*S-1-1-0|Everyone|BUILTIN\\Users|Users|Authenticated Users|\*S-1-5-11|\*S-1-5-32-545)['"]?:\(?([A-Z,()]+)`)

// icaclsModes reads icacls grants to everyone or all users as the
// equivalent "mode" lines (o+r, o+w).
func icaclsModes(stmt string) []shellLine {
	words := strings.Fields(stmt)
	if len(words) < 3 || !strings.EqualFold(strings.TrimSuffix(strings.ToLower(words[0]), ".exe"), "icacls") {
		return nil
	}
	target := strings.Trim(words[1], `'"`)
	var out []shellLine
	for _, m := range icaclsGrant.FindAllStringSubmatch(stmt, -1) {
		perm := strings.ToUpper(m[2])
		mode := ""
		if strings.ContainsAny(perm, "FMW") {
			mode = "o+rw"
		} else if strings.Contains(perm, "R") {
			mode = "o+r"
		}
		if mode != "" {
			out = append(out, modeLine(mode, target))
		}
	}
	return out
}
