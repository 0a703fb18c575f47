package policy

import (
	"slices"
	"strings"
	"testing"
)

// contentCase is one AWSTOE document's steps and the content rules it must
// (and must only) trip: the classes of issue 11 in bash, PowerShell and
// file content, each with the trap a reviewer would set for a false
// positive.
type contentCase struct {
	name  string
	steps string // YAML list of steps, indented by 6
	want  []string
}

func runContentCases(t *testing.T, cases []contentCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := "name: c\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n" + tc.steps
			repo := load(t, map[string]string{
				"c.yaml":     "apiVersion: kiln/v1\nkind: Component\nmetadata:\n  name: c\n  version: 1.0.0\nspec:\n  platform: Linux\n  document: ./c.toe.yaml\n",
				"c.toe.yaml": doc,
			})
			var got []string
			fs := evaluate(t, repo, Options{Builtin: true})
			for _, f := range fs {
				if strings.HasPrefix(f.Rule, "KILN-CMP-") {
					got = append(got, f.Rule)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v\n%s\n%s", got, want, dump(fs), doc)
			}
		})
	}
}

func bash(cmds ...string) string { return step("ExecuteBash", cmds) }
func pwsh(cmds ...string) string { return step("ExecutePowerShell", cmds) }
func step(action string, cmds []string) string {
	var b strings.Builder
	b.WriteString("      - name: S" + action + "\n        action: " + action + "\n        inputs:\n          commands:\n")
	for _, c := range cmds {
		b.WriteString("            - |\n")
		for _, l := range strings.Split(c, "\n") {
			b.WriteString("              " + l + "\n")
		}
	}
	return b.String()
}

// fileStep is a file action with one input given as YAML lines.
func fileStep(action string, input ...string) string {
	var b strings.Builder
	b.WriteString("      - name: F" + action + "\n        action: " + action + "\n        inputs:\n")
	for i, l := range input {
		if i == 0 {
			b.WriteString("          - " + l + "\n")
		} else {
			b.WriteString("            " + l + "\n")
		}
	}
	return b.String()
}

