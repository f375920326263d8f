// `kiln migrate`: applies the versioned migrations to one schema, on TimescaleDB or plain PostgreSQL, then
// brings the TimescaleDB retention and compression policies in line with the configured settings.
import { createHash } from 'node:crypto';
import type { Database, Queryable } from './database';
import { hasTimescale } from './database';
import { migrations as allMigrations, type Migration, type StorageBackend } from './migrations';
import { checkedSchema } from './sql';

export interface TimescalePolicies {
  /** Drop telemetry chunks older than this interval; null keeps telemetry forever. Default `365 days`. */
  telemetryRetention?: string | null;
  /** Compress telemetry chunks older than this; null: no compression policy. Default `7 days`. */
  telemetryCompressAfter?: string | null;
  /** Compress machine-state and production-count chunks older than this. Default `30 days`. */
  eventsCompressAfter?: string | null;
}

export interface MigrateOptions {
  /** Schema holding Kiln's tables (default `kiln`). */
  schema?: string;
  /**
   * auto (default): use TimescaleDB where the extension is installed or can be created, else plain tables.
   * require: fail without TimescaleDB. off: plain tables even where TimescaleDB exists.
   */
  timescale?: 'auto' | 'require' | 'off';
  policies?: TimescalePolicies;
  /** The migrations to apply; tests pass their own lists. Default: every Kiln migration. */
  migrations?: readonly Migration[];
}

export interface MigrateResult {
  schema: string;
  backend: StorageBackend;
  /** Versions applied by this run, in order; empty when the schema was up to date. */
  applied: number[];
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

interface AppliedRow {
  version: number;
  checksum: string;
  backend: StorageBackend;
}

const REFERENCE_SCHEMA = '"kiln"';

/** Checksum of a migration's statements, independent of the schema it is applied to. */
export function migrationChecksum(migration: Migration, backend: StorageBackend): string {
  const text = migration.statements({ schema: REFERENCE_SCHEMA, backend }).join(';\n');
  return createHash('sha256').update(`${migration.version}:${migration.name}:${text}`).digest('hex');
}

function lockStatement(schema: string): string {
  return `SELECT pg_advisory_xact_lock(hashtext('kiln.migrate.' || '${schema}'))`;
}

async function chooseBackend(db: Queryable, mode: 'auto' | 'require' | 'off'): Promise<StorageBackend> {
  if (mode === 'off') return 'postgres';
  if (await hasTimescale(db)) return 'timescaledb';
  const { rows } = await db.query<{ available: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available`,
  );
  if (rows[0]?.available === true) {
    try {
      await db.execute('CREATE EXTENSION IF NOT EXISTS timescaledb');
      return 'timescaledb';
    } catch (error) {
      if (mode === 'require') throw error;
      return 'postgres';
    }
  }
  if (mode === 'require') {
    throw new MigrationError(
      'timescale: "require" but the timescaledb extension is not available in this database server',
    );
  }
  return 'postgres';
}

async function prepare(db: Database, schema: string): Promise<Map<number, AppliedRow>> {
  return db.transaction(async (tx) => {
    await tx.query(lockStatement(schema));
    await tx.execute(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await tx.execute(`CREATE TABLE IF NOT EXISTS "${schema}".schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      backend text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<AppliedRow>(
      `SELECT version, checksum, backend FROM "${schema}".schema_migrations ORDER BY version`,
    );
    return new Map(rows.map((row) => [row.version, row]));
  });
}

async function record(
  tx: Queryable,
  schema: string,
  migration: Migration,
  checksum: string,
  backend: string,
) {
  await tx.query(
    `INSERT INTO "${schema}".schema_migrations (version, name, checksum, backend) VALUES ($1, $2, $3, $4)
     ON CONFLICT (version) DO NOTHING`,
    [migration.version, migration.name, checksum, backend],
  );
}

async function apply(db: Database, schema: string, migration: Migration, backend: StorageBackend) {
  const checksum = migrationChecksum(migration, backend);
  const statements = migration.statements({ schema: `"${schema}"`, backend });
  const run = async (target: Queryable, statement: string) => {
    try {
      await target.execute(statement);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new MigrationError(
        `migration ${migration.version} (${migration.name}) failed on schema "${schema}" (${backend}): ${reason}\n` +
          `statement: ${statement}`,
      );
    }
  };
  if (migration.transactional(backend)) {
    return db.transaction(async (tx) => {
      await tx.query(lockStatement(schema));
      const { rows } = await tx.query(`SELECT 1 FROM "${schema}".schema_migrations WHERE version = $1`, [
        migration.version,
      ]);
      if (rows.length > 0) return false; // another process applied it while we waited for the lock
      for (const statement of statements) await run(tx, statement);
      await record(tx, schema, migration, checksum, backend);
      return true;
    });
  }
  for (const statement of statements) await run(db, statement);
  return db.transaction(async (tx) => {
    await tx.query(lockStatement(schema));
    await record(tx, schema, migration, checksum, backend);
    return true;
  });
}

