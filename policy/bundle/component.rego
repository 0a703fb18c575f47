# Package kiln.component checks Component resources: the AWSTOE document
# (input.document) and the effective shell commands kiln extracted from it
# (input.commands; see package kiln.lib).
package kiln.component

import data.kiln.lib

# Rules start from the commands that mention their words (lib.mentions,
# indexed by kiln) and from the steps of their action (lib.by_action):
# most commands mention none of the words and most steps are ExecuteBash, so
# the expensive regular expressions and input checks see only the few that
# can match.

# The commands that mention a rule's words, computed once per document.
server_commands := {c | some c in lib.mentions["telnet|rsh|ftp"]}

gpg_commands := {c | some c in lib.mentions["gpg|signature|unauthenticated"]; lib.sets(c)}

selinux_commands := {c | some c in lib.mentions["enforc|selinux"]; lib.sets(c)}

download_commands := {c | some c in lib.mentions["curl|wget"]}

# sshd_sets reports whether a command or a written line sets an sshd
# option: both "sed -i 's/…/PermitRootLogin yes/'" (kiln keeps only the
# replacement) and a heredoc written to sshd_config arrive here.
sshd_sets(c, keyword, pattern) if {
	contains(c.lower, keyword)
	c.kind in {"run", "write"}
	sshd_target(c)
	lib.sets(c)
	regex.match(pattern, c.text)
}

# sshd_target: a written line counts when it goes to sshd's configuration
# (or to a file kiln cannot name); a command when it is not a check.
sshd_target(c) if c.kind == "run"

sshd_target(c) if {
	c.kind == "write"
	c.target == ""
}

sshd_target(c) if {
	c.kind == "write"
	contains(lower(c.target), "ssh")
}


# METADATA
# title: SSH root login is disabled
# description: The component must not allow direct root logins over SSH.
# custom:
#   id: KILN-CMP-001
#   severity: high
#   controls: ["cis-al2023:4.2.7", "stig-rhel8:RHEL-08-010550", "stig-rhel9:RHEL-09-255045", "srg:SRG-OS-000109-GPOS-00056", "nist-800-53:AC-6(2)"]
#   remediation: Set "PermitRootLogin no" in sshd_config (or a drop-in under sshd_config.d).
permit_root_login contains r if {
	some c in lib.mentions["permitrootlogin"]
	sshd_sets(c, "permitrootlogin", `(?i)(^|[\s'"])PermitRootLogin\s+(yes|without-password|prohibit-password)\b`)
	r := lib.command_result("sets PermitRootLogin to allow root logins over SSH", c)
}

# METADATA
# title: SSH refuses empty passwords
# description: Accounts with an empty password must not be able to log in over SSH.
# custom:
#   id: KILN-CMP-002
#   severity: high
#   controls: ["cis-al2023:4.2.9", "stig-rhel8:RHEL-08-020330", "stig-rhel9:RHEL-09-255040", "srg:SRG-OS-000106-GPOS-00053"]
#   remediation: Set "PermitEmptyPasswords no".
permit_empty_passwords contains r if {
	some c in lib.mentions["permitemptypasswords"]
	sshd_sets(c, "permitemptypasswords", `(?i)(^|[\s'"])PermitEmptyPasswords\s+yes\b`)
	r := lib.command_result("sets PermitEmptyPasswords yes", c)
}

# METADATA
# title: SSH ignores user environment files
# description: Users must not be able to set environment variables for sshd (LD_PRELOAD and friends).
# custom:
#   id: KILN-CMP-003
#   severity: medium
#   controls: ["cis-al2023:4.2.10", "stig-rhel8:RHEL-08-010830", "stig-rhel9:RHEL-09-255085", "srg:SRG-OS-000480-GPOS-00229"]
#   remediation: Set "PermitUserEnvironment no".
permit_user_environment contains r if {
	some c in lib.mentions["permituserenvironment"]
	sshd_sets(c, "permituserenvironment", `(?i)(^|[\s'"])PermitUserEnvironment\s+yes\b`)
	r := lib.command_result("sets PermitUserEnvironment yes", c)
}

# METADATA
# title: SSH password authentication is off
# description: SSH logins must use keys or certificates, not passwords.
# custom:
#   id: KILN-CMP-004
#   severity: medium
#   controls: ["srg:SRG-OS-000480-GPOS-00227", "nist-800-53:IA-2"]
#   remediation: Set "PasswordAuthentication no".
password_authentication contains r if {
	some c in lib.mentions["passwordauthentication"]
	sshd_sets(c, "passwordauthentication", `(?i)(^|[\s'"])PasswordAuthentication\s+yes\b`)
	r := lib.command_result("sets PasswordAuthentication yes", c)
}

