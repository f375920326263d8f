// A PostgreSQL schema of a test's own, migrated, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { serviceEndpoints } from '@kiln/test-infra';
import { analyticsSchemaName, migrate, PgDatabase, type Database } from '@kiln/timeseries';

export interface TestDatabase {
  readonly db: Database;
  readonly schema: string;
  drop(): Promise<void>;
}

export async function testDatabase(): Promise<TestDatabase> {
  const schema = `t_pdm_${randomBytes(5).toString('hex')}`;
  const db = new PgDatabase({ connectionString: serviceEndpoints().postgresUrl, maxConnections: 4 });
  await migrate(db, { schema });
  return {
    db,
    schema,
    drop: async () => {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.query(`DROP SCHEMA IF EXISTS "${analyticsSchemaName(schema)}" CASCADE`);
      await db.close();
    },
  };
}
