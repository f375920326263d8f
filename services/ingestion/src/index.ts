// The ingestion service as a library, for `kiln start` (all services in one process) and for tests.
export {
  bufferConfigSchema,
  batchingConfigSchema,
  ingestionConfigSchema,
  ingestionEnvMap,
  ingestionSectionSchema,
  loadIngestionConfig,
  type IngestionConfig,
  type IngestionSection,
} from './config';
export {
  startIngestion,
  type ConnectorStatus,
  type Ingestion,
  type IngestionDependencies,
} from './ingestion';
export { connectorConfigSchema, createConnector, type ConnectorConfig } from './connectors/registry';
export type { Connector, ConnectorContext, ConnectorKind, Sample } from './connectors/types';
export { routeOpcuaLogs } from './connectors/opcua/logging';
