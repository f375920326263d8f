export * from './types';
export * from './errors';
export { traceContextOf, withTraceContext } from './tracing';
export { defaultRetryOptions } from './batch-runner';
export { KafkaBus, type KafkaBusOptions, type KafkaSaslOptions } from './kafka';
export { InProcessBus, type InProcessBusOptions } from './in-process';
export { busConfigSchema, busEnvMap, createBus, type BusConfig, type BusDependencies } from './config';
