// npm run bench:historian: telemetry rows per second through HistorianWriter into the real PostgreSQL.
// Each run migrates a fresh schema, writes the rows in batches (one transaction per batch, as a consumer
// does per Kafka batch), replays the first batches to time the no-op path, and drops the schema.
// Settings (env): KILN_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), KILN_BENCH_ROWS (500000),
// KILN_BENCH_BATCH (5000), KILN_BENCH_SIGNALS (1000), KILN_BENCH_CONCURRENCY (1: batches in flight).
import { randomBytes } from 'node:crypto';
import {
  analyticsSchemaName,
  HistorianWriter,
  migrate,
  PgDatabase,
  type TelemetryRow,
} from '@kiln/timeseries';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

const url = process.env['KILN_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const rows = positiveInt('KILN_BENCH_ROWS', 500_000);
const batch = positiveInt('KILN_BENCH_BATCH', 5_000);
const signals = positiveInt('KILN_BENCH_SIGNALS', 1_000);
const concurrency = positiveInt('KILN_BENCH_CONCURRENCY', 1);

const START_US = Date.UTC(2026, 0, 5) * 1000;

/** Rows [first, first + count): signals round-robin, each signal sampled every 100 ms. */
function makeBatch(first: number, count: number, signalIds: number[]): TelemetryRow[] {
  return Array.from({ length: count }, (_, k) => {
    const index = first + k;
    const signalId = signalIds[index % signalIds.length] ?? 0;
    const tick = Math.floor(index / signalIds.length);
    return {
      signalId,
      timeUs: START_US + tick * 100_000 + (index % 997),
      value: Math.sin(index / 50) * 100,
      valueText: null,
      quality: 1,
    };
  });
}

async function writeAll(writer: HistorianWriter, total: number, signalIds: number[]): Promise<number> {
  let next = 0;
  let inserted = 0;
  const worker = async () => {
    while (next < total) {
      const first = next;
      const count = Math.min(batch, total - first);
      next += count;
      const result = await writer.writeTelemetry(makeBatch(first, count, signalIds));
      inserted += result.inserted; // after the await: `x += await y` would read x before waiting
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return inserted;
}

async function main(): Promise<void> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const db = new PgDatabase({ connectionString: url, maxConnections: concurrency + 1 });
  try {
    const { backend } = await migrate(db, { schema });
    const writer = new HistorianWriter(db, { schema, maxRowsPerStatement: batch });
    const ids = await writer.upsertSignals(
      Array.from({ length: signals }, (_, i) => ({
        assetId: `bench/line-${i % 10}/asset-${i % 100}`,
        name: `s${i}`,
      })),
    );
    const signalIds = [...ids.values()];

    let started = process.hrtime.bigint();
    const inserted = await writeAll(writer, rows, signalIds);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;

    const replayRows = Math.min(rows, 50 * batch);
    started = process.hrtime.bigint();
    const replayed = await writeAll(writer, replayRows, signalIds);
    const replaySeconds = Number(process.hrtime.bigint() - started) / 1e9;

    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(
      JSON.stringify({
        backend,
        rows,
        batch,
        signals,
        concurrency,
        inserted,
        seconds: Number(seconds.toFixed(2)),
      }),
    );
    console.log(`insert: ${fmt(inserted / seconds)} rows/s (${fmt(rows)} rows, batches of ${fmt(batch)})`);
    console.log(
      `replay: ${fmt(replayRows / replaySeconds)} rows/s (${fmt(replayRows)} rows already stored, ${replayed} inserted)`,
    );
    if (inserted !== rows || replayed !== 0) throw new Error('bench wrote an unexpected number of rows');
  } finally {
    await db.execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.execute(`DROP SCHEMA IF EXISTS "${analyticsSchemaName(schema)}" CASCADE`).catch(() => undefined);
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
