package policy

import (
	"iter"
	"regexp"
	"strings"
)

// PowerShell commands (ExecutePowerShell) are normalised as shell commands
// are (see normaliseScript), in PowerShell's own syntax:
//
//   - # and <# … #> comments are dropped;
//   - backtick continuations are joined and statements split on ;;
//   - the aliases rules care about become the cmdlets they stand for
//     (iex → Invoke-Expression, iwr → Invoke-WebRequest, …);
//   - Write-Host, Write-Output and echo that only print are dropped; their
//     output redirected or piped into Set-Content, Add-Content or Out-File
//     becomes a "write" line for the target file;
//   - a here-string (@" … "@) piped into Invoke-Expression is read as
//     commands, one written to a file as "write" lines, one held in a
//     variable as "write" lines without a target, one printed is dropped;
//   - Invoke-Expression of a variable that holds a download becomes
//     Invoke-Expression of the download, so download-and-execute split over
//     two statements reads like the one-liner;
//   - registry writes (Set-ItemProperty, New-ItemProperty, reg add) also
//     yield a "registry" line "<key>\\<name>=<value>" whose target is the key, the
//     shape SetRegistry steps get too.

var psAliases = map[string]string{
	"iex": "Invoke-Expression", "iwr": "Invoke-WebRequest", "irm": "Invoke-RestMethod",
	"curl": "Invoke-WebRequest", "wget": "Invoke-WebRequest", "sc": "Set-Content", "ac": "Add-Content",
	"echo": "Write-Output", "write": "Write-Output", "sp": "Set-ItemProperty", "icm": "Invoke-Command",
	"saps": "Start-Process", "start": "Start-Process", "gc": "Get-Content", "cat": "Get-Content", "type": "Get-Content",
}

var (
	psDownload   = regexp.MustCompile(`(?i)\b(Invoke-WebRequest|Invoke-RestMethod|DownloadString|DownloadData|Start-BitsTransfer)\b`)
	psAssignment = regexp.MustCompile(`^\$([A-Za-z_][A-Za-z0-9_:]*)\s*=\s*(.+)$`)
	psWriteTo    = regexp.MustCompile(`(?i)(?:\|\s*(?:Set-Content|Add-Content|Out-File)\b|>>?)\s*(?:-(?:Path|FilePath|LiteralPath)\s+)?['"]?([^'"\s|;]+)`)
	psPrinters   = map[string]bool{"write-host": true, "write-output": true, "write-verbose": true, "write-information": true, "write-warning": true, "write-debug": true}
)

// psUnquoted yields the index of every byte of s outside PowerShell quotes
// and not escaped: '…' is literal, "…" honours `", and a backtick outside
// quotes escapes the next byte.
func psUnquoted(s string) iter.Seq[int] { return outsideQuotes(s, '`') }

// stripPSComments drops the # and <# … #> comments of one line.
func stripPSComments(line string) string {
	var b strings.Builder
	var q byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case q != 0:
			b.WriteByte(c)
			if c == '`' && q == '"' && i+1 < len(line) {
				b.WriteByte(line[i+1])
				i++
			} else if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
			b.WriteByte(c)
		case c == '`' && i+1 < len(line):
			b.WriteByte(c)
			b.WriteByte(line[i+1])
			i++
		case c == '<' && i+1 < len(line) && line[i+1] == '#':
			end := strings.Index(line[i+2:], "#>")
			if end < 0 {
				return b.String()
			}
			b.WriteByte(' ')
			i += 2 + end + 1
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t' || line[i-1] == ';'):
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// blockComments blanks the lines of <# … #> comments that start a line.
func blockComments(lines []string) []string {
	out := make([]string, len(lines))
	in := false
	for i, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case in:
			if j := strings.Index(l, "#>"); j >= 0 {
				in = false
				out[i] = l[j+2:]
			}
		case strings.HasPrefix(t, "<#") && !strings.Contains(t[2:], "#>"):
			in = true
		default:
			out[i] = l
		}
	}
	return out
}

var hereStringOpen = regexp.MustCompile(`@(["'])\s*$`)

