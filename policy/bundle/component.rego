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
server_commands := {c | some w in ["telnet", "rsh", "ftp"]; some c in lib.mentions[w]}

gpg_commands := {c | some w in ["gpg", "signature", "unauthenticated"]; some c in lib.mentions[w]}

selinux_commands := {c | some w in ["enforc", "selinux"]; some c in lib.mentions[w]}

download_commands := {c | some w in ["curl", "wget"]; some c in lib.mentions[w]}

# sshd_sets reports whether a command or a written line sets an sshd
# option: both "sed -i 's/…/PermitRootLogin yes/'" (kiln keeps only the
# replacement) and a heredoc written to sshd_config arrive here.
sshd_sets(c, keyword, pattern) if {
	contains(c.lower, keyword)
	regex.match(pattern, c.text)
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

secret_patterns := {
	"an AWS access key id": `\b(AKIA|ASIA|A3T[A-Z0-9])[A-Z0-9]{16}\b`,
	"a private key": `-----BEGIN ([A-Z]+ )?PRIVATE KEY-----`,
	"an AWS secret access key": `(?i)aws_secret_access_key\s*[=:]\s*['"]?[A-Za-z0-9/+=]{40}`,
}

# secret_candidates are the document's strings that may hold a secret, with
# their paths. kiln hands them over pre-filtered (input.secret_candidates:
# strings containing one of the patterns' fixed prefixes, found in Go with
# plain substring search); without it every string of the document is one.
secret_candidates := [[c.path, c.value] | some c in input.secret_candidates] if input.secret_candidates

secret_candidates := [[path, value] |
	walk(input.document, [path, value])
	is_string(value)
] if not input.secret_candidates

# METADATA
# title: No plaintext secrets in components
# description: >-
#   Access keys and private keys in a component end up in Image Builder, in
#   build logs and in every image; fetch them at build time from Secrets
#   Manager or SSM Parameter Store instead.
# custom:
#   id: KILN-CMP-009
#   severity: critical
#   controls: ["srg:SRG-OS-000073-GPOS-00041", "srg:SRG-OS-000067-GPOS-00035", "nist-800-53:IA-5(7)"]
#   remediation: Remove the secret, rotate it, and read it at build time from Secrets Manager or SSM Parameter Store.
plaintext_secrets contains r if {
	some [path, value] in secret_candidates
	some what, pattern in secret_patterns
	regex.match(pattern, value)
	r := lib.document_result(sprintf("contains %s in plaintext", [what]), path)
}

# METADATA
# title: No default values for secret parameters
# description: A parameter that holds a password, token or key must not have a default value in the document.
# custom:
#   id: KILN-CMP-010
#   severity: high
#   controls: ["srg:SRG-OS-000073-GPOS-00041", "nist-800-53:IA-5(7)"]
#   remediation: Remove the default and pass the value from the recipe, or read it from Secrets Manager at build time.
secret_parameter_default contains r if {
	some i, p in object.get(input.document, "parameters", [])
	some name, def in p
	regex.match(`(?i)(password|passwd|secret|token|api_?key|private_?key)`, name)
	object.get(def, "default", "") != ""
	r := lib.document_result(sprintf("parameter %s has a default value", [name]), ["parameters", i, name, "default"])
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
# title: Shell downloads verify TLS certificates
# description: curl -k/--insecure and wget --no-check-certificate accept any certificate.
# custom:
#   id: KILN-CMP-014
#   severity: high
#   controls: ["srg:SRG-OS-000423-GPOS-00187", "nist-800-53:SC-8"]
#   remediation: Drop -k/--insecure/--no-check-certificate; install the CA certificate if it is a private one.
shell_tls contains r if {
	some c in download_commands
	c.kind == "run"
	regex.match(`\bcurl\b[^|;&]*\s(-[a-zA-Z]*k[a-zA-Z]*|--insecure)(\s|$)|\bwget\b[^|;&]*\s--no-check-certificate\b`, c.text)
	r := lib.command_result("downloads without verifying the TLS certificate", c)
}

# METADATA
# title: No piping downloads into a shell
# description: >-
#   curl … | sh runs whatever the server returns at build time, unreviewed and
#   unverified.
# custom:
#   id: KILN-CMP-015
#   severity: high
#   controls: ["srg:SRG-OS-000366-GPOS-00153", "nist-800-53:SI-7"]
#   remediation: Download to a file, verify its checksum or signature, then run it.
pipe_to_shell contains r if {
	some c in download_commands
	c.kind == "run"
	regex.match(`\b(curl|wget)\b[^|]*\|\s*(sudo\s+(-\S+\s+)*)?(ba|z|k|da)?sh\b|\b(ba|z|k|da)?sh\s+(-c\s+)?["']?[<$]\((curl|wget)\b`, c.text)
	r := lib.command_result("pipes a download straight into a shell", c)
}

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
