// A PostgreSQL schema of a test's own, migrated, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { serviceEndpoints } from '@kiln/test-infra';
import { analyticsSchemaName, migrate, PgDatabase, type Database } from '@kiln/timeseries';

export interface TestDatabase {
  readonly db: Database;
  readonly schema: string;
  count(sql: string, params?: unknown[]): Promise<number>;
  drop(): Promise<void>;
}

export async function testDatabase(): Promise<TestDatabase> {
  const schema = `t_oee_${randomBytes(5).toString('hex')}`;
  const db = new PgDatabase({ connectionString: serviceEndpoints().postgresUrl, maxConnections: 4 });
  await migrate(db, { schema });
  return {
    db,
    schema,
    count: async (sql, params = []) => {
      const { rows } = await db.query<{ n: string }>(sql.replaceAll('$schema', `"${schema}"`), params);
      return Number(rows[0]?.n ?? 0);
    },
    drop: async () => {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.query(`DROP SCHEMA IF EXISTS "${analyticsSchemaName(schema)}" CASCADE`);
      await db.close();
    },
  };
}
