{{/*
Helpers shared by every template. Per-service helpers take a dict:
  (dict "root" $ "name" $name "svc" $svc)
where $name is the key under .Values.services (gateway, connector-google, ...).
*/}}

{{- define "zamc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "zamc.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "zamc.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride -}}
{{- end -}}

{{- define "zamc.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "zamc.commonLabels" -}}
helm.sh/chart: {{ include "zamc.chart" . }}
app.kubernetes.io/name: {{ include "zamc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: zamc
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Object name of one service: <fullname>-<service>. */}}
{{- define "zamc.service.fullname" -}}
{{- printf "%s-%s" (include "zamc.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels of one service (immutable: never add to these). */}}
{{- define "zamc.service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "zamc.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "zamc.service.labels" -}}
{{ include "zamc.commonLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Environment variable prefix: connector-google -> ZAMC_CONNECTOR_GOOGLE */}}
{{- define "zamc.service.envPrefix" -}}
{{- printf "ZAMC_%s" (.name | upper | replace "-" "_") -}}
{{- end -}}

{{/* Image reference of one service; a digest wins over a tag. */}}
{{- define "zamc.service.image" -}}
{{- $root := .root -}}
{{- $image := $root.Values.image -}}
{{- $registry := default $image.registry $root.Values.global.imageRegistry -}}
{{- $repository := .svc.image.repository | default (printf "%s%s" $image.repositoryPrefix .name) -}}
{{- $ref := ternary $repository (printf "%s/%s" $registry $repository) (empty $registry) -}}
{{- if .svc.image.digest -}}
{{- printf "%s@%s" $ref .svc.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref (.svc.image.tag | default $image.tag | default $root.Chart.AppVersion | toString) -}}
{{- end -}}
{{- end -}}

{{- define "zamc.service.serviceAccountName" -}}
{{- if .root.Values.serviceAccount.create -}}
{{- include "zamc.service.fullname" . -}}
{{- else -}}
default
{{- end -}}
{{- end -}}

{{- define "zamc.configMapName" -}}
{{- printf "%s-config" (include "zamc.fullname" .) -}}
{{- end -}}

{{/* The Secret every service reads: existingSecret, or the chart-created one. */}}
{{- define "zamc.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "zamc.fullname" .)) -}}
{{- end -}}

{{- define "zamc.imagePullSecrets" -}}
{{- $secrets := concat (.Values.global.imagePullSecrets | default list) (.Values.image.pullSecrets | default list) | uniq -}}
{{- if $secrets -}}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ . }}
{{- end }}
{{- end -}}
{{- end -}}

{{/* Soft/hard pod anti-affinity over nodes, unless the service sets its own affinity. */}}
{{- define "zamc.service.affinity" -}}
{{- if .svc.affinity -}}
{{- toYaml .svc.affinity -}}
{{- else if eq .root.Values.podAntiAffinityPreset "soft" -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "zamc.service.selectorLabels" . | nindent 12 }}
{{- else if eq .root.Values.podAntiAffinityPreset "hard" -}}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "zamc.service.selectorLabels" . | nindent 10 }}
{{- end -}}
{{- end -}}

{{/* Environment of one service's containers (main and migration init container). */}}
{{- define "zamc.service.env" -}}
{{- $prefix := include "zamc.service.envPrefix" . -}}
{{- $secretName := include "zamc.secretName" .root -}}
- name: {{ $prefix }}_HTTP_HOST
  value: "0.0.0.0"
- name: {{ $prefix }}_HTTP_PORT
  value: {{ .svc.port | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ printf "zamc-%s" .name | quote }}
{{- range $key := concat .root.Values.secrets.sharedKeys .svc.secretKeys | uniq }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ $key }}
{{- end }}
{{- range $key := concat .root.Values.secrets.sharedOptionalKeys .svc.optionalSecretKeys | uniq }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ $key }}
      optional: true
{{- end }}
{{- range $key, $value := .svc.env }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy egress rule: ports (TCP) to peers; no peers = any destination. */}}
{{- define "zamc.networkPolicy.egressRule" -}}
- ports:
    {{- range .ports }}
    - protocol: TCP
      port: {{ . }}
    {{- end }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
