// npm run bench:historian: telemetry rows per second into the real PostgreSQL, for the writer's path beside the
// two references it sits between, all in one run so the figures read as ratios:
//   old UNNEST   the writer before binary COPY: a row object per sample, ISO times, text arrays, string-keyed ids
//   writer       HistorianWriter.writeTelemetryBatches: binary COPY, straight into the table
//   writer UNNEST the same writer on a database without COPY (PGlite's path): int8 times, column arrays
//   raw COPY     the same binary COPY stream encoded before the clock starts: what the server itself takes
//   replay       the writer again over rows already stored: the staging table and one insert-on-conflict
// Each mode writes the same TelemetryBatches (as normalization hands them over) into an emptied table, one
// transaction per write, as a consumer does per Kafka batch. The schema is migrated fresh and dropped at the end.
// Settings (env): KILN_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), KILN_BENCH_ROWS (500000),
// KILN_BENCH_BATCH (5000 samples per write), KILN_BENCH_SIGNALS (1000, 10 per asset), KILN_BENCH_CONCURRENCY
// (1: writes in flight), KILN_BENCH_ROUNDS (2: every mode this often, interleaved; the best round counts).
import { randomBytes } from 'node:crypto';
import { Quality, type TelemetryBatch } from '@kiln/contracts';
import {
  analyticsSchemaName,
  HistorianWriter,
  migrate,
  PgDatabase,
  signalKey,
  TELEMETRY_COPY_COLUMNS,
  TelemetryCopyEncoder,
  telemetryRows,
  timestampParam,
  type Database,
  type Queryable,
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
const rounds = positiveInt('KILN_BENCH_ROUNDS', 2);

const START_US = Date.UTC(2026, 0, 5) * 1000;
const SIGNALS_PER_ASSET = 10;
const assetOf = (signal: number): string =>
  `bench/line-${signal % 10}/asset-${Math.floor(signal / SIGNALS_PER_ASSET)}`;

/**
 * Samples [first, first + count) as TelemetryBatches of one asset each: signals round-robin, each sampled every
 * 100 ms, values as numbers.
 */
function makeWrite(first: number, count: number): TelemetryBatch[] {
  const batches: TelemetryBatch[] = [];
  let current: TelemetryBatch | undefined;
  for (let index = first; index < first + count; index += 1) {
    const signal = index % signals;
    const assetId = assetOf(signal);
    if (current?.assetId !== assetId) batches.push((current = { assetId, points: [] }));
    const timeUs = START_US + Math.floor(index / signals) * 100_000 + (index % 997);
    current.points.push({
      signal: `s${signal}`,
      value: { kind: { $case: 'numberValue', value: Math.sin(index / 50) * 100 } },
      quality: Quality.QUALITY_GOOD,
      timeUs,
      receiveTimeUs: timeUs,
      unit: 'Cel',
    });
  }
  return batches;
}

/** The writer's telemetry path before binary COPY, verbatim: what the new path is measured against. */
async function oldUnnestWrite(
  db: Database,
  schema: string,
  ids: ReadonlyMap<string, number>,
  batches: readonly TelemetryBatch[],
): Promise<number> {
  const named = telemetryRows(batches).rows;
  const slice = named.map((row) => ({
    signalId: ids.get(signalKey(row.signal.assetId, row.signal.name)) ?? 0,
    timeUs: row.timeUs,
    value: row.value,
    valueText: row.valueText,
    quality: row.quality,
  }));
  return db.transaction(async (tx) => {
    const result = await tx.query(
      `INSERT INTO "${schema}".telemetry (time, signal_id, value, value_text, quality)
       SELECT * FROM unnest($1::timestamptz[], $2::int4[], $3::float8[], $4::text[], $5::int2[])
       ON CONFLICT (signal_id, time) DO NOTHING`,
      [
        slice.map((row) => timestampParam(row.timeUs, `time of signal ${row.signalId}`)),
        slice.map((row) => row.signalId),
        slice.map((row) => row.value),
        slice.map((row) => row.valueText),
        slice.map((row) => row.quality),
      ],
    );
    return result.rowCount;
  });
}

/** The database with COPY hidden, as PGlite or a wrapper offers it: the writer takes its UNNEST path. */
function withoutCopy(db: Database): Database {
  const plain = (target: Queryable): Queryable => ({
    query: (sql, params) => target.query(sql, params),
    execute: (sql) => target.execute(sql),
  });
  return {
    engine: db.engine,
    ...plain(db),
    transaction: (work) => db.transaction((tx) => work(plain(tx))),
    close: () => db.close(),
  };
}

/** Runs `write` over all writes with `concurrency` in flight; returns rows inserted and seconds taken. */
async function timed(
  writes: number,
  write: (index: number) => Promise<number>,
): Promise<{ inserted: number; seconds: number }> {
  let next = 0;
  let inserted = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < writes) {
      const index = next;
      next += 1;
      const count = await write(index);
      inserted += count; // after the await: `x += await y` would read x before waiting
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { inserted, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

interface Mode {
  name: string;
  /** Rows each run of the mode hands in, and how many of them must be new. */
  rows: number;
  expectInserted: number;
  /** Empty the table first (every mode but the replay, which needs the rows stored before it). */
  fresh: boolean;
  write: (index: number) => Promise<number>;
  writes: number;
}

async function main(): Promise<void> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const db = new PgDatabase({ connectionString: url, maxConnections: concurrency + 1 });
  try {
    const { backend } = await migrate(db, { schema });
    const writer = new HistorianWriter(db, { schema, maxRowsPerStatement: batch });
    const unnestWriter = new HistorianWriter(withoutCopy(db), { schema, maxRowsPerStatement: batch });
    const writes = Array.from({ length: Math.ceil(rows / batch) }, (_, i) =>
      makeWrite(i * batch, Math.min(batch, rows - i * batch)),
    );
    // Signals exist before any clock starts: every mode measures the steady state, ids known.
    const definitions = Array.from({ length: signals }, (_, i) => ({ assetId: assetOf(i), name: `s${i}` }));
    const ids = await writer.upsertSignals(definitions);
    await unnestWriter.upsertSignals(definitions);
    const encoded = writes.map((batches) => {
      const encoder = new TelemetryCopyEncoder();
      for (const { assetId, points } of batches) {
        for (const p of points) {
          const value = p.value?.kind?.$case === 'numberValue' ? p.value.kind.value : null;
          encoder.add(ids.get(signalKey(assetId, p.signal)) ?? 0, p.timeUs, value, null, p.quality);
        }
      }
      return encoder.finish();
    });
    const copySql = `COPY "${schema}".telemetry ${TELEMETRY_COPY_COLUMNS} FROM STDIN (FORMAT binary)`;
    const replayWrites = Math.min(writes.length, 50);
    const write = (index: number) => writes[index] ?? [];
    const modes: Mode[] = [
      {
        name: 'old UNNEST',
        rows,
        expectInserted: rows,
        fresh: true,
        writes: writes.length,
        write: (i) => oldUnnestWrite(db, schema, ids, write(i)),
      },
      {
        name: 'writer (COPY)',
        rows,
        expectInserted: rows,
        fresh: true,
        writes: writes.length,
        write: async (i) => (await writer.writeTelemetryBatches(write(i))).inserted,
      },
      {
        name: 'writer UNNEST',
        rows,
        expectInserted: rows,
        fresh: true,
        writes: writes.length,
        write: async (i) => (await unnestWriter.writeTelemetryBatches(write(i))).inserted,
      },
      {
        name: 'raw COPY',
        rows,
        expectInserted: rows,
        fresh: true,
        writes: writes.length,
        write: (i) => db.transaction((tx) => tx.copyFrom?.(copySql, encoded[i] ?? []) ?? Promise.resolve(0)),
      },
      {
        name: 'replay (staging)',
        rows: Math.min(rows, replayWrites * batch),
        expectInserted: 0,
        fresh: false,
        writes: replayWrites,
        write: async (i) => (await writer.writeTelemetryBatches(write(i))).inserted,
      },
    ];

    const best = new Map<string, number>();
    for (let round = 0; round < rounds; round += 1) {
      for (const mode of modes) {
        // The replay comes after raw COPY, which stored every row it replays.
        if (mode.fresh) await db.execute(`TRUNCATE "${schema}".telemetry`);
        await db.execute(`VACUUM ANALYZE "${schema}".telemetry`);
        const { inserted, seconds } = await timed(mode.writes, mode.write);
        if (inserted !== mode.expectInserted) {
          throw new Error(`${mode.name} inserted ${inserted} rows, expected ${mode.expectInserted}`);
        }
        best.set(mode.name, Math.max(best.get(mode.name) ?? 0, mode.rows / seconds));
      }
    }

    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    const rate = (name: string) => best.get(name) ?? Number.NaN;
    console.log(JSON.stringify({ backend, rows, batch, signals, concurrency, rounds }));
    const raw = rate('raw COPY');
    const old = rate('old UNNEST');
    for (const mode of modes) {
      const r = rate(mode.name);
      console.log(
        `${mode.name.padEnd(17)} ${fmt(r).padStart(9)} rows/s  ${(r / old).toFixed(2)}x old UNNEST  ` +
          `${(r / raw).toFixed(2)}x raw COPY`,
      );
    }
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
