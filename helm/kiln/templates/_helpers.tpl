{{/* Names and labels. */}}
{{- define "kiln.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kiln.fullname" -}}
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

{{/* The name of one component's objects: <fullname>-<component>. Call with (dict "root" $ "component" "oee"). */}}
{{- define "kiln.componentName" -}}
{{- printf "%s-%s" (include "kiln.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kiln.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "kiln.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kiln
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of one component. Call with (dict "root" $ "component" "oee"). */}}
{{- define "kiln.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kiln.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "kiln.componentLabels" -}}
{{ include "kiln.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "kiln.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kiln.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kiln.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The components this chart runs, in order, and which of them use what. */}}
{{- define "kiln.components" -}}
ingestion normalization oee maintenance erp-sync gateway simulator
{{- end }}

{{- define "kiln.usesDatabase" -}}
{{- if has .component (list "normalization" "oee" "maintenance" "erp-sync" "gateway") }}true{{ end }}
{{- end }}

{{/* Hot state and live OEE (maintenance and erp-sync keep their state in the database only). */}}
{{- define "kiln.usesRedis" -}}
{{- if has .component (list "normalization" "oee" "gateway") }}true{{ end }}
{{- end }}

{{- define "kiln.usesBus" -}}
{{- if has .component (list "ingestion" "normalization" "oee" "maintenance" "erp-sync" "gateway") }}true{{ end }}
{{- end }}

{{/* The port of a component's /healthz, /readyz and /metrics (none for the simulator: its probes are TCP). */}}
{{- define "kiln.opsPort" -}}
{{- $values := index .root.Values .component }}
{{- if eq .component "simulator" }}{{ $values.opcuaPort }}{{ else }}{{ $values.opsPort }}{{ end }}
{{- end }}

{{/*
The configuration file of a component (docs/configuration.md): what the chart decides, overlaid by the
component's `config` value. Secrets are never in it: with Kafka SASL the user name and password are placeholders
that an init container replaces from the referenced Secret into an in-memory volume; so are the ERP credentials of
erp-sync (__KILN_ERP_USERNAME__ and __KILN_ERP_PASSWORD__ written in its `config`, erp-sync.credentials).
*/}}
{{- define "kiln.componentConfig" -}}
{{- $values := index .root.Values .component }}
{{- $base := dict }}
{{- if and (include "kiln.usesDatabase" .) .root.Values.migration.enabled }}
{{- $_ := set $base "database" (dict "migrateOnStart" false) }}
{{- end }}
{{- $kafka := dict }}
{{- if and (include "kiln.usesBus" .) .root.Values.kafka.sasl.enabled }}
{{- $sasl := dict "mechanism" .root.Values.kafka.sasl.mechanism "username" "__KILN_KAFKA_SASL_USERNAME__" "password" "__KILN_KAFKA_SASL_PASSWORD__" }}
{{- $_ := set $kafka "sasl" $sasl }}
{{- end }}
{{- if include "kiln.usesBus" . }}
{{- $kafkaTls := dict }}
{{- with .root.Values.kafka.tls.caSecretName }}{{- $_ := set $kafkaTls "caFile" "/etc/kiln/kafka-ca/ca.crt" }}{{- end }}
{{- if .root.Values.kafka.tls.clientCertSecretName }}
{{- $_ := set $kafkaTls "certFile" "/etc/kiln/kafka-client/tls.crt" }}
{{- $_ := set $kafkaTls "keyFile" "/etc/kiln/kafka-client/tls.key" }}
{{- end }}
{{- if $kafkaTls }}{{- $_ := set $kafka "tls" $kafkaTls }}{{- end }}
{{- end }}
{{- if $kafka }}{{- $_ := set $base "bus" (dict "kafka" $kafka) }}{{- end }}
{{- if and (eq .component "gateway") (dig "tls" "secretName" "" $values) }}
{{- $files := dict "certFile" "/etc/kiln/tls/tls.crt" "keyFile" "/etc/kiln/tls/tls.key" }}
{{- $grpcTls := deepCopy $files }}
{{- if dig "tls" "clientCaSecretName" "" $values }}
{{- $_ := set $grpcTls "caFile" "/etc/kiln/tls-client-ca/ca.crt" }}
{{- $_ := set $grpcTls "requireClientCert" true }}
{{- end }}
{{- $_ := set $base "gateway" (dict "http" (dict "tls" $files) "grpc" (dict "tls" $grpcTls)) }}
{{- end }}
{{- if eq .component "erp-sync" }}
{{- if not (get (default dict $values.config) "erpSync") }}
{{- fail "erp-sync.config.erpSync is required: the ERP system, its options and workCenters (docs/erp.md)" }}
{{- end }}
{{- /* The webhook, when enabled, listens on the pod's address (its Service port `webhook`). */}}
{{- $_ := set $base "erpSync" (dict "webhook" (dict "host" "0.0.0.0")) }}
{{- end }}
{{- $config := mustMergeOverwrite $base (deepCopy (default dict $values.config)) }}
{{- if and (eq .component "erp-sync") (contains "__KILN_ERP_" (toYaml $config)) (not $values.credentials.existingSecret) }}
{{- fail "erp-sync.config names __KILN_ERP_USERNAME__ / __KILN_ERP_PASSWORD__: set erp-sync.credentials.existingSecret" }}
{{- end }}
{{- if $config }}{{ toYaml $config }}{{ else }}{}{{ end }}
{{- end }}

{{/*
The placeholders of a component's configuration file that the init container replaces from Secrets, as YAML
{placeholder variable: {secret, key}}: the Kafka SASL credentials, and erp-sync's ERP user name and password.
*/}}
{{- define "kiln.configSecrets" -}}
{{- $root := .root }}
{{- $secrets := dict }}
{{- if and (include "kiln.usesBus" .) $root.Values.kafka.sasl.enabled }}
{{- $sasl := $root.Values.kafka.sasl }}
{{- $_ := set $secrets "KILN_KAFKA_SASL_USERNAME" (dict "secret" $sasl.existingSecret "key" $sasl.usernameKey) }}
{{- $_ := set $secrets "KILN_KAFKA_SASL_PASSWORD" (dict "secret" $sasl.existingSecret "key" $sasl.passwordKey) }}
{{- end }}
{{- if eq .component "erp-sync" }}
{{- $credentials := (index $root.Values "erp-sync").credentials }}
{{- if $credentials.existingSecret }}
{{- with $credentials.usernameKey }}
{{- $_ := set $secrets "KILN_ERP_USERNAME" (dict "secret" $credentials.existingSecret "key" . "optional" true) }}
{{- end }}
{{- with $credentials.passwordKey }}
{{- $_ := set $secrets "KILN_ERP_PASSWORD" (dict "secret" $credentials.existingSecret "key" . "optional" true) }}
{{- end }}
{{- end }}
{{- end }}
{{- if $secrets }}{{ toYaml $secrets }}{{ end }}
{{- end }}

{{/* Whether a component's configuration file goes through the init container (see kiln.configSecrets). */}}
{{- define "kiln.needsConfigInit" -}}
{{- if include "kiln.configSecrets" . }}true{{ end }}
{{- end }}

{{/* The port of erp-sync's webhook when erpSync.webhook.enabled is set in its `config` (nothing otherwise). */}}
{{- define "kiln.erpWebhookPort" -}}
{{- if eq .component "erp-sync" }}
{{- $webhook := dig "erpSync" "webhook" dict (default dict (index .root.Values .component).config) }}
{{- if $webhook.enabled }}{{ default 8090 $webhook.port }}{{ end }}
{{- end }}
{{- end }}