// content is a YAML block scalar for a file action's content.
func content(text string) string {
	var b strings.Builder
	b.WriteString("content: |\n")
	for _, l := range strings.Split(text, "\n") {
		b.WriteString("              " + l + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func TestPowerShellClasses(t *testing.T) {
	runContentCases(t, []contentCase{
		{"iwr piped to iex", pwsh(`iwr https://get.example.com/install.ps1 -UseBasicParsing | iex`), []string{"KILN-CMP-015"}},
		{"chocolatey one-liner", pwsh(`Set-ExecutionPolicy Bypass -Scope Process -Force; iex ((New-Object System.Net.WebClient).DownloadString('https://community.chocolatey.org/install.ps1'))`), []string{"KILN-CMP-015"}},
		{"download into a variable then iex", pwsh("$script = Invoke-RestMethod -Uri https://x.example/s.ps1\nInvoke-Expression $script"), []string{"KILN-CMP-015"}},
		{"scriptblock of a download", pwsh(`& ([scriptblock]::Create((irm https://x.example/s.ps1)))`), []string{"KILN-CMP-015"}},
		{"backtick continuation", pwsh("Invoke-WebRequest -Uri https://x.example/s.ps1 `\n  -UseBasicParsing | `\n  Invoke-Expression"), []string{"KILN-CMP-015"}},
		{"here-string piped to iex", pwsh("@\"\nsc.exe stop WinDefend\n\"@ | iex"), []string{"KILN-CMP-019"}},
		{"trap: download to a file and verify", pwsh("Invoke-WebRequest -Uri https://x.example/a.msi -OutFile C:\\a.msi\nif ((Get-FileHash C:\\a.msi).Hash -ne $env:SUM) { exit 1 }"), nil},
		{"trap: iex of a local string", pwsh(`$cmd = "Get-Date"; Invoke-Expression $cmd`), nil},
		{"trap: commented out", pwsh("# iwr https://x.example/s.ps1 | iex\n<#\niex (irm https://x.example)\n#>\nWrite-Host 'never iwr … | iex'"), nil},
		{"trap: a variable reassigned before iex", pwsh("$s = Invoke-RestMethod https://x.example/s.ps1\n$s = 'Get-Date'\niex $s"), nil},

		{"certificate callback", pwsh(`[System.Net.ServicePointManager]::ServerCertificateValidationCallback = {$true}`), []string{"KILN-CMP-014"}},
		{"SkipCertificateCheck", pwsh(`Invoke-WebRequest https://x.example/a -SkipCertificateCheck -OutFile a`), []string{"KILN-CMP-014"}},
		{"trap: callback reset and check kept", pwsh("[System.Net.ServicePointManager]::ServerCertificateValidationCallback = $null\nInvoke-WebRequest https://x.example/a -SkipCertificateCheck:$false -OutFile a"), nil},

		{"plaintext SecureString", pwsh(`$pw = ConvertTo-SecureString "Sup3rS3cret!" -AsPlainText -Force`), []string{"KILN-CMP-018"}},
		{"net user with a password", pwsh(`net user builder Sup3rS3cret! /add`), []string{"KILN-CMP-018"}},
		{"trap: SecureString of a fetched secret", pwsh("$v = (Get-SSMParameterValue -Name /build/pw -WithDecryption $true).Parameters[0].Value\n$pw = ConvertTo-SecureString $v -AsPlainText -Force\nnet user builder * /add"), nil},

		{"Defender off", pwsh(`Set-MpPreference -DisableRealtimeMonitoring $true`), []string{"KILN-CMP-019"}},
		{"Defender off in the registry", pwsh(`New-ItemProperty -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows Defender' -Name DisableAntiSpyware -Value 1 -PropertyType DWORD -Force`), []string{"KILN-CMP-019"}},
		{"Defender off by SetRegistry", fileStep("SetRegistry", `path: HKLM:\SOFTWARE\Policies\Microsoft\Windows Defender`, "name: DisableAntiSpyware", "value: 1", "type: DWORD"), []string{"KILN-CMP-019"}},
		{"trap: Defender turned back on", pwsh("Set-MpPreference -DisableRealtimeMonitoring $false\nSet-MpPreference -ExclusionPath C:\\build"), nil},

		{"firewall off", pwsh(`Set-NetFirewallProfile -Profile Domain,Public,Private -Enabled False`), []string{"KILN-CMP-020"}},
		{"netsh firewall off", pwsh(`netsh advfirewall set allprofiles state off`), []string{"KILN-CMP-020"}},
		{"firewall off by reg add", pwsh(`reg add "HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall\DomainProfile" /v EnableFirewall /t REG_DWORD /d 0 /f`), []string{"KILN-CMP-020"}},
		{"trap: firewall on and a rule added", pwsh("Set-NetFirewallProfile -Profile Domain -Enabled True\nNew-NetFirewallRule -DisplayName 'app' -Direction Inbound -LocalPort 443 -Protocol TCP -Action Allow"), nil},

		{"UAC off", pwsh(`Set-ItemProperty -Path HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System -Name EnableLUA -Value 0`), []string{"KILN-CMP-021"}},
		{"UAC prompt off by SetRegistry", fileStep("SetRegistry", `path: HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System`, "name: ConsentPromptBehaviorAdmin", "value: 0", "type: DWORD"), []string{"KILN-CMP-021"}},
		{"trap: UAC on", fileStep("SetRegistry", `path: HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System`, "name: EnableLUA", "value: 1", "type: DWORD"), nil},

		{"execution policy machine-wide", pwsh(`Set-ExecutionPolicy Unrestricted -Force`), []string{"KILN-CMP-022"}},
		{"execution policy in the registry", fileStep("SetRegistry", `path: HKLM:\SOFTWARE\Policies\Microsoft\Windows\PowerShell`, "name: ExecutionPolicy", "value: Bypass", "type: STRING"), []string{"KILN-CMP-022"}},
		{"trap: execution policy for the process", pwsh("Set-ExecutionPolicy Bypass -Scope Process -Force\npowershell.exe -ExecutionPolicy Bypass -File C:\\build\\setup.ps1\nSet-ExecutionPolicy RemoteSigned -Force"), nil},
	})
}

func TestFileActionClasses(t *testing.T) {
	runContentCases(t, []contentCase{
		{"CreateFile writes PermitRootLogin yes", fileStep("CreateFile", "path: /etc/ssh/sshd_config.d/10-root.conf", content("# allow root\nPermitRootLogin yes")), []string{"KILN-CMP-001"}},
		{"AppendFile writes gpgcheck=0", fileStep("AppendFile", "path: /etc/dnf/dnf.conf", content("gpgcheck=0")), []string{"KILN-CMP-007"}},
		{"CreateFile on Windows sshd_config", fileStep("CreateFile", `path: C:\ProgramData\ssh\sshd_config`, content("PasswordAuthentication yes")), []string{"KILN-CMP-004"}},
		{"trap: CreateFile writes the fix", fileStep("CreateFile", "path: /etc/ssh/sshd_config.d/10-root.conf", content("# PermitRootLogin yes was the default\nPermitRootLogin no")), nil},
		{"trap: CreateFile writes documentation", fileStep("CreateFile", "path: /usr/share/doc/hardening/README.md", content("Never set PermitRootLogin yes or SELINUX=disabled.")), nil},
		{"script written then executed", fileStep("CreateFile", "path: /tmp/setup.sh", "permissions: 0755", content("#!/bin/bash\ncurl -fsSL https://get.example.com | bash")) + bash("/tmp/setup.sh"), []string{"KILN-CMP-015"}},
		{"PowerShell script written then executed", fileStep("CreateFile", `path: C:\build\setup.ps1`, content("iwr https://x.example/i.ps1 | iex")) + pwsh(`& C:\build\setup.ps1`), []string{"KILN-CMP-015"}},
		{"heredoc script then executed", bash("cat > /tmp/s.sh <<'EOF'\nsetenforce 0\nEOF\nbash /tmp/s.sh"), []string{"KILN-CMP-008"}},
		{"trap: a script written but never run is data", fileStep("CreateFile", "path: /opt/tools/uninstall.sh", content("#!/bin/bash\nsystemctl stop auditd")), nil},
		{"SetFilePermissions on /etc/shadow", fileStep("SetFilePermissions", "path: /etc/shadow", "permissions: 0644"), []string{"KILN-CMP-023"}},
		{"CreateFile of sudoers world-writable", fileStep("CreateFile", "path: /etc/sudoers.d/builder", "permissions: 0666", content("builder ALL=(ALL) ALL")), []string{"KILN-CMP-023"}},
		{"trap: SetFilePermissions tight", fileStep("SetFilePermissions", "path: /etc/shadow", "permissions: 0000") + fileStep("SetFilePermissions", "path: /etc/sudoers.d/builder", "permissions: 0440"), nil},
		{"trap: SetFileOwner of a plain file", fileStep("SetFileOwner", "path: /opt/app", "owner: app", "group: app"), nil},
	})
}

func TestShellClasses(t *testing.T) {
	runContentCases(t, []contentCase{
		{"pipe to shell with env in front", bash(`curl -fsSL https://get.example.com | DEBUG=1 sudo -E bash -s -- --yes`), []string{"KILN-CMP-015"}},
		{"pipe through env", bash(`wget -qO- https://get.example.com | env FOO=1 sh`), []string{"KILN-CMP-015"}},
		{"pipe to python", bash(`curl -sSL https://install.example.com/get.py | python3 -`), []string{"KILN-CMP-015"}},
		{"source of a download", bash(`source <(curl -fsSL https://x.example/env.sh)`), []string{"KILN-CMP-015"}},
		{"trap: download, verify, run", bash("curl -fsSLo /tmp/i.sh https://get.example.com\necho \"$SUM  /tmp/i.sh\" | sha256sum -c -\nbash /tmp/i.sh"), nil},
		{"chpasswd", bash(`echo 'root:Sup3rS3cret!' | chpasswd`), []string{"KILN-CMP-018"}},
		{"passwd --stdin", bash(`echo "Sup3rS3cret" | passwd --stdin builder`), []string{"KILN-CMP-018"}},
		{"usermod -p", bash(`usermod -p "$(openssl passwd -6 Sup3rS3cret)" builder`, `useradd -m -p '$6$salt$hash' svc`), []string{"KILN-CMP-018", "KILN-CMP-018"}},
		{"trap: passwords from variables", bash(`PW=$(aws ssm get-parameter --name /build/pw --with-decryption --query Parameter.Value --output text)`, `echo "builder:$PW" | chpasswd`, `echo "$PW" | passwd --stdin builder`, `usermod -p "$HASH" builder`, `passwd -l root`), nil},
		{"heredoc README is documentation", bash("cat > /opt/app/README.md <<'EOF'\nDo not set PermitRootLogin yes.\nRun setenforce 0 only when debugging.\nEOF"), nil},
		{"trap: validation greps for a bad setting", bash(`grep -q '^PermitRootLogin yes' /etc/ssh/sshd_config && exit 1`, `if grep -qi 'SELINUX=disabled' /etc/selinux/config; then exit 1; fi`), nil},
		{"chmod shadow world-readable", bash(`chmod 644 /etc/shadow`, `chmod o+r /etc/gshadow`), []string{"KILN-CMP-023", "KILN-CMP-023"}},
		{"chmod host keys", bash(`chmod 0644 /etc/ssh/ssh_host_*_key`), []string{"KILN-CMP-023"}},
		{"install -m sudoers", bash(`install -m 0666 ./sudoers /etc/sudoers`), []string{"KILN-CMP-023"}},
		{"icacls host key", pwsh(`icacls C:\ProgramData\ssh\ssh_host_ed25519_key /grant Everyone:R`), []string{"KILN-CMP-023"}},
		{"trap: tight modes and public keys", bash(`chmod 0000 /etc/shadow`, `chmod 0440 /etc/sudoers`, `chmod 0644 /etc/ssh/ssh_host_ed25519_key.pub`, `chmod 600 /etc/ssh/ssh_host_rsa_key`, `chmod u+rw,go-rwx /etc/gshadow`), nil},
		{"firewalld stopped", bash(`systemctl disable --now firewalld`), []string{"KILN-CMP-020"}},
		{"trap: firewalld enabled", bash(`systemctl enable --now firewalld`, `firewall-cmd --permanent --add-service=https`), nil},
	})
}

func TestSecretClasses(t *testing.T) {
	runContentCases(t, []contentCase{
		{"AWS keys in a command", bash(`export AWS_ACCESS_KEY_ID=AKIAZ7QW3XHT5LMN2PQR`, `export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKQ`), []string{"KILN-CMP-009", "KILN-CMP-009"}},
		{"GitHub token in an input", fileStep("CreateFile", "path: /root/.netrc", content("machine github.com login x password ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8")), []string{"KILN-CMP-009"}},
		{"private key in file content", fileStep("CreateFile", "path: /etc/pki/tls/private/app.key", "permissions: 0600", content("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----")), []string{"KILN-CMP-009"}},
		{"password in a config line", fileStep("CreateFile", "path: /etc/app/db.ini", content("[db]\npassword = Xk9#mQ2$vL7pR4w")), []string{"KILN-CMP-009"}},
		{"password flag", bash(`mysql -u root --password=Xk9mQ2vL7pR4wZ -e 'select 1'`), []string{"KILN-CMP-009"}},
		{"trap: references are not secrets", bash(
			`aws ssm get-parameter --name /build/db/password --with-decryption`,
			`DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf --query SecretString --output text)`,
			`mysql --password="$DB_PASSWORD" -e 'select 1'`,
			`app --token {{ build.Fetch.outputs.stdout }} --api-key=${API_KEY}`,
			`echo "password=%DB_PASSWORD%" >> /etc/app/db.ini`,
		), nil},
		{"trap: settings and words near password", bash(
			`sed -i 's/^PasswordAuthentication.*/PasswordAuthentication no/' /etc/ssh/sshd_config`,
			`authconfig --passalgo=sha512 --update`,
			`echo "token_lifetime: 3600" >> /etc/app.yaml`,
			`export SECRET_PATH=/run/secrets/app`,
		), nil},
	})
}

func TestSecretParameters(t *testing.T) {
	for _, tc := range []struct {
		name, params string
		want         int
	}{
		{"neutral name, key value", "  - region:\n      type: string\n      default: AKIAZ7QW3XHT5LMN2PQR\n", 1},
		{"password name, plaintext", "  - AdminPassword:\n      type: string\n      default: hunter2\n", 1},
		{"password name, SSM parameter name", "  - AdminPassword:\n      type: string\n      default: /build/admin/password\n", 0},
		{"token name, Secrets Manager ARN", "  - ApiToken:\n      type: string\n      default: arn:aws:secretsmanager:eu-west-1:111111111111:secret:tok-AbCdEf\n", 0},
		{"password name, resolve", "  - AdminPassword:\n      type: string\n      default: '{{resolve:ssm-secure:/build/admin}}'\n", 0},
		{"password name, no default", "  - AdminPassword:\n      type: string\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := "name: c\nschemaVersion: 1.0\nparameters:\n" + tc.params + "phases:\n  - name: build\n    steps:\n" + bash("true")
			repo := load(t, map[string]string{
				"c.yaml":     "apiVersion: kiln/v1\nkind: Component\nmetadata:\n  name: c\n  version: 1.0.0\nspec:\n  platform: Linux\n  document: ./c.toe.yaml\n",
				"c.toe.yaml": doc,
			})
			fs := evaluate(t, repo, Options{Builtin: true})
			got := len(byRule(fs, "KILN-CMP-009")) + len(byRule(fs, "KILN-CMP-010"))
			if got != tc.want {
				t.Errorf("got %d secret findings, want %d:\n%s", got, tc.want, dump(fs))
			}
			for _, f := range fs {
				for _, secret := range []string{"AKIAZ7QW3XHT5LMN2PQR", "hunter2"} {
					if strings.Contains(f.Message, secret) || strings.Contains(f.Message, secret[4:]) {
						t.Errorf("finding shows the secret: %s", f.Message)
					}
				}
			}
		})
	}
}

func TestHardeningEvidence(t *testing.T) {
	const recipe = "apiVersion: kiln/v1\nkind: ImageRecipe\nmetadata:\n  name: r\n  version: 1.0.0\nspec:\n  parentImage: arn:aws:imagebuilder:{region}:aws:image/amazon-linux-2023-x86/x.x.x\n  components:\n    - arn: arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x\n    - name: baseline\n      version: 1.0.0\n"
	component := func(tags, steps string) map[string]string {
		return map[string]string{
			"r.yaml":            recipe,
			"baseline.yaml":     "apiVersion: kiln/v1\nkind: Component\nmetadata:\n  name: baseline\n  version: 1.0.0\n" + tags + "spec:\n  platform: Linux\n  document: ./baseline.toe.yaml\n",
			"baseline.toe.yaml": "name: baseline\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n" + steps,
		}
	}
	for _, tc := range []struct {
		name    string
		files   map[string]string
		finding string // "" = no KILN-RCP-005
	}{
		{"OpenSCAP remediation", component("", bash("dnf install -y openscap-scanner scap-security-guide", "oscap xccdf eval --remediate --profile xccdf_org.ssgproject.content_profile_stig --results /tmp/r.xml /usr/share/xml/scap/ssg/content/ssg-al2023-ds.xml || true")), ""},
		{"AWS-managed STIG by ExecuteDocument", component("", "      - name: Stig\n        action: ExecuteDocument\n        inputs:\n          document: arn:aws:imagebuilder:eu-west-1:aws:component/stig-build-linux-high/2025.1.0\n"), ""},
		{"tag only", component("  tags:\n    hardening: cis\n", bash("echo hardened")), "component baseline is tagged hardening: cis, but a tag is not evidence"},
		{"OpenSCAP evaluation without remediation", component("", bash("oscap xccdf eval --profile xccdf_org.ssgproject.content_profile_stig /usr/share/xml/scap/ssg/content/ssg-al2023-ds.xml")), "no evidence that the recipe applies a STIG or CIS profile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := byRule(evaluate(t, load(t, tc.files), Options{Builtin: true}), "KILN-RCP-005")
			switch {
			case tc.finding == "" && len(fs) != 0:
				t.Errorf("want no KILN-RCP-005, got %s", dump(fs))
			case tc.finding != "" && (len(fs) != 1 || !strings.Contains(fs[0].Message, tc.finding)):
				t.Errorf("want KILN-RCP-005 %q, got %s", tc.finding, dump(fs))
			}
		})
	}
}

// TestRealComponentFalsePositives holds the shapes of real public
// components that were flagged wrongly (see the report of issue 11).
func TestRealComponentFalsePositives(t *testing.T) {
	runContentCases(t, []contentCase{
		{"PowerShell variables assigned commands", pwsh("$secret = Get-SECSecretValue -SecretId \"{{ PasswordSecret }}\"\n$secretValue = ConvertFrom-JSON -InputObject $secret.SecretString\n$password = ConvertTo-SecureString -String $secretValue.password -AsPlaintext -Force"), nil},
		{"PowerShell variable assigned a literal", pwsh(`$password = 'Xk9#mQ2$vL7pR4w'`), []string{"KILN-CMP-009"}},
	})
}

func TestDownloadThenRun(t *testing.T) {
	runContentCases(t, []contentCase{
		{"curl -o then bash", bash("curl -fsSL -o /tmp/install.sh https://get.example.com/install.sh\nbash /tmp/install.sh --yes"), []string{"KILN-CMP-015"}},
		{"curl -O then ./", bash("curl -fsSLO https://get.example.com/setup.sh", "chmod +x setup.sh", "./setup.sh"), []string{"KILN-CMP-015"}},
		{"wget then rpm", bash("wget https://x.example/agent.rpm\nsudo rpm -i agent.rpm"), []string{"KILN-CMP-015"}},
		{"Invoke-WebRequest -OutFile then .\\", pwsh("Invoke-WebRequest -Uri \"$ReleaseUrl/Install-Service.ps1\" -OutFile 'Install-Service.ps1' -UseBasicParsing\n.\\Install-Service.ps1 -ReleaseUrl $ReleaseUrl"), []string{"KILN-CMP-015"}},
		{"DownloadFile then Start-Process", pwsh("(New-Object Net.WebClient).DownloadFile('https://x.example/a.exe', 'C:\\a.exe')\nStart-Process C:\\a.exe -ArgumentList '/S' -Wait"), []string{"KILN-CMP-015"}},
		{"trap: checksum verified before running", bash("curl -fsSL -o /tmp/install.sh https://get.example.com/install.sh\necho \"$SUM  /tmp/install.sh\" | sha256sum -c -\nbash /tmp/install.sh"), nil},
		{"trap: Get-FileHash before running", pwsh("Invoke-WebRequest -Uri https://x.example/a.msi -OutFile C:\\a.msi\nif ((Get-FileHash C:\\a.msi -Algorithm SHA256).Hash -ne '{{ Sha }}') { throw 'bad' }\nStart-Process msiexec.exe -ArgumentList '/i C:\\a.msi /qn' -Wait"), nil},
		{"trap: a downloaded file that is only read", bash("curl -fsSL -o /etc/yum.repos.d/app.repo https://x.example/app.repo", "cat /etc/yum.repos.d/app.repo"), nil},
	})
}
