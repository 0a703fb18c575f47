package policy

import (
	"path"
	"regexp"
	"strings"
)

// Download-then-execute split over two commands (curl -o f …; bash f, or
// Invoke-WebRequest -OutFile f; .\f) runs unverified code as surely as a
// pipe into a shell does. unverifiedRuns finds a command that runs a file
// an earlier command downloaded, with no checksum or signature check of the
// file in between, and adds it again as an "exec-download" line.

var (
	curlOut   = regexp.MustCompile(`\bcurl\b.*?\s(?:-o|--output)\s+['"]?([^\s'"]+)`)
	curlO     = regexp.MustCompile(`\bcurl\b.*?\s-[a-zA-Z]*O[a-zA-Z]*\s.*?(https?://\S+)`)
	wgetOut   = regexp.MustCompile(`\bwget\b.*?\s(?:-O|--output-document)\s*['"]?([^\s'"]+)`)
	wgetURL   = regexp.MustCompile(`\bwget\b(?:\s+-\S+)*\s+['"]?(https?://[^\s'"]+)`)
	psOutFile = regexp.MustCompile(`(?i)\b(?:Invoke-WebRequest|Invoke-RestMethod)\b.*?-OutFile\s+['"]?([^\s'"]+)`)
	psDownTo  = regexp.MustCompile(`(?i)\.DownloadFile\(\s*['"][^'"]+['"]\s*,\s*['"]([^'"]+)['"]`)
	psBits    = regexp.MustCompile(`(?i)\bStart-BitsTransfer\b.*?-Destination\s+['"]?([^\s'"]+)`)
	verifies  = regexp.MustCompile(`(?i)\b(sha(1|224|256|384|512)?sum|shasum|b2sum|gpgv?\b.*--verify|gpgv\b|cosign\s+verify|minisign\s+-V|rpm\s+(-K|--checksig)|Get-FileHash|Get-AuthenticodeSignature|certutil\b.*-hashfile|openssl\s+dgst)`)
	runsWith  = regexp.MustCompile(`(?i)^(sudo\s+(-\S+\s+)*)?(bash|sh|zsh|ksh|dash|source|\.|python[0-9.]*|perl|ruby|node|powershell(\.exe)?|pwsh|Start-Process|&|cmd(\.exe)?|msiexec(\.exe)?|rpm|dnf|yum|dpkg|apt|apt-get)(\s|$)`)
)

// downloadedFile is the file a command downloads to, "" when none.
func downloadedFile(c command) string {
	if !mayDownload(c.text) {
		return "" // the cheap test first: this runs for every command
	}
	for _, re := range []*regexp.Regexp{curlOut, wgetOut, psOutFile, psDownTo, psBits} {
		if m := re.FindStringSubmatch(c.text); m != nil {
			return m[1]
		}
	}
	for _, re := range []*regexp.Regexp{curlO, wgetURL} {
		if m := re.FindStringSubmatch(c.text); m != nil {
			u := strings.SplitN(strings.SplitN(m[1], "?", 2)[0], "#", 2)[0]
			return path.Base(u)
		}
	}
	return ""
}

// mayDownload reports, without allocating, whether text can be a download
// (PowerShell's cmdlets in any case).
func mayDownload(text string) bool {
	for _, w := range []string{"curl", "wget", "nvoke-", "NVOKE-", "ownload", "OWNLOAD", "itsTransfer", "itstransfer"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

func unverifiedRuns(cmds []command) []command {
	type download struct {
		file     string
		verified bool
	}
	var downloads []*download
	var out []command // nil until a run of a download is found
	for i, c := range cmds {
		if out != nil {
			out = append(out, c)
		}
		if c.kind != "run" {
			continue
		}
		for _, d := range downloads {
			if d.verified || !mentionsFile(c.text, d.file) {
				continue
			}
			if verifies.MatchString(c.text) {
				d.verified = true
				continue
			}
			if runsFile(c.text, d.file) {
				// The marker puts the line in the command index (see
				// indexedWords), so the rule never walks the other commands.
				x := c
				x.text = "exec-download: " + c.text
				x.kind = "exec-download"
				x.target = d.file
				if out == nil {
					out = append(make([]command, 0, len(cmds)+1), cmds[:i+1]...)
				}
				out = append(out, x)
			}
		}
		if f := downloadedFile(c); f != "" {
			downloads = append(downloads, &download{file: f})
		}
	}
	if out == nil {
		return cmds
	}
	return out
}

// mentionsFile reports whether text names file (by path, or by its base
// name).
func mentionsFile(text, file string) bool {
	return strings.Contains(text, file) || strings.Contains(text, fileBase(file))
}

func fileBase(file string) string { return path.Base(strings.ReplaceAll(file, `\`, "/")) }

// runsFile reports whether a command runs file: as the command itself
// (./f, .\f, /tmp/f, & f) or as the script of a shell, interpreter,
// installer or Start-Process.
func runsFile(text, file string) bool {
	first := strings.Fields(text)[0]
	first = strings.Trim(first, `'"`)
	if first == file || first == "./"+fileBase(file) || first == `.\`+fileBase(file) || strings.HasSuffix(first, "/"+fileBase(file)) || strings.HasSuffix(first, `\`+fileBase(file)) {
		return true
	}
	if strings.HasPrefix(strings.ToLower(first), "chmod") {
		return false
	}
	return runsWith.MatchString(text)
}
