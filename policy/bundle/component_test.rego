package kiln.component_test

import data.kiln.component

# run and write build the normalised command lines kiln hands policies.
run(text) := {"text": text, "lower": lower(text), "kind": "run", "target": "", "line": 0, "path": ["phases", 0, "steps", 0, "inputs", "commands", 0]}

write(text, target) := {"text": text, "lower": lower(text), "kind": "write", "target": target, "line": 2, "path": ["phases", 0, "steps", 0, "inputs", "commands", 0]}

cmds(list) := {"kind": "Component", "name": "c", "document": {"schemaVersion": 1.0, "phases": []}, "commands": list}

doc(steps) := {"kind": "Component", "name": "c", "commands": [], "document": {"schemaVersion": 1.0, "phases": [{"name": "build", "steps": steps}]}}

test_permit_root_login_deny_write if {
	some r in component.permit_root_login with input as cmds([write("PermitRootLogin yes", "/etc/ssh/sshd_config.d/10-root.conf")])
	r.line == 2
	r.in == "document"
}

test_permit_root_login_deny_sed if {
	count(component.permit_root_login) == 1 with input as cmds([run("sed -i PermitRootLogin yes /etc/ssh/sshd_config")])
}

test_permit_root_login_pass if {
	count(component.permit_root_login) == 0 with input as cmds([write("PermitRootLogin no", "/etc/ssh/sshd_config"), run("sed -i PermitRootLogin no /etc/ssh/sshd_config")])
}

test_permit_empty_passwords_deny if {
	count(component.permit_empty_passwords) == 1 with input as cmds([write("PermitEmptyPasswords yes", "/etc/ssh/sshd_config")])
}

test_permit_empty_passwords_pass if {
	count(component.permit_empty_passwords) == 0 with input as cmds([write("PermitEmptyPasswords no", "/etc/ssh/sshd_config")])
}

test_permit_user_environment_deny if {
	count(component.permit_user_environment) == 1 with input as cmds([write("PermitUserEnvironment yes", "/etc/ssh/sshd_config")])
}

test_permit_user_environment_pass if {
	count(component.permit_user_environment) == 0 with input as cmds([write("PermitUserEnvironment no", "/etc/ssh/sshd_config")])
}

test_password_authentication_deny if {
	count(component.password_authentication) == 1 with input as cmds([write("PasswordAuthentication yes", "/etc/ssh/sshd_config.d/50-cloud-init.conf")])
}

test_password_authentication_pass if {
	count(component.password_authentication) == 0 with input as cmds([write("PasswordAuthentication no", "/etc/ssh/sshd_config")])
}

test_auditd_kept_deny_remove if {
	count(component.auditd_kept) == 1 with input as cmds([run("dnf remove -y audit")])
}

test_auditd_kept_deny_disable if {
	count(component.auditd_kept) == 1 with input as cmds([run("systemctl disable --now auditd")])
}

test_auditd_kept_pass if {
	count(component.auditd_kept) == 0 with input as cmds([run("dnf install -y audit"), run("systemctl enable --now auditd"), run("dnf remove -y audit-libs-devel-docs-x")])
}

test_insecure_services_deny if {
	some r in component.insecure_services with input as cmds([run("dnf install -y httpd telnet-server")])
	contains(r.msg, "telnet-server")
}

test_insecure_services_deny_versioned if {
	count(component.insecure_services) == 1 with input as cmds([run("yum -y install vsftpd-3.0.3")])
}

test_insecure_services_pass if {
	count(component.insecure_services) == 0 with input as cmds([run("dnf install -y telnet openssh-server"), run("dnf remove -y telnet-server")])
}

test_gpg_checks_deny if {
	count(component.gpg_checks) == 1 with input as cmds([run("dnf install -y --nogpgcheck ./agent.rpm")])
	count(component.gpg_checks) == 1 with input as cmds([write("gpgcheck=0", "/etc/yum.repos.d/internal.repo")])
}

test_gpg_checks_pass if {
	count(component.gpg_checks) == 0 with input as cmds([write("gpgcheck=1", "/etc/yum.repos.d/internal.repo"), run("dnf install -y ./agent.rpm")])
}

test_selinux_enforcing_deny if {
	count(component.selinux_enforcing) == 1 with input as cmds([run("setenforce 0")])
	count(component.selinux_enforcing) == 1 with input as cmds([run("sed -i SELINUX=disabled /etc/selinux/config")])
}

test_selinux_enforcing_pass if {
	count(component.selinux_enforcing) == 0 with input as cmds([run("setenforce 1"), write("SELINUX=enforcing", "/etc/selinux/config")])
}

test_plaintext_secrets_deny if {
	some r in component.plaintext_secrets with input as doc([{"name": "creds", "action": "ExecuteBash", "inputs": {"commands": ["export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"]}}])
	r.path == ["phases", 0, "steps", 0, "inputs", "commands", 0]
}