/** Applies every pending migration to `options.schema`; safe to run any number of times. */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<MigrateResult> {
  const schema = checkedSchema(options.schema);
  const list = [...(options.migrations ?? allMigrations)].sort((a, b) => a.version - b.version);
  const applied = await prepare(db, schema);
  // A schema keeps the backend it was first migrated on: installing TimescaleDB later does not turn plain
  // tables into hypertables behind the operator's back.
  const recorded = [...applied.values()][0]?.backend;
  const backend = recorded ?? (await chooseBackend(db, options.timescale ?? 'auto'));
  if (backend === 'timescaledb' && !(await hasTimescale(db))) {
    throw new MigrationError(`schema "${schema}" was migrated on TimescaleDB but the extension is missing`);
  }
  const done: number[] = [];
  for (const migration of list) {
    const previous = applied.get(migration.version);
    if (previous) {
      if (previous.checksum !== migrationChecksum(migration, backend)) {
        throw new MigrationError(
          `migration ${migration.version} (${migration.name}) on schema "${schema}" was changed after it was ` +
            'applied (checksum differs); add a new migration instead of editing an applied one',
        );
      }
      continue;
    }
    if (await apply(db, schema, migration, backend)) done.push(migration.version);
  }
  if (backend === 'timescaledb') await reconcilePolicies(db, schema, options.policies ?? {});
  return { schema, backend, applied: done };
}

interface PolicyTarget {
  table: string;
  proc: 'policy_retention' | 'policy_compression';
  configKey: 'drop_after' | 'compress_after';
  desired: string | null;
}

async function reconcilePolicy(db: Queryable, schema: string, target: PolicyTarget): Promise<void> {
  const relation = `"${schema}".${target.table}`;
  const { rows } = await db.query<{ current: string | null }>(
    `SELECT config->>'${target.configKey}' AS current FROM timescaledb_information.jobs
      WHERE proc_name = $1 AND hypertable_schema = $2 AND hypertable_name = $3`,
    [target.proc, schema, target.table],
  );
  const current = rows[0]?.current ?? null;
  if (current !== null && target.desired !== null) {
    const same = await db.query<{ same: boolean }>(`SELECT $1::interval = $2::interval AS same`, [
      current,
      target.desired,
    ]);
    if (same.rows[0]?.same === true) return;
  }
  if (current === null && target.desired === null) return;
  const kind = target.proc === 'policy_retention' ? 'retention' : 'compression';
  if (rows.length > 0) {
    await db.query(`SELECT remove_${kind}_policy($1::regclass, if_exists => TRUE)`, [relation]);
  }
  if (target.desired !== null) {
    await db.query(`SELECT add_${kind}_policy($1::regclass, $2::interval, if_not_exists => TRUE)`, [
      relation,
      target.desired,
    ]);
  }
}

async function reconcilePolicies(db: Database, schema: string, policies: TimescalePolicies): Promise<void> {
  const eventsCompressAfter =
    policies.eventsCompressAfter === undefined ? '30 days' : policies.eventsCompressAfter;
  const targets: PolicyTarget[] = [
    {
      table: 'telemetry',
      proc: 'policy_retention',
      configKey: 'drop_after',
      desired: policies.telemetryRetention === undefined ? '365 days' : policies.telemetryRetention,
    },
    {
      table: 'telemetry',
      proc: 'policy_compression',
      configKey: 'compress_after',
      desired: policies.telemetryCompressAfter === undefined ? '7 days' : policies.telemetryCompressAfter,
    },
    ...['machine_states', 'production_counts'].map((table): PolicyTarget => ({
      table,
      proc: 'policy_compression',
      configKey: 'compress_after',
      desired: eventsCompressAfter,
    })),
  ];
  await db.transaction(async (tx) => {
    await tx.query(lockStatement(schema));
    for (const target of targets) await reconcilePolicy(tx, schema, target);
  });
}

/** The backend a schema was migrated on, from its migration history. */
export async function storageBackend(db: Queryable, schema?: string): Promise<StorageBackend> {
  const name = checkedSchema(schema);
  const { rows } = await db.query<{ backend: StorageBackend }>(
    `SELECT backend FROM "${name}".schema_migrations ORDER BY version LIMIT 1`,
  );
  const backend = rows[0]?.backend;
  if (backend === undefined)
    throw new MigrationError(`schema "${name}" has not been migrated (run kiln migrate)`);
  return backend;
}