func normalisePowerShell(s string) []shellLine {
	lines := blockComments(strings.Split(s, "\n"))
	var out []shellLine
	downloads := map[string]string{} // variable -> the download it holds
	for i := 0; i < len(lines); i++ {
		start := i
		logical := lines[i]
		if m := hereStringOpen.FindStringSubmatchIndex(logical); m != nil && !psInQuotes(logical, m[0]) {
			quote := logical[m[2]:m[3]]
			prefix := logical[:m[0]]
			var body []shellLine
			rest := ""
			for i+1 < len(lines) {
				i++
				if t := strings.TrimLeft(lines[i], " \t"); strings.HasPrefix(t, quote+"@") {
					rest = t[2:]
					break
				}
				body = append(body, shellLine{text: lines[i], line: i})
			}
			out = append(out, hereStringLines(prefix, rest, body)...)
			continue
		}
		for strings.HasSuffix(strings.TrimRight(logical, " \t\r"), "`") && i+1 < len(lines) {
			logical = strings.TrimSuffix(strings.TrimRight(logical, " \t\r"), "`") + " " + lines[i+1]
			i++
		}
		code := strings.TrimSpace(stripPSComments(logical))
		for _, stmt := range psSplit(code) {
			for _, l := range normalisePSStatement(stmt, downloads) {
				l.line = start
				out = append(out, l)
			}
		}
	}
	return out
}

// hereStringLines reads a here-string's body by what is done with it.
func hereStringLines(prefix, rest string, body []shellLine) []shellLine {
	around := psExpandAliases(prefix + " " + rest)
	lower := strings.ToLower(around)
	var out []shellLine
	switch {
	case strings.Contains(lower, "invoke-expression") || strings.Contains(lower, "[scriptblock]::create"):
		for _, b := range body {
			for _, l := range normalisePowerShell(b.text) {
				l.line = b.line
				out = append(out, l)
			}
		}
	case psWriteTo.MatchString(around) || psVariablePrefix.MatchString(prefix):
		target := ""
		if m := psWriteTo.FindStringSubmatch(around); m != nil {
			target = m[1]
		}
		for _, b := range body {
			if t := strings.TrimSpace(b.text); t != "" && !strings.HasPrefix(t, "#") {
				out = append(out, shellLine{text: t, kind: "write", target: target, line: b.line})
			}
		}
	}
	return out
}

var psVariablePrefix = regexp.MustCompile(`^\s*\$[A-Za-z_][A-Za-z0-9_:]*\s*=\s*$`)

func psInQuotes(s string, pos int) bool {
	last := -1
	for i := range psUnquoted(s) {
		if i >= pos {
			return i != pos
		}
		last = i
	}
	return last < pos-1 || pos > len(s)
}

// psSplit splits a line into statements on unquoted ;.
func psSplit(s string) []string {
	var out []string
	last := 0
	for i := range psUnquoted(s) {
		if s[i] == ';' {
			out = append(out, s[last:i])
			last = i + 1
		}
	}
	return append(out, s[last:])
}