# METADATA
# title: auditd stays installed and running
# description: The audit daemon must not be removed, stopped, disabled or masked.
# custom:
#   id: KILN-CMP-005
#   severity: high
#   controls: ["cis-al2023:5.2.1.1", "cis-al2023:5.2.1.4", "stig-rhel8:RHEL-08-030180", "stig-rhel8:RHEL-08-030181", "stig-rhel9:RHEL-09-653010", "stig-rhel9:RHEL-09-653015", "srg:SRG-OS-000062-GPOS-00031"]
#   remediation: Keep the audit package and the auditd service enabled.
auditd_kept contains r if {
	some c in lib.mentions["audit"]
	c.kind == "run"
	regex.match(`(?i)\b(yum|dnf|rpm|apt-get|apt|zypper)\b.*\s(remove|erase|purge|autoremove|-e)\s(.*\s)?audit(\.[a-z0-9_]+)?(\s|$)`, c.text)
	r := lib.command_result("removes the audit package", c)
}

auditd_kept contains r if {
	some c in lib.mentions["auditd"]
	c.kind == "run"
	regex.match(`(?i)\b(systemctl|service|chkconfig)\b.*\b(disable|stop|mask|off)\b.*\bauditd\b|\b(systemctl)\s.*\bauditd\b.*\b(disable|stop|mask)\b`, c.text)
	r := lib.command_result("stops or disables auditd", c)
}

# insecure_install matches installing a cleartext server package; group 2
# is the package.
insecure_install := `(?i)\b(yum|dnf|apt-get|apt|zypper)\b.*\binstall\b.*\s(telnet-server|telnetd|rsh-server|rsh-redone-server|tftp-server|tftpd|tftpd-hpa|vsftpd|proftpd|pure-ftpd)([-.][0-9]\S*)?(\s|$)`

# METADATA
# title: No telnet, rsh, tftp or ftp servers
# description: Cleartext remote-access and file-transfer servers must not be installed.
# custom:
#   id: KILN-CMP-006
#   severity: high
#   controls: ["cis-al2023:2.2.6", "cis-al2023:2.2.7", "cis-al2023:2.2.13", "stig-rhel8:RHEL-08-040000", "stig-rhel8:RHEL-08-040190", "stig-rhel8:RHEL-08-040360", "stig-rhel9:RHEL-09-215015", "stig-rhel9:RHEL-09-215040", "stig-rhel9:RHEL-09-215060", "srg:SRG-OS-000095-GPOS-00049"]
#   remediation: Do not install telnet-server, rsh-server, tftp-server or an FTP server; use SSH/SFTP.
insecure_services contains r if {
	some c in server_commands
	c.kind == "run"
	some m in regex.find_all_string_submatch_n(insecure_install, c.text, 1)
	r := lib.command_result(sprintf("installs the cleartext server package %s", [m[2]]), c)
}

# METADATA
# title: Package signatures are checked
# description: Packages must only be installed after their GPG signature is verified.
# custom:
#   id: KILN-CMP-007
#   severity: high
#   controls: ["cis-al2023:1.2.2", "stig-rhel8:RHEL-08-010370", "stig-rhel8:RHEL-08-010371", "stig-rhel9:RHEL-09-214015", "stig-rhel9:RHEL-09-214020", "stig-rhel9:RHEL-09-214025", "srg:SRG-OS-000366-GPOS-00153"]
#   remediation: Remove --nogpgcheck / gpgcheck=0; import the vendor key instead.
gpg_checks contains r if {
	some c in gpg_commands
	regex.match(`(?i)(--nogpgcheck|--no-gpg-checks|--nosignature|--allow-unauthenticated|\b(localpkg_|repo_)?gpgcheck\s*=\s*(0|false|no)\b)`, c.text)
	r := lib.command_result("turns off package signature checks", c)
}

