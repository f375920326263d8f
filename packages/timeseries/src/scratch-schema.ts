// A migrated schema of its own on a shared PostgreSQL, dropped with its analytics schema when done: what the
// services' integration tests work in, so that parallel runs and suites never meet.
import { randomBytes } from 'node:crypto';
import { PgDatabase, type Database } from './database';
import { migrate } from './migrate';
import { analyticsSchemaName } from './migrations';

export interface ScratchSchema {
  readonly db: Database;
  readonly schema: string;
  /** The `n` of a one-row count query; `$schema` in the SQL stands for the quoted schema. */
  count(sql: string, params?: unknown[]): Promise<number>;
  /** Drops the schema and its analytics schema, then closes the pool. */
  drop(): Promise<void>;
}

export interface ScratchSchemaOptions {
  readonly connectionString: string;
  /** Starts the schema's name (a random suffix follows), e.g. `t_oee`. */
  readonly prefix: string;
  readonly maxConnections?: number;
}

/** Drops a migrated schema and the schema of its analytics views. */
export async function dropMigratedSchema(db: Database, schema: string): Promise<void> {
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.query(`DROP SCHEMA IF EXISTS "${analyticsSchemaName(schema)}" CASCADE`);
}

export async function createScratchSchema(options: ScratchSchemaOptions): Promise<ScratchSchema> {
  const schema = `${options.prefix}_${randomBytes(5).toString('hex')}`;
  const db = new PgDatabase({
    connectionString: options.connectionString,
    maxConnections: options.maxConnections ?? 4,
    applicationName: `kiln ${options.prefix}`,
  });
  await migrate(db, { schema });
  return {
    db,
    schema,
    count: async (sql, params = []) => {
      const { rows } = await db.query<{ n: string }>(sql.replaceAll('$schema', `"${schema}"`), params);
      return Number(rows[0]?.n ?? 0);
    },
    drop: async () => {
      try {
        await dropMigratedSchema(db, schema);
      } finally {
        await db.close();
      }
    },
  };
}
