// The operating kit every Kiln service is built from (docs/architecture.md section 10): validated configuration,
// JSON logs with trace ids, Prometheus metrics, health/readiness endpoints, OpenTelemetry and a
// graceful-shutdown lifecycle.
export { loadConfig, type LoadConfigOptions } from './config';
// Configuration issues and YAML with positions live in @kiln/config-source (the asset model, a core package,
// reports with them too); re-exported so a service keeps one import for its operating kit.
export {
  ConfigError,
  formatConfigIssue,
  formatPath,
  formatYamlLocation,
  locateYamlPath,
  MAX_NESTING,
  parseYamlSource,
  yamlNestingProblem,
  type ConfigIssue,
  type ConfigSource,
  type LocateYamlPathOptions,
  type NestingProblem,
  type YamlLocation,
  type YamlSource,
  type YamlSyntaxError,
} from '@kiln/config-source';
export {
  LOG_LEVELS,
  httpConfigSchema,
  logConfigSchema,
  serviceConfigSchema,
  serviceEnvMap,
  shutdownConfigSchema,
  telemetryConfigSchema,
  type LogLevel,
} from './service-config';
export { createLogger, type CreateLoggerOptions, type Logger } from './logger';
export {
  createBusMetrics,
  createMetricsRegistry,
  Registry,
  type BusMetrics,
  type CreateMetricsRegistryOptions,
} from './metrics';
export {
  ReadinessTransitions,
  runReadinessChecks,
  type ReadinessCheck,
  type ReadinessReport,
  type ReadinessTransition,
} from './readiness';
export {
  createReadinessEndpoint,
  readinessBodySchema,
  withoutCheckDetails,
  type ReadinessAnswer,
  type ReadinessBody,
  type ReadinessEndpoint,
  type ReadinessEndpointOptions,
} from './readiness-endpoint';
export { startOpsServer, type OpsServer, type StartOpsServerOptions } from './ops-server';
export { startTelemetry, type StartTelemetryOptions, type Telemetry } from './telemetry';
export {
  runService,
  type ProcessEvents,
  type RunServiceOptions,
  type ServiceLifecycle,
  type StopContext,
  type Stoppable,
} from './lifecycle';
export { configFileFrom, packageVersion } from './config-file';
export { manualLifecycle, type ManualLifecycle } from './manual-lifecycle';
export { isLoopbackHost } from './network';