# METADATA
# title: SELinux stays enforcing
# description: SELinux must not be disabled or set to permissive.
# custom:
#   id: KILN-CMP-008
#   severity: high
#   controls: ["cis-al2023:1.6.1.4", "cis-al2023:1.6.1.5", "stig-rhel8:RHEL-08-010170", "stig-rhel9:RHEL-09-431010", "srg:SRG-OS-000445-GPOS-00199"]
#   remediation: Keep SELINUX=enforcing and fix the denials with a policy module.
selinux_enforcing contains r if {
	some c in selinux_commands
	regex.match(`(?i)(\bsetenforce\s+(0|permissive)\b|\bSELINUX\s*=\s*(disabled|permissive)\b|\bselinux=0\b|\benforcing=0\b)`, c.text)
	r := lib.command_result("disables SELinux or makes it permissive", c)
}

# secret_formats are the well-known formats of credentials: found by value,
# wherever they are.
secret_formats := {
	"an AWS access key id": `\b(AKIA|ASIA)[A-Z0-9]{16}\b`,
	"a private key": `-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----`,
	"an AWS secret access key": `(?i)aws_?secret_?access_?key["']?\s*[=:]\s*["']?[A-Za-z0-9/+=]{40}`,
	"a GitHub token": `\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})`,
	"a GitLab token": `\bglpat-[A-Za-z0-9_-]{20,}`,
	"a Slack token": `\bxox[abprs]-[A-Za-z0-9-]{10,}`,
	"a Stripe secret key": `\b[sr]k_live_[A-Za-z0-9]{20,}`,
	"a Google API key": `\bAIza[0-9A-Za-z_-]{35}`,
}

# secret_assignments find a value in a password-like position: key=value
# or key: value for a password, secret, token or API key (not a word inside
# an ARN, path or host name), a $variable assigned a quoted literal (its
# value assigned a command, $password = ConvertTo-SecureString …, is not
# one), and --password value / -Password value flags. The value is the last
# group.
secret_assignments := [
	`(?i)(^|[^a-z0-9:/.$-])[a-z0-9_]*(password|passwd|secret|token|api_?key)[a-z0-9_]*["']?\s*[=:]\s*["']?([^\s"',;)}]+)`,
	`(?i)\$[a-z0-9_]*(password|passwd|secret|token|api_?key)[a-z0-9_]*\s*=\s*["']([^"'$][^"']*)["']`,
	`(?i)(^|\s)--?(password|passwd|secret|token|api-?key|client-secret)(=|\s+)["']?([^\s"']+)`,
]

# is_reference: a value that names where a secret is, not the secret: a
# variable ($X, ${X}, %X%, $env:X), a substitution ($(…), (…)), an AWSTOE
# {{ parameter }} or {{ resolve:… }}, an ARN, an SSM parameter name, a
# Secrets Manager id, a prompt (*) or a plain word such as true or none.
is_reference(v) if regex.match(`^(\$|%|\(|\{\{|\*+$|arn:|ssm:|resolve:|/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$)`, v)

is_reference(v) if contains(v, "{{")

is_reference(v) if contains(lower(v), "secretsmanager")

is_reference(v) if lower(v) in {"true", "false", "null", "none", "required", "yes", "no", "changeme", "", "string", "securestring"}

# high_entropy: long enough, of at least three character classes and of
# many distinct characters — what a generated or real password looks like,
# unlike a word, a path or a setting.
high_entropy(v) if {
	count(v) >= 10
	classes := [1 |
		some p in [`[a-z]`, `[A-Z]`, `[0-9]`, `[^A-Za-z0-9]`]
		regex.match(p, v)
	]
	count(classes) >= 3
	count({c | some c in split(v, "")}) >= 8
	not regex.match(`^[A-Za-z]:\\|^https?://|^[a-z0-9.-]+\.(com|net|org|io)$`, v)
}

# mask shows only what identifies the kind of secret: its first four
# characters when they are the format's public prefix, never the rest.
mask(v, true) := sprintf("%s… (%d characters)", [substring(v, 0, 4), count(v)])

mask(v, false) := sprintf("(%d characters, masked)", [count(v)])

# line_of is the line of needle inside value (0-based).
line_of(value, needle) := count(split(substring(value, 0, indexof(value, needle)), "\n")) - 1

# secret_candidates are the document's strings that may hold a secret, with
# their paths. kiln hands them over pre-filtered (input.secret_candidates:
# strings containing a format's fixed part or a password-like word, found in
# Go with plain substring search); without it every string of the
# document is one.
secret_candidates := [[c.path, c.value] | some c in input.secret_candidates] if input.secret_candidates

secret_candidates := [[path, value] |
	walk(input.document, [path, value])
	is_string(value)
] if not input.secret_candidates

