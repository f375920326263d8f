// Test support for the workspaces whose integration tests run against PostgreSQL: a migrated schema of their own
// on a shared server, dropped when done. Not for production code.
export {
  createScratchSchema,
  dropMigratedSchema,
  type ScratchSchema,
  type ScratchSchemaOptions,
} from './scratch-schema';
