{{/* Chart name. */}}
{{- define "cnn-lab.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full resource name: release-chart, unless the release name already contains the chart name. */}}
{{- define "cnn-lab.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "cnn-lab.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cnn-lab.labels" -}}
helm.sh/chart: {{ include "cnn-lab.chart" . }}
{{ include "cnn-lab.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "cnn-lab.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cnn-lab.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cnn-lab.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cnn-lab.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "cnn-lab.homeClaim" -}}
{{- default (printf "%s-home" (include "cnn-lab.fullname" .)) .Values.persistence.home.existingClaim }}
{{- end }}

{{/* Selector labels of one role's pods (root, role); the single instance (role "") keeps the chart's own, as before
roles existed: a Deployment's selector cannot change on upgrade. */}}
{{- define "cnn-lab.roleSelectorLabels" -}}
{{ include "cnn-lab.selectorLabels" .root }}
{{- with .role }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/* Name of one role's Deployment (root, role). */}}
{{- define "cnn-lab.roleName" -}}
{{- if .role }}
{{- printf "%s-%s" (include "cnn-lab.fullname" .root | trunc 56 | trimSuffix "-") .role }}
{{- else }}
{{- include "cnn-lab.fullname" .root }}
{{- end }}
{{- end }}

{{/* Environment of the shared database, storage and leases; empty with the defaults (H2, storage under home). */}}
{{- define "cnn-lab.clusterEnv" -}}
{{- with .Values.leaseDuration }}
- name: CNN_TRAINING_LEASEDURATION
  value: {{ . | quote }}
{{- end }}
{{- with .Values.database }}
{{- if .url }}
- name: SPRING_DATASOURCE_URL
  value: {{ .url | quote }}
- name: SPRING_DATASOURCE_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ required "database.existingSecret is required with database.url" .existingSecret }}
      key: {{ .usernameKey }}
- name: SPRING_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .passwordKey }}
{{- end }}
{{- end }}
{{- if eq .Values.storage.type "s3" }}
{{- with .Values.storage.s3 }}
- name: CNN_STORAGE_TYPE
  value: s3
- name: CNN_STORAGE_S3_BUCKET
  value: {{ required "storage.s3.bucket is required with storage.type s3" .bucket | quote }}
{{- with .endpoint }}
- name: CNN_STORAGE_S3_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: CNN_STORAGE_S3_REGION
  value: {{ .region | quote }}
- name: CNN_STORAGE_S3_PATHSTYLE
  value: {{ .pathStyle | quote }}
{{- with .existingSecret }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.storage.s3.accessKeyIdKey }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.storage.s3.secretAccessKeyKey }}
{{- end }}
{{- end }}
{{- else if .Values.storage.filesystem.existingClaim }}
- name: CNN_STORAGE_TYPE
  value: filesystem
- name: CNN_STORAGE_ROOT
  value: {{ .Values.storage.filesystem.mountPath | quote }}
{{- end }}
{{- end }}
