{{/* The release's resource name, at most 63 characters. */}}
{{- define "kiln.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "kiln.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kiln.labels" -}}
{{ include "kiln.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kiln.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kiln.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "kiln.secretName" -}}
{{- default (include "kiln.fullname" .) .Values.github.existingSecret -}}
{{- end -}}

{{/* Embedded JetStream: no external NATS URL. */}}
{{- define "kiln.embedded" -}}
{{- if not .Values.nats.url -}}true{{- end -}}
{{- end -}}

{{- define "kiln.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.nats.url) -}}
{{- fail "replicaCount > 1 needs nats.url: the embedded queue lives on one replica's volume" -}}
{{- end -}}
{{- if not .Values.github.existingSecret -}}
{{- if not .Values.github.appId -}}{{- fail "set github.appId (or github.existingSecret)" -}}{{- end -}}
{{- if not .Values.github.privateKey -}}{{- fail "set github.privateKey (or github.existingSecret)" -}}{{- end -}}
{{- if lt (len .Values.github.webhookSecret) 16 -}}{{- fail "github.webhookSecret must be at least 16 bytes (or use github.existingSecret)" -}}{{- end -}}
{{- end -}}
{{- end -}}