# METADATA
# title: No plaintext secrets in components
# description: >-
#   Access keys, private keys, tokens of well-known formats and passwords
#   in password-like positions (password=…, --password …, parameter
#   defaults, file content) end up in Image Builder, in build logs and in
#   every image; fetch them at build time from Secrets Manager or SSM
#   Parameter Store instead. Values that are references (SSM parameter
#   names or ARNs, Secrets Manager ARNs, {{ resolve:… }}, {{ parameter }},
#   variables) are not secrets. Findings show the value masked.
# custom:
#   id: KILN-CMP-009
#   severity: critical
#   controls: ["srg:SRG-OS-000073-GPOS-00041", "srg:SRG-OS-000067-GPOS-00035", "nist-800-53:IA-5(7)"]
#   remediation: Remove the secret, rotate it, and read it at build time from Secrets Manager or SSM Parameter Store.
plaintext_secrets contains r if {
	some [path, value] in secret_candidates
	some what, pattern in secret_formats
	some m in regex.find_n(pattern, value, -1)
	r := {
		"msg": sprintf("contains %s in plaintext: %s", [what, mask(secret_value(what, m), what != "a private key")]),
		"path": path, "line": line_of(value, m), "in": "document",
	}
}

plaintext_secrets contains r if {
	some [path, value] in secret_candidates
	some pattern in secret_assignments
	some m in regex.find_all_string_submatch_n(pattern, value, -1)
	v := m[count(m) - 1]
	not is_reference(v)
	high_entropy(v)
	not format_match(m[0])
	r := {
		"msg": sprintf("sets a password-like value in plaintext: %s", [mask(v, false)]),
		"path": path, "line": line_of(value, m[0]), "in": "document",
	}
}

# secret_value is the part of a match that is the secret (an AWS secret
# key's match starts with its variable name).
secret_value("an AWS secret access key", m) := regex.find_n(`[A-Za-z0-9/+=]{40}$`, m, 1)[0]

secret_value(what, m) := m if what != "an AWS secret access key"

format_match(v) if {
	some pattern in secret_formats
	regex.match(pattern, v)
}

# METADATA
# title: No default values for secret parameters
# description: >-
#   A parameter that holds a password, token or key must not have a value as
#   its default in the document; a default that is a reference (an SSM
#   parameter name or ARN, a Secrets Manager ARN, {{ resolve:… }}) is fine.
# custom:
#   id: KILN-CMP-010
#   severity: high
#   controls: ["srg:SRG-OS-000073-GPOS-00041", "nist-800-53:IA-5(7)"]
#   remediation: Remove the default and pass the value from the recipe, or default to the name of an SSM parameter or secret read at build time.
secret_parameter_default contains r if {
	some i, p in object.get(input.document, "parameters", [])
	some name, def in p
	regex.match(`(?i)(password|passwd|secret|token|api_?key|private_?key)`, name)
	d := object.get(def, "default", "")
	is_string(d)
	not is_reference(d)
	r := lib.document_result(sprintf("parameter %s has a default value (%s)", [name, mask(d, false)]), ["parameters", i, name, "default"])
}

# METADATA
# title: Downloads use HTTPS
# description: WebDownload sources must use https (or s3) so the download cannot be tampered with on the way.
# custom:
#   id: KILN-CMP-011
#   severity: high
#   controls: ["srg:SRG-OS-000423-GPOS-00187", "nist-800-53:SC-8"]
#   remediation: Download over https.
download_https contains r if {
	some s in lib.by_action["WebDownload"]
	some [path, inp] in lib.step_inputs(s)
	startswith(lower(object.get(inp, "source", "")), "http://")
	r := lib.document_result(sprintf("downloads %s over plain http", [inp.source]), array.concat(path, ["source"]))
}

# METADATA
# title: Downloads are verified with a checksum
# description: A WebDownload must give the expected checksum so a changed artefact fails the build.
# custom:
#   id: KILN-CMP-012
#   severity: medium
#   controls: ["srg:SRG-OS-000366-GPOS-00153", "nist-800-53:SI-7"]
#   remediation: Add checksum and algorithm (SHA256) to the WebDownload input.
download_checksum contains r if {
	some s in lib.by_action["WebDownload"]
	some [path, inp] in lib.step_inputs(s)
	object.get(inp, "checksum", "") == ""
	r := lib.document_result(sprintf("download of %s has no checksum", [object.get(inp, "source", "")]), path)
}

