// A PostgreSQL schema of a test's own, migrated, dropped afterwards (with its analytics schema).
import { serviceEndpoints } from '@kiln/test-infra';
import { createScratchSchema, type ScratchSchema } from '@kiln/timeseries/testing';

export type TestDatabase = ScratchSchema;

export function testDatabase(): Promise<TestDatabase> {
  return createScratchSchema({ connectionString: serviceEndpoints().postgresUrl, prefix: 't_norm' });
}
