{{- define "agenda.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "agenda.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "agenda.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "agenda.selector" -}}
app: {{ include "agenda.name" . }}
{{- end }}

{{- define "agenda.labels" -}}
{{ include "agenda.selector" . }}
env: {{ .Values.env }}
tier: backend
{{- end }}