# METADATA
# title: Downloads verify TLS certificates
# description: ignoreCertificateErrors turns https into plain http for an attacker in the path.
# custom:
#   id: KILN-CMP-013
#   severity: high
#   controls: ["srg:SRG-OS-000423-GPOS-00187", "nist-800-53:SC-8"]
#   remediation: Remove ignoreCertificateErrors; install the CA certificate if it is a private one.
download_certificates contains r if {
	some s in lib.by_action["WebDownload"]
	some [path, inp] in lib.step_inputs(s)
	object.get(inp, "ignoreCertificateErrors", false) == true
	r := lib.document_result("WebDownload ignores certificate errors", array.concat(path, ["ignoreCertificateErrors"]))
}

# METADATA
# title: Commands verify TLS certificates
# description: >-
#   curl -k/--insecure, wget --no-check-certificate, git http.sslVerify false,
#   PowerShell's -SkipCertificateCheck and a ServerCertificateValidationCallback
#   that returns $true all accept any certificate.
# custom:
#   id: KILN-CMP-014
#   severity: high
#   controls: ["srg:SRG-OS-000423-GPOS-00187", "nist-800-53:SC-8"]
#   remediation: Drop -k/--insecure/--no-check-certificate/-SkipCertificateCheck and the callback; install the CA certificate if it is a private one.
shell_tls contains r if {
	some c in download_commands
	c.kind == "run"
	regex.match(`\bcurl\b[^|;&]*\s(-[a-zA-Z]*k[a-zA-Z]*|--insecure)(\s|$)|\bwget\b[^|;&]*\s--no-check-certificate\b`, c.text)
	r := lib.command_result("downloads without verifying the TLS certificate", c)
}

shell_tls contains r if {
	some c in lib.mentions["certificate|trustall|sslverify|strict-ssl|tls_reject"]
	c.kind == "run"
	regex.match(`(?i)(servercertificatevalidationcallback\s*=\s*\{[^}]*\$true|-skipcertificatecheck(\s|$|:\s*\$true)|trustallcertspolicy|\bhttp\.sslverify(\s*=\s*|\s+)['"]?(false|0)\b|git_ssl_no_verify=['"]?(1|true)|strict-ssl['"]?\s+['"]?false|node_tls_reject_unauthorized=['"]?0)`, c.text)
	r := lib.command_result("turns off TLS certificate verification", c)
}

# METADATA
# title: No piping downloads into a shell
# description: >-
#   curl … | sh, PowerShell's iwr … | iex or iex (New-Object
#   Net.WebClient).DownloadString(…), and a downloaded script or installer run
#   without a checksum or signature check in between (curl -o f …; bash f)
#   run whatever the server returns at build time, unreviewed and unverified.
# custom:
#   id: KILN-CMP-015
#   severity: high
#   controls: ["srg:SRG-OS-000366-GPOS-00153", "nist-800-53:SI-7"]
#   remediation: Download to a file, verify its checksum (sha256sum -c, Get-FileHash) or signature, then run it.
pipe_to_shell contains r if {
	some c in download_commands
	c.kind == "run"
	regex.match(pipe_to_shell_pattern, c.text)
	r := lib.command_result("pipes a download straight into a shell", c)
}

pipe_to_shell contains r if {
	some c in lib.mentions["invoke-expression|scriptblock"]
	c.kind == "run"
	regex.match(`(?i)(invoke-webrequest|invoke-restmethod|downloadstring|downloaddata|net\.webclient)[^|]*\|\s*invoke-expression|invoke-expression\b.*(invoke-webrequest|invoke-restmethod|downloadstring|net\.webclient)|\[scriptblock\]::create\(.*(invoke-webrequest|invoke-restmethod|downloadstring|net\.webclient)`, c.text)
	r := lib.command_result("runs downloaded code with Invoke-Expression", c)
}

pipe_to_shell contains r if {
	some c in lib.mentions["exec-download"]
	c.kind == "exec-download"
	r := lib.command_result(sprintf("runs %s, downloaded earlier, without verifying its checksum or signature", [c.target]), c)
}

# pipe_to_shell_pattern: a download piped into a shell or interpreter (also
# through sudo, env and variable assignments), or run as its argument or
# process substitution.
pipe_to_shell_pattern := `\b(curl|wget)\b[^|]*\|\s*((sudo(\s+-[A-Za-z-]+(\s+[a-z][a-z0-9_-]*)?)*|env|[A-Za-z_][A-Za-z0-9_]*=\S*)\s+)*(/usr)?(/bin/)?((ba|z|k|da)?sh|python[0-9.]*|perl|ruby|node)\b|\b(ba|z|k|da)?sh\s+(-c\s+)?["']?[<$]\((curl|wget)\b|\b(source|\.|eval)\s+["']?[<$]\((curl|wget)\b`