test_plaintext_secrets_deny_private_key if {
	count(component.plaintext_secrets) == 1 with input as doc([{"name": "key", "action": "CreateFile", "inputs": [{"path": "/root/.ssh/id_rsa", "content": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----\n"}]}])
}

test_plaintext_secrets_pass if {
	count(component.plaintext_secrets) == 0 with input as doc([{"name": "creds", "action": "ExecuteBash", "inputs": {"commands": ["aws secretsmanager get-secret-value --secret-id build/token"]}}])
}

test_secret_parameter_default_deny if {
	inp := object.union(doc([]), {"document": {"parameters": [{"DbPassword": {"type": "string", "default": "hunter2"}}]}})
	some r in component.secret_parameter_default with input as inp
	r.path == ["parameters", 0, "DbPassword", "default"]
}

test_secret_parameter_default_pass if {
	inp := object.union(doc([]), {"document": {"parameters": [{"DbPassword": {"type": "string"}}, {"Region": {"type": "string", "default": "eu-west-1"}}]}})
	count(component.secret_parameter_default) == 0 with input as inp
}

download(inp) := doc([{"name": "get", "action": "WebDownload", "inputs": [inp]}])

safe_download := {"source": "https://example.com/agent.rpm", "destination": "/tmp/agent.rpm", "checksum": "0f343b0931126a20f133d67c2b018a3b", "algorithm": "SHA256"}

test_download_https_deny if {
	some r in component.download_https with input as download(object.union(safe_download, {"source": "http://example.com/agent.rpm"}))
	r.path == ["phases", 0, "steps", 0, "inputs", 0, "source"]
}

test_download_https_pass if {
	count(component.download_https) == 0 with input as download(safe_download)
}

test_download_checksum_deny if {
	count(component.download_checksum) == 1 with input as download(object.remove(safe_download, ["checksum"]))
}

test_download_checksum_pass if {
	count(component.download_checksum) == 0 with input as download(safe_download)
}

test_download_certificates_deny if {
	count(component.download_certificates) == 1 with input as download(object.union(safe_download, {"ignoreCertificateErrors": true}))
}

test_download_certificates_pass if {
	count(component.download_certificates) == 0 with input as download(safe_download)
}

test_shell_tls_deny if {
	count(component.shell_tls) == 1 with input as cmds([run("curl -fsSLk -o /tmp/a https://example.com/a")])
	count(component.shell_tls) == 1 with input as cmds([run("wget --no-check-certificate https://example.com/a")])
}

test_shell_tls_pass if {
	count(component.shell_tls) == 0 with input as cmds([run("curl -fsSL -o /tmp/a https://example.com/a"), run("kubectl -k ./overlay")])
}

test_pipe_to_shell_deny if {
	count(component.pipe_to_shell) == 1 with input as cmds([run("curl -fsSL https://get.example.com | sudo bash")])
	count(component.pipe_to_shell) == 1 with input as cmds([run("bash -c \"$(curl -fsSL https://get.example.com)\"")])
}

test_pipe_to_shell_pass if {
	count(component.pipe_to_shell) == 0 with input as cmds([run("curl -fsSL -o /tmp/install.sh https://get.example.com"), run("sha256sum -c install.sh.sha256"), run("bash /tmp/install.sh")])
}

test_s3_bucket_owner_deny if {
	count(component.s3_bucket_owner) == 1 with input as doc([{"name": "get", "action": "S3Download", "inputs": [{"source": "s3://artefacts/agent.rpm", "destination": "/tmp/agent.rpm"}]}])
}

test_s3_bucket_owner_pass if {
	count(component.s3_bucket_owner) == 0 with input as doc([{"name": "get", "action": "S3Download", "inputs": [{"source": "s3://artefacts/agent.rpm", "destination": "/tmp/agent.rpm", "expectedBucketOwner": "111122223333"}]}])
}

test_msi_signed_deny if {
	count(component.msi_signed) == 1 with input as doc([{"name": "msi", "action": "InstallMSI", "inputs": {"path": "C:\\agent.msi", "allowUnsignedInstaller": true}}])
}

test_msi_signed_pass if {
	count(component.msi_signed) == 0 with input as doc([{"name": "msi", "action": "InstallMSI", "inputs": {"path": "C:\\agent.msi"}}])
}

# ps, reg and mode build PowerShell lines, registry writes and permission
# changes as kiln normalises them.
ps(text) := object.union(run(text), {"lang": "powershell"})

reg(key, name, value) := {"text": sprintf("%s\\%s=%s", [key, name, value]), "lower": lower(sprintf("%s\\%s=%s", [key, name, value])), "kind": "registry", "target": key, "line": 0, "path": ["phases", 0, "steps", 0, "inputs", 0, "value"]}

mode(m, target) := {"text": sprintf("chmod %s %s", [m, target]), "lower": lower(sprintf("chmod %s %s", [m, target])), "kind": "mode", "target": target, "line": 0, "path": ["phases", 0, "steps", 0, "inputs", 0, "permissions"]}

test_pipe_to_shell_deny_powershell if {
	count(component.pipe_to_shell) == 1 with input as cmds([ps("Invoke-WebRequest https://x.example/i.ps1 | Invoke-Expression")])
	count(component.pipe_to_shell) == 1 with input as cmds([run("curl -fsSL https://x.example | FOO=1 sudo -E bash -s")])
}

test_pipe_to_shell_pass_local if {
	count(component.pipe_to_shell) == 0 with input as cmds([ps("Invoke-Expression $localCommand"), run("curl -fsSLo /tmp/i.sh https://x.example")])
}

test_shell_tls_deny_powershell if {
	count(component.shell_tls) == 1 with input as cmds([ps("[System.Net.ServicePointManager]::ServerCertificateValidationCallback = {$true}")])
	count(component.shell_tls) == 1 with input as cmds([run("git config --global http.sslVerify false")])
}

test_plaintext_password_deny if {
	count(component.plaintext_password) == 1 with input as cmds([run("echo 'root:hunter2' | chpasswd")])
	count(component.plaintext_password) == 1 with input as cmds([ps("ConvertTo-SecureString 'hunter2' -AsPlainText -Force")])
}

test_plaintext_password_pass if {
	count(component.plaintext_password) == 0 with input as cmds([run("echo \"root:$PW\" | chpasswd"), ps("ConvertTo-SecureString $pw -AsPlainText -Force"), run("usermod -p \"$HASH\" u")])
}

test_defender_enabled_deny if {
	count(component.defender_enabled) == 1 with input as cmds([ps("Set-MpPreference -DisableRealtimeMonitoring $true")])
	count(component.defender_enabled) == 1 with input as cmds([reg(`HKLM\SOFTWARE\Policies\Microsoft\Windows Defender`, "DisableAntiSpyware", "1")])
}

test_defender_enabled_pass if {
	count(component.defender_enabled) == 0 with input as cmds([ps("Set-MpPreference -DisableRealtimeMonitoring $false"), reg(`HKLM\SOFTWARE\Policies\Microsoft\Windows Defender`, "DisableAntiSpyware", "0")])
}

test_firewall_enabled_deny if {
	count(component.firewall_enabled) == 1 with input as cmds([ps("Set-NetFirewallProfile -Enabled False")])
	count(component.firewall_enabled) == 1 with input as cmds([run("systemctl stop firewalld")])
	count(component.firewall_enabled) == 1 with input as cmds([reg(`HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall\DomainProfile`, "EnableFirewall", "0")])
}

test_firewall_enabled_pass if {
	count(component.firewall_enabled) == 0 with input as cmds([ps("Set-NetFirewallProfile -Enabled True"), run("systemctl enable --now firewalld"), run("grep -q 'systemctl stop firewalld' /x")])
}

test_uac_enabled_deny if {
	count(component.uac_enabled) == 1 with input as cmds([reg(`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System`, "EnableLUA", "0")])
}

test_uac_enabled_pass if {
	count(component.uac_enabled) == 0 with input as cmds([reg(`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System`, "EnableLUA", "1")])
}

test_execution_policy_deny if {
	count(component.execution_policy) == 1 with input as cmds([ps("Set-ExecutionPolicy Unrestricted -Force")])
	count(component.execution_policy) == 1 with input as cmds([reg(`HKLM\SOFTWARE\Policies\Microsoft\Windows\PowerShell`, "ExecutionPolicy", "Bypass")])
}

test_execution_policy_pass if {
	count(component.execution_policy) == 0 with input as cmds([ps("Set-ExecutionPolicy Bypass -Scope Process -Force"), ps("Set-ExecutionPolicy RemoteSigned")])
}

test_file_permissions_deny if {
	count(component.file_permissions) == 1 with input as cmds([mode("0644", "/etc/shadow")])
	count(component.file_permissions) == 1 with input as cmds([mode("o+w", "/etc/sudoers.d/x")])
	count(component.file_permissions) == 1 with input as cmds([mode("a+r", "/etc/ssh/ssh_host_rsa_key")])
}

test_file_permissions_pass if {
	count(component.file_permissions) == 0 with input as cmds([mode("0000", "/etc/shadow"), mode("0440", "/etc/sudoers"), mode("0644", "/etc/ssh/ssh_host_rsa_key.pub"), mode("go-rwx", "/etc/gshadow")])
}

test_pipe_to_shell_deny_exec_download if {
	some r in component.pipe_to_shell with input as cmds([object.union(run("exec-download: bash /tmp/i.sh"), {"kind": "exec-download", "target": "/tmp/i.sh"})])
	contains(r.msg, "runs /tmp/i.sh, downloaded earlier")
}
