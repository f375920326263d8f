// The ingestion service: its definition (run by its process and by `kiln start`) and its configuration types.
// Other workspaces' end-to-end tests start it from '@kiln/ingestion/testing'.
export { ingestionService, type IngestionExtras } from './definition';
export {
  ingestionConfigSchema,
  ingestionEnvMap,
  ingestionSectionEnvMap,
  ingestionSectionSchema,
  loadIngestionConfig,
  type IngestionConfig,
  type IngestionSection,
} from './config';
export { connectorConfigSchema, type ConnectorConfig } from './connectors/registry';
export type { Ingestion, ConnectorStatus } from './ingestion';