# METADATA
# title: S3 transfers name the expected bucket owner
# description: Without expectedBucketOwner a renamed or re-created bucket in another account can serve or receive the files.
# custom:
#   id: KILN-CMP-016
#   severity: medium
#   controls: ["nist-800-53:SI-7", "nist-800-53:AC-3"]
#   scope: aws
#   remediation: Add expectedBucketOwner (the bucket's account id) to every S3Download/S3Upload input.
s3_bucket_owner contains r if {
	some action in ["S3Download", "S3Upload"]
	some s in lib.by_action[action]
	some [path, inp] in lib.step_inputs(s)
	object.get(inp, "expectedBucketOwner", "") == ""
	r := lib.document_result(sprintf("%s without expectedBucketOwner", [s.action]), path)
}

# METADATA
# title: MSI installers are signed
# description: InstallMSI must not accept unsigned installers.
# custom:
#   id: KILN-CMP-017
#   severity: high
#   controls: ["srg:SRG-OS-000366-GPOS-00153", "nist-800-53:CM-5(3)"]
#   remediation: Remove allowUnsignedInstaller and install a signed MSI.
msi_signed contains r if {
	some s in lib.by_action["InstallMSI"]
	some [path, inp] in lib.step_inputs(s)
	object.get(inp, "allowUnsignedInstaller", false) == true
	r := lib.document_result("InstallMSI allows an unsigned installer", array.concat(path, ["allowUnsignedInstaller"]))
}

# plaintext_password_patterns: a literal password (not a $VARIABLE or a
# (command) reading one) fed to chpasswd or passwd --stdin, given to
# usermod/useradd -p, turned into a SecureString with -AsPlainText, or
# set with net user.
plaintext_password_patterns := {
	"chpasswd": `(?i)\b(echo|printf)\s+(-\S+\s+)*['"]?[A-Za-z0-9_.-]+:[^$'"\s(][^'"\s]*['"]?\s*\|\s*(sudo\s+)?chpasswd\b`,
	"passwd --stdin": `(?i)\b(echo|printf)\s+(-\S+\s+)*['"]?[^$'"\s(|][^'"\s|]*['"]?\s*\|\s*(sudo\s+)?passwd\b.*--stdin`,
	"usermod/useradd -p": `(?i)\b(usermod|useradd)\b.*\s(-p|--password)\s+['"]?([^$\s'"(]|\$[a-z0-9]{1,2}\$)`,
	"ConvertTo-SecureString -AsPlainText": `(?i)convertto-securestring\s+(-string\s+)?(['"])[^'"$]+['"].*-asplaintext|-asplaintext\s+(-force\s+)?(-string\s+)?['"][^'"$]+['"]`,
	"openssl passwd": `(?i)\bopenssl\s+passwd\b(\s+-\S+)*\s+['"]?[^$\s'"(-]`,
	"net user": `(?i)\bnet(\.exe)?\s+user\s+\S+\s+['"]?[^\s'"*$/(]`,
}

# METADATA
# title: No passwords set in plain text
# description: >-
#   A password written into a command (chpasswd, passwd --stdin, usermod -p,
#   ConvertTo-SecureString -AsPlainText, net user) is in the component, in
#   Image Builder and in the build logs; read it at build time instead.
# custom:
#   id: KILN-CMP-018
#   severity: high
#   controls: ["srg:SRG-OS-000073-GPOS-00041", "nist-800-53:IA-5(1)(c)"]
#   remediation: Read the password at build time (aws ssm get-parameter --with-decryption, Get-SECSecretValue) into a variable and pass the variable.
plaintext_password contains r if {
	some c in lib.mentions["passwd|usermod|useradd|securestring|net user"]
	c.kind == "run"
	some how, pattern in plaintext_password_patterns
	regex.match(pattern, c.text)
	r := lib.command_result(sprintf("sets a password in plain text (%s)", [how]), c)
}

# registry_sets reports whether a registry line (SetRegistry, Set-ItemProperty,
# New-ItemProperty, reg add) under a key matching key_pattern sets a value
# matching value_pattern ("name=value", case-insensitive).
registry_sets(c, key_pattern, value_pattern) if {
	c.kind == "registry"
	regex.match(sprintf("(?i)%s", [key_pattern]), c.target)
	regex.match(sprintf("(?i)\\\\%s$", [value_pattern]), c.text)
}

