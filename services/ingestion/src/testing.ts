// For other workspaces' end-to-end tests (a chain from the simulator to the database): the service's parts
// started without its process. Not for production code, which runs the definition.
export { startIngestion, type IngestionDependencies } from './ingestion';
