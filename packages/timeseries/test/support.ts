// Real services for integration tests: PostgreSQL and Redis from the environment, defaults for this machine.
import { randomBytes } from 'node:crypto';
import { PgDatabase, type Database } from '../src';
import { dropMigratedSchema } from '../src/testing';

export const postgresUrl = process.env['KILN_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A schema name no other test run uses. */
export function uniqueSchema(label: string): string {
  return `ts_${label}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

export function openPostgres(): PgDatabase {
  return new PgDatabase({ connectionString: postgresUrl, maxConnections: 4 });
}

/** Drops a migrated schema and the schema of its analytics views (migration 005). */
export const dropSchema: (db: Database, schema: string) => Promise<void> = dropMigratedSchema;

/** 2026-01-05T00:00:00Z, a Monday, in epoch microseconds. */
export const T0 = Date.UTC(2026, 0, 5) * 1000;
export const SECOND = 1_000_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** The i-th second's temperature of one machine, from 2026-03-02 06:00 UTC: the embedded-database tests' sample. */
export const temperatureSample = (i: number) => ({
  signal: { assetId: 'acme/p1/m1', name: 'temperature', unit: 'Cel' },
  timeUs: Date.UTC(2026, 2, 2, 6) * 1000 + i * SECOND,
  value: 20 + i,
  valueText: null,
  quality: 1,
});
