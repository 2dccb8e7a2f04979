{{- define "agenda.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name }}
{{- end }}

{{- define "agenda.labels" -}}
app: {{ .Chart.Name }}
env: {{ .Values.env }}
tier: backend
{{- end }}
