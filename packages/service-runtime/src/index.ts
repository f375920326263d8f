// What every Kiln service process starts before its own work (runtime.ts), the process around one service
// (process.ts), the definition each service declares itself with (definition.ts) and the host that runs several
// definitions in one process (host.ts).
export { startRuntime, type Runtime, type RuntimeConfig, type RuntimeOptions } from './runtime';
export {
  consumerReadiness,
  runServiceProcess,
  type ProcessConfig,
  type ServiceProcessOptions,
} from './process';
export {
  defineResource,
  type AnyServiceDefinition,
  defineService,
  topicsOf,
  type OpenedResource,
  type ResourceContext,
  type ResourceDefinition,
  type Resources,
  type ServiceConfigDeclaration,
  type ServiceContext,
  type ServiceDefinition,
  type StartedService,
} from './definition';
export { startServices, type ExtrasFor, type HostContext, type StartedServices } from './host';
export { mergeServiceConfig, type MergedServiceConfig } from './merge-config';
export { startOrder, type StartNode } from './start-order';