// psExpandAliases replaces the aliases of psAliases where they stand as a
// command: at the start, or after |, (, {, & or =.
func psExpandAliases(s string) string {
	var b strings.Builder
	last := 0
	cmdPos := true
	for i := range psUnquoted(s) {
		c := s[i]
		switch {
		case c == '|' || c == '(' || c == '{' || c == '&' || c == '=' || c == ';':
			cmdPos = true
			continue
		case c == ' ' || c == '\t':
			continue
		}
		if !cmdPos {
			continue
		}
		cmdPos = false
		if i < last {
			continue
		}
		j := i
		for j < len(s) && (isWordByte(s[j]) || s[j] == '.') {
			j++
		}
		if j < len(s) && !(s[j] == ' ' || s[j] == '\t' || s[j] == '(' || s[j] == '|' || s[j] == ')') {
			continue
		}
		if full, ok := psAliases[strings.ToLower(s[i:j])]; ok {
			b.WriteString(s[last:i])
			b.WriteString(full)
			last = j
		}
	}
	b.WriteString(s[last:])
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// normalisePSStatement normalises one statement; downloads tracks the
// variables assigned from a download (nil: do not track).
func normalisePSStatement(stmt string, downloads map[string]string) []shellLine {
	stmt = strings.TrimSpace(stmt)
	if stmt == "" {
		return nil
	}
	stmt = psExpandAliases(stmt)
	first := strings.ToLower(firstPSWord(stmt))
	if psPrinters[first] {
		if m := psWriteTo.FindStringSubmatch(stmt); m != nil {
			return []shellLine{{text: psPrintedText(stmt), kind: "write", target: m[1]}}
		}
		if !strings.Contains(strings.ToLower(stmt), "invoke-expression") {
			return nil // prints only
		}
	}
	if m := psAssignment.FindStringSubmatch(stmt); m != nil && downloads != nil {
		if psDownload.MatchString(m[2]) {
			downloads[strings.ToLower(m[1])] = m[2]
		} else {
			delete(downloads, strings.ToLower(m[1]))
		}
	}
	if strings.Contains(strings.ToLower(stmt), "invoke-expression") || strings.Contains(strings.ToLower(stmt), "[scriptblock]::create") {
		for v, rhs := range downloads {
			if re := regexp.MustCompile(`(?i)\$` + regexp.QuoteMeta(v) + `\b(\.Content)?`); re.MatchString(stmt) {
				stmt = re.ReplaceAllLiteralString(stmt, "("+rhs+")")
			}
		}
	}
	out := []shellLine{{text: stmt, kind: "run"}}
	if r, ok := psRegistryWrite(stmt); ok {
		out = append(out, r)
	}
	return append(out, icaclsModes(stmt)...)
}

func firstPSWord(s string) string {
	s = strings.TrimLeft(s, "& ")
	i := 0
	for i < len(s) && (isWordByte(s[i]) || s[i] == '.') {
		i++
	}
	return s[:i]
}

// psPrintedText is what a Write-Output statement prints: its arguments,
// unquoted, before any pipe or redirection.
func psPrintedText(stmt string) string {
	end := len(stmt)
	for i := range psUnquoted(stmt) {
		if stmt[i] == '|' || stmt[i] == '>' {
			end = i
			break
		}
	}
	args := strings.TrimSpace(stmt[len(firstPSWord(stmt)):end])
	args = strings.TrimPrefix(args, "-InputObject ")
	return strings.Trim(strings.TrimSpace(args), `'"`)
}

var (
	psPathArg  = regexp.MustCompile(`(?i)-(?:Literal)?Path\s+['"]?([^'"]+?)['"]?(\s+-|\s*$)`)
	psNameArg  = regexp.MustCompile(`(?i)-Name\s+['"]?([^'"\s]+)['"]?`)
	psValueArg = regexp.MustCompile(`(?i)-Value\s+['"]?([^'"\s]+)['"]?`)
	regAdd     = regexp.MustCompile(`(?i)^reg(?:\.exe)?\s+add\s+['"]?([^'"]+?)['"]?\s+(.*)$`)
	regName    = regexp.MustCompile(`(?i)/v\s+['"]?([^'"\s]+)['"]?`)
	regData    = regexp.MustCompile(`(?i)/d\s+['"]?([^'"\s]+)['"]?`)
)

// psRegistryWrite reads a registry write as a "registry" line.
func psRegistryWrite(stmt string) (shellLine, bool) {
	first := strings.ToLower(firstPSWord(stmt))
	switch first {
	case "set-itemproperty", "new-itemproperty":
		p, n, v := psPathArg.FindStringSubmatch(stmt), psNameArg.FindStringSubmatch(stmt), psValueArg.FindStringSubmatch(stmt)
		if p == nil || n == nil || v == nil {
			return shellLine{}, false
		}
		return registryLine(p[1], n[1], v[1]), true
	case "reg", "reg.exe":
		m := regAdd.FindStringSubmatch(stmt)
		if m == nil {
			return shellLine{}, false
		}
		n, d := regName.FindStringSubmatch(m[2]), regData.FindStringSubmatch(m[2])
		if n == nil || d == nil {
			return shellLine{}, false
		}
		return registryLine(m[1], n[1], d[1]), true
	}
	return shellLine{}, false
}

// registryLine is the shape every registry write takes: target is the key
// (HKLM:\…, HKEY_LOCAL_MACHINE\… or HKLM\… all as HKLM\…), text
// "<key>\\<name>=<value>".
func registryLine(key, name, value string) shellLine {
	key = strings.TrimSpace(key)
	for _, p := range []string{"HKEY_LOCAL_MACHINE", "HKLM:", "Registry::HKEY_LOCAL_MACHINE"} {
		if len(key) >= len(p) && strings.EqualFold(key[:len(p)], p) {
			key = "HKLM" + key[len(p):]
		}
	}
	value = strings.TrimPrefix(strings.TrimSpace(value), "$")
	return shellLine{text: key + `\` + name + "=" + value, kind: "registry", target: key}
}
