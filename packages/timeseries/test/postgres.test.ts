// The historian on plain PostgreSQL (no TimescaleDB): migrations, writer, queries and rollup tables.
import { migrate, MigrationError, type Migration, type PgDatabase } from '../src';
import { historianContract } from './historian-contract';
import { dropSchema, openPostgres, uniqueSchema } from './support';

const schema = uniqueSchema('pg');
const scratch = uniqueSchema('pgm');
let db: PgDatabase;

beforeAll(() => {
  db = openPostgres();
});

afterAll(async () => {
  await dropSchema(db, schema);
  await dropSchema(db, scratch);
  await db.close();
});

describe('migrations on plain PostgreSQL', () => {
  it('applies every version once and nothing on a second run', async () => {
    const first = await migrate(db, { schema: scratch });
    expect(first).toEqual({
      schema: scratch,
      backend: 'postgres',
      applied: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
    });
    const second = await migrate(db, { schema: scratch });
    expect(second).toEqual({ schema: scratch, backend: 'postgres', applied: [] });
    const { rows } = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [scratch],
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'api_keys',
      'asset_health',
      'assets',
      'audit_log',
      'erp_links',
      'erp_order_progress',
      'erp_orders',
      'erp_outbox',
      'erp_sync_problems',
      'erp_sync_state',
      'machine_states',
      'maintenance_alerts',
      'maintenance_model_state',
      'oee_assets',
      'oee_results',
      'production_counts',
      'production_orders',
      'schema_migrations',
      'shifts',
      'signals',
      'telemetry',
      'telemetry_1h',
      'telemetry_1m',
    ]);
    const brin = await db.query(
      `SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = 'telemetry_time_brin'`,
      [scratch],
    );
    expect(brin.rows).toHaveLength(1);
  });

  it('lets concurrent runs apply each version exactly once', async () => {
    const parallel = uniqueSchema('pgc');
    try {
      const results = await Promise.all([
        migrate(db, { schema: parallel }),
        migrate(db, { schema: parallel }),
      ]);
      expect(results.flatMap((r) => r.applied).sort((a, b) => a - b)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
      ]);
    } finally {
      await dropSchema(db, parallel);
    }
  });

  it('refuses a migration edited after it was applied', async () => {
    const edited = uniqueSchema('pge');
    const version = (sql: string): Migration => ({
      version: 1,
      name: 'probe',
      transactional: () => true,
      statements: ({ schema: s }) => [`CREATE TABLE IF NOT EXISTS ${s}.probe (${sql})`],
    });
    try {
      await migrate(db, { schema: edited, migrations: [version('a int')] });
      await expect(migrate(db, { schema: edited, migrations: [version('b int')] })).rejects.toThrow(
        MigrationError,
      );
    } finally {
      await dropSchema(db, edited);
    }
  });

  it('fails where TimescaleDB is required but missing', async () => {
    const required = uniqueSchema('pgr');
    try {
      await expect(migrate(db, { schema: required, timescale: 'require' })).rejects.toThrow(/timescaledb/);
    } finally {
      await dropSchema(db, required);
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(migrate(db, { schema: 'kiln; DROP TABLE x' })).rejects.toThrow(
      /not a plain lower-case identifier/,
    );
  });
});

describe('historian on plain PostgreSQL', () => {
  historianContract({ db: () => db, schema, backend: 'postgres' });
});
