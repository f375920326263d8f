{{/*
The environment of a component: the real KILN_* names of its configuration (the env maps of services/<name>/src/config.ts;
KILN_SIM_* for the simulator). Credentials only through secretKeyRef. Call with (dict "root" $ "component" "oee").
*/}}
{{- define "kiln.env" -}}
{{- $root := .root }}
{{- $values := index $root.Values .component }}
{{- if eq .component "simulator" }}
- name: KILN_SIM_CONFIG
  value: /etc/kiln/config/simulator.yaml
- name: KILN_SIM_LOG_LEVEL
  value: {{ $root.Values.logLevel | quote }}
- name: KILN_SIM_SPEED_FACTOR
  value: {{ $values.speedFactor | quote }}
- name: KILN_SIM_OPCUA_PORT
  value: {{ $values.opcuaPort | quote }}
- name: KILN_SIM_OPCUA_PKI_DIR
  value: /var/lib/kiln/simulator/pki
- name: KILN_SIM_MQTT_ENABLED
  value: "false"
- name: KILN_SIM_MODBUS_ENABLED
  value: "false"
{{- else }}
- name: KILN_CONFIG
  value: {{ if include "kiln.needsConfigInit" . }}/run/kiln/config.yaml{{ else }}/etc/kiln/config/{{ .component }}.yaml{{ end }}
- name: KILN_LOG_LEVEL
  value: {{ $root.Values.logLevel | quote }}
{{- with $root.Values.otlpEndpoint }}
- name: KILN_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: KILN_OTEL_SERVICE_NAME
  value: {{ .component | quote }}
- name: KILN_BUS
  value: kafka
- name: KILN_KAFKA_BROKERS
  value: {{ join "," $root.Values.kafka.brokers | quote }}
- name: KILN_KAFKA_CLIENT_ID
  value: {{ $root.Values.kafka.clientId | quote }}
- name: KILN_KAFKA_SSL
  value: {{ $root.Values.kafka.ssl | quote }}
- name: KILN_KAFKA_COMPRESSION
  value: {{ $root.Values.kafka.compression | quote }}
{{- if eq .component "gateway" }}
- name: KILN_OPS_HOST
  value: 0.0.0.0
- name: KILN_OPS_PORT
  value: {{ $values.opsPort | quote }}
- name: KILN_HTTP_HOST
  value: 0.0.0.0
- name: KILN_HTTP_PORT
  value: {{ $values.httpPort | quote }}
- name: KILN_GRPC_HOST
  value: 0.0.0.0
- name: KILN_GRPC_PORT
  value: {{ $values.grpcPort | quote }}
{{- with $root.Values.apiKeys.adminExistingSecret }}
- name: KILN_ADMIN_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $root.Values.apiKeys.adminKey }}
{{- end }}
{{- else }}
- name: KILN_HTTP_HOST
  value: 0.0.0.0
- name: KILN_HTTP_PORT
  value: {{ $values.opsPort | quote }}
{{- end }}
{{- if include "kiln.usesDatabase" . }}
- name: KILN_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.database.existingSecret }}
      key: {{ $root.Values.database.urlKey }}
- name: KILN_DATABASE_SCHEMA
  value: {{ $root.Values.database.schema | quote }}
{{- end }}
{{- if include "kiln.usesRedis" . }}
{{- if $root.Values.redis.existingSecret }}
- name: KILN_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.redis.existingSecret }}
      key: {{ $root.Values.redis.urlKey }}
{{- else if $root.Values.redis.url }}
- name: KILN_REDIS_URL
  value: {{ $root.Values.redis.url | quote }}
{{- end }}
- name: KILN_REDIS_KEY_PREFIX
  value: {{ $root.Values.redis.keyPrefix | quote }}
{{- end }}
{{- if eq .component "normalization" }}
- name: KILN_PLANT_FILE
  value: /etc/kiln/plant/{{ $root.Values.plant.key }}
{{- end }}
{{- if eq .component "erp-sync" }}
{{- with $values.credentials }}
{{- if and .existingSecret .webhookTokenKey }}
- name: KILN_ERP_WEBHOOK_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .webhookTokenKey }}
{{- end }}
{{- end }}
{{- end }}
{{- if eq .component "ingestion" }}
- name: KILN_INGESTION_BUFFER_DIRECTORY
  value: /var/lib/kiln/ingestion/buffer
{{- end }}
{{- end }}
{{- with $values.env }}
{{ toYaml . }}
{{- end }}
{{- end }}