# METADATA
# title: Microsoft Defender stays on
# description: >-
#   Real-time, behaviour and script scanning must not be turned off, nor
#   Defender removed or stopped, by Set-MpPreference, the Defender policy
#   registry values or the service.
# custom:
#   id: KILN-CMP-019
#   severity: high
#   controls: ["srg:SRG-OS-000480-GPOS-00227", "nist-800-53:CM-6(a)"]
#   remediation: Keep Defender enabled; add exclusions for the paths the build needs instead.
defender_enabled contains r if {
	some c in lib.mentions["mppreference|defender|windefend"]
	c.kind == "run"
	regex.match(`(?i)set-mppreference\b.*-disable(realtimemonitoring|behaviormonitoring|ioavprotection|scriptscanning|intrusionpreventionsystem|blockatfirstseen|archivescanning)(:\s*|\s+)\$?(true|1)\b|(uninstall|remove)-windowsfeature\b.*windows-defender|stop-service\b.*\bwindefend\b|set-service\b.*\bwindefend\b.*-startuptype\s+['"]?disabled|\bsc(\.exe)?\s+(stop|config)\s+windefend\b`, c.text)
	r := lib.command_result("turns off Microsoft Defender", c)
}

defender_enabled contains r if {
	some c in lib.mentions["mppreference|defender|windefend"]
	registry_sets(c, `windows defender`, `(disableantispyware|disableantivirus|disablerealtimemonitoring|disablebehaviormonitoring|disablescriptscanning)=(1|0x0*1)`)
	r := lib.command_result("turns off Microsoft Defender in the registry", c)
}

# METADATA
# title: The host firewall stays on
# description: >-
#   firewalld, nftables or ufw on Linux and Windows Defender Firewall must not
#   be stopped, disabled or switched off, by command or registry.
# custom:
#   id: KILN-CMP-020
#   severity: high
#   controls: ["stig-rhel8:RHEL-08-040101", "stig-rhel9:RHEL-09-251015", "srg:SRG-OS-000096-GPOS-00050", "nist-800-53:SC-7(21)"]
#   remediation: Keep the firewall running and open only the ports the image needs.
firewall_enabled contains r if {
	some c in lib.mentions["firewall|ufw|nftables|mpssvc"]
	lib.sets(c)
	c.kind == "run"
	regex.match(`(?i)\bsystemctl\b.*\b(stop|disable|mask)\b.*\b(firewalld|nftables|ufw)\b|\bufw\s+disable\b|\bservice\s+(firewalld|ufw)\s+stop\b|set-netfirewallprofile\b.*-enabled(:\s*|\s+)['"]?\$?(false|0)\b|\bnetsh(\.exe)?\s+(advfirewall\s+set\s+\S+\s+state\s+off|firewall\s+set\s+opmode\s+(mode=)?disable)|(stop-service|set-service)\b.*\bmpssvc\b`, c.text)
	not regex.match(`(?i)\bset-service\b.*-startuptype\s+['"]?(automatic|manual)`, c.text)
	r := lib.command_result("turns off the host firewall", c)
}

firewall_enabled contains r if {
	some c in lib.mentions["firewall|ufw|nftables|mpssvc"]
	lib.sets(c)
	registry_sets(c, `windowsfirewall`, `enablefirewall=(0|0x0+)`)
	r := lib.command_result("turns off Windows Defender Firewall in the registry", c)
}

# METADATA
# title: User Account Control stays on
# description: >-
#   EnableLUA 0 turns UAC off and ConsentPromptBehaviorAdmin 0 elevates
#   administrators without asking, so any process an administrator starts
#   runs with full rights.
# custom:
#   id: KILN-CMP-021
#   severity: high
#   controls: ["srg:SRG-OS-000373-GPOS-00156", "nist-800-53:IA-11", "nist-800-53:AC-6(9)"]
#   remediation: Keep EnableLUA 1 and ConsentPromptBehaviorAdmin at 2 (or the STIG's value).
uac_enabled contains r if {
	some c in lib.mentions["enablelua|consentpromptbehavioradmin"]
	registry_sets(c, `policies\\system`, `(enablelua|consentpromptbehavioradmin)=(0|0x0+)`)
	r := lib.command_result("turns off User Account Control", c)
}

# METADATA
# title: No machine-wide Unrestricted or Bypass execution policy
# description: >-
#   Set-ExecutionPolicy Unrestricted or Bypass for the machine (the default
#   scope) lets every user run any script on every instance of the image; a
#   build step that needs it can pass -ExecutionPolicy Bypass to its own
#   process.
# custom:
#   id: KILN-CMP-022
#   severity: medium
#   controls: ["srg:SRG-OS-000370-GPOS-00155", "nist-800-53:CM-7(2)"]
#   remediation: Use -Scope Process (or powershell -ExecutionPolicy Bypass -File …) for the build, and RemoteSigned or AllSigned for the machine.
execution_policy contains r if {
	some c in lib.mentions["executionpolicy"]
	c.kind == "run"
	regex.match(`(?i)\bset-executionpolicy\b(.*-executionpolicy)?\s+['"]?(unrestricted|bypass)\b`, c.text)
	not regex.match(`(?i)-scope\s+['"]?(process|currentuser)\b`, c.text)
	r := lib.command_result("sets the machine-wide PowerShell execution policy to Unrestricted or Bypass", c)
}

execution_policy contains r if {
	some c in lib.mentions["executionpolicy"]
	registry_sets(c, `^hklm\\.*powershell`, `executionpolicy=(unrestricted|bypass)`)
	r := lib.command_result("sets the machine-wide PowerShell execution policy to Unrestricted or Bypass in the registry", c)
}

# sensitive_files: what must not be world-writable or readable beyond its
# owner (and for sudoers its group) — the path pattern and whether group
# read is allowed.
sensitive_files := [
	{"pattern": `^/etc/g?shadow-?$`, "what": "the password hashes", "group_read": false},
	{"pattern": `^/etc/sudoers(\.d(/.*)?)?$`, "what": "sudo's rules", "group_read": true},
	{"pattern": `(?i)([/\\]ssh[/\\]|^)ssh_host_[^/\\]*_key$`, "what": "an SSH host private key", "group_read": false},
]

# grants(mode, who) reports whether a chmod mode gives who ("g" or "o")
# read ("r") or write ("w").
grants(mode, who, perm) if {
	regex.match(`^[0-7]{3,4}$`, mode)
	digit := to_number(substring(mode, count(mode) - {"g": 2, "o": 1}[who], 1))
	bits.and(digit, {"r": 4, "w": 2}[perm]) != 0
}

grants(mode, who, perm) if {
	some clause in split(mode, ",")
	parts := regex.find_all_string_submatch_n(`^([ugoa]*)([+=])([rwxXst]*)$`, clause, 1)
	count(parts) == 1
	targets := parts[0][1]
	any_of(targets, {who, "a", ""})
	contains(parts[0][3], perm)
}

any_of(targets, wanted) if targets in wanted

any_of(targets, wanted) if {
	some w in wanted
	w != ""
	contains(targets, w)
}

# METADATA
# title: Sensitive files keep tight permissions
# description: >-
#   /etc/shadow, /etc/gshadow, /etc/sudoers (and sudoers.d) and the SSH host
#   private keys must never be world-writable or world-readable, and shadow
#   files and host keys not group-readable, whether chmod, install -m,
#   icacls, SetFilePermissions or CreateFile's permissions set the mode.
# custom:
#   id: KILN-CMP-023
#   severity: high
#   controls: ["cis-al2023:6.1.6", "cis-al2023:6.1.8", "cis-al2023:4.2.2", "stig-rhel8:RHEL-08-010490", "stig-rhel9:RHEL-09-232270", "stig-rhel9:RHEL-09-232065", "stig-rhel9:RHEL-09-255120", "srg:SRG-OS-000480-GPOS-00227", "nist-800-53:AC-6(1)"]
#   remediation: "Use mode 0000 for shadow files (0640 at most), 0440 for sudoers, 0600 (0640 with group ssh_keys) for host keys."
file_permissions contains r if {
	some c in lib.mentions["shadow|sudoers|ssh_host_"]
	c.kind == "mode"
	some f in sensitive_files
	regex.match(f.pattern, c.target)
	m := split(substring(c.text, 6, -1), " ")[0]
	problems := [words |
		some [who, perm, words] in [["o", "w", "world-writable"], ["o", "r", "world-readable"], ["g", "w", "group-writable"], ["g", "r", "group-readable"]]
		not group_read_allowed(f, who, perm)
		grants(m, who, perm)
	]
	count(problems) > 0
	r := lib.command_result(sprintf("makes %s (%s) %s (mode %s)", [c.target, f.what, concat(", ", problems), m]), c)
}

group_read_allowed(f, "g", "r") if f.group_read
