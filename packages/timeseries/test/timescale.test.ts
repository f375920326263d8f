// The historian on TimescaleDB, in process (PGlite built with the extension): hypertables, compression,
// retention and continuous aggregates exist, the shared contract holds, and every query answers exactly as
// on plain PostgreSQL for the same data.
import {
  HistorianQueries,
  HistorianWriter,
  migrate,
  PgliteDatabase,
  refreshRollups,
  type Database,
  type PgDatabase,
} from '../src';
import { ASSET, historianContract, STATES } from './historian-contract';
import { dropSchema, HOUR, MINUTE, openPostgres, SECOND, T0, uniqueSchema } from './support';

jest.setTimeout(60_000);

let pglite: PgliteDatabase;
const schema = uniqueSchema('tsdb');
const scratch = uniqueSchema('tsm');

beforeAll(async () => {
  pglite = await PgliteDatabase.create();
}, 120_000);

afterAll(async () => {
  await pglite.close();
});

async function rows<T extends object>(db: Database, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query<T>(sql, params)).rows;
}

describe('migrations on TimescaleDB', () => {
  it('applies every version once and nothing on a second run', async () => {
    expect(await migrate(pglite, { schema: scratch })).toEqual({
      schema: scratch,
      backend: 'timescaledb',
      applied: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
    });
    expect(await migrate(pglite, { schema: scratch })).toEqual({
      schema: scratch,
      backend: 'timescaledb',
      applied: [],
    });
  });

  it('creates hypertables with compression segmented by signal or asset', async () => {
    const hypertables = await rows<{ hypertable_name: string; compression_enabled: boolean }>(
      pglite,
      `SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables
        WHERE hypertable_schema = $1 ORDER BY hypertable_name`,
      [scratch],
    );
    expect(hypertables).toEqual([
      { hypertable_name: 'asset_health', compression_enabled: true },
      { hypertable_name: 'machine_states', compression_enabled: true },
      { hypertable_name: 'production_counts', compression_enabled: true },
      { hypertable_name: 'telemetry', compression_enabled: true },
    ]);
    const segmentBy = await rows<{ hypertable_name: string; attname: string }>(
      pglite,
      `SELECT hypertable_name, attname FROM timescaledb_information.compression_settings
        WHERE hypertable_schema = $1 AND segmentby_column_index IS NOT NULL ORDER BY hypertable_name`,
      [scratch],
    );
    expect(segmentBy).toEqual([
      { hypertable_name: 'asset_health', attname: 'asset_id' },
      { hypertable_name: 'machine_states', attname: 'asset_id' },
      { hypertable_name: 'production_counts', attname: 'asset_id' },
      { hypertable_name: 'telemetry', attname: 'signal_id' },
    ]);
  });

  it('creates the 1-minute and 1-hour continuous aggregates with refresh policies', async () => {
    const caggs = await rows<{ view_name: string; materialized_only: boolean }>(
      pglite,
      `SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates
        WHERE view_schema = $1 ORDER BY view_name`,
      [scratch],
    );
    expect(caggs).toEqual([
      { view_name: 'telemetry_1h', materialized_only: true },
      { view_name: 'telemetry_1m', materialized_only: true },
    ]);
  });

  it('adds retention and compression policies and follows changed settings', async () => {
    const policies = () =>
      rows<{ proc_name: string; hypertable_name: string; after: string }>(
        pglite,
        `SELECT proc_name, hypertable_name, coalesce(config->>'drop_after', config->>'compress_after') AS after
           FROM timescaledb_information.jobs
          WHERE hypertable_schema = $1 AND proc_name IN ('policy_retention', 'policy_compression')
          ORDER BY proc_name, hypertable_name`,
        [scratch],
      );
    const refreshPolicies = await rows(
      pglite,
      `SELECT hypertable_name FROM timescaledb_information.jobs
        WHERE proc_name = 'policy_refresh_continuous_aggregate' AND hypertable_schema = $1`,
      [scratch],
    );
    expect(refreshPolicies).toHaveLength(2);
    expect(await policies()).toEqual([
      { proc_name: 'policy_compression', hypertable_name: 'machine_states', after: '30 days' },
      { proc_name: 'policy_compression', hypertable_name: 'production_counts', after: '30 days' },
      { proc_name: 'policy_compression', hypertable_name: 'telemetry', after: '7 days' },
      { proc_name: 'policy_retention', hypertable_name: 'telemetry', after: '365 days' },
    ]);
    await migrate(pglite, {
      schema: scratch,
      policies: { telemetryRetention: '90 days', eventsCompressAfter: null },
    });
    expect(await policies()).toEqual([
      { proc_name: 'policy_compression', hypertable_name: 'telemetry', after: '7 days' },
      { proc_name: 'policy_retention', hypertable_name: 'telemetry', after: '90 days' },
    ]);
  });
});

describe('historian on TimescaleDB', () => {
  historianContract({ db: () => pglite, schema, backend: 'timescaledb' });

  it('still answers after the telemetry chunks are compressed', async () => {
    const queries = new HistorianQueries(pglite, { schema });
    const id = await new HistorianWriter(pglite, { schema }).signalId(ASSET, 'temperature');
    const before = await queries.rangeQuery({
      signalIds: [id],
      fromUs: T0,
      toUs: T0 + 2 * HOUR,
      bucket: '1h',
    });
    const compressed = await rows(
      pglite,
      `SELECT compress_chunk(c, if_not_compressed => TRUE) FROM show_chunks($1::regclass) c`,
      [`"${schema}".telemetry`],
    );
    expect(compressed.length).toBeGreaterThan(0);
    expect(
      await queries.rangeQuery({ signalIds: [id], fromUs: T0, toUs: T0 + 2 * HOUR, bucket: '1h' }),
    ).toEqual(before);
  });
});

describe('same answers on TimescaleDB and plain PostgreSQL', () => {
  const pgSchema = uniqueSchema('par');
  const tsSchema = uniqueSchema('par');
  let postgres: PgDatabase;

  // Irregular data: three signals, jittered times, values that are not round, out of order.
  function dataset() {
    const points: { signal: string; timeUs: number; value: number }[] = [];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const signal of ['pressure', 'speed', 'current']) {
      for (let i = 0; i < 900; i++) {
        points.push({
          signal,
          timeUs: T0 + i * 7 * SECOND + Math.floor(random() * 1_000_000),
          value: random() * 100 - 20,
        });
      }
    }
    return points.sort(() => random() - 0.5);
  }

  async function load(db: Database, schemaName: string) {
    await migrate(db, { schema: schemaName });
    const writer = new HistorianWriter(db, { schema: schemaName, maxRowsPerStatement: 500 });
    await writer.writeNamedTelemetry(
      dataset().map((p) => ({
        signal: { assetId: ASSET, name: p.signal, unit: 'bar', dataType: 'number' as const },
        timeUs: p.timeUs,
        value: p.value,
        valueText: null,
        quality: 1,
      })),
    );
    await writer.writeStates(STATES);
    await refreshRollups(db, { schema: schemaName, fromUs: T0, toUs: T0 + 2 * HOUR });
    return { writer, queries: new HistorianQueries(db, { schema: schemaName }) };
  }

  let answers: Record<'pg' | 'ts', unknown[]>;

  beforeAll(async () => {
    postgres = openPostgres();
    const collect = async (db: Database, schemaName: string) => {
      const { queries } = await load(db, schemaName);
      const signals = [
        ...(
          await queries.signalIds(['pressure', 'speed', 'current'].map((name) => ({ assetId: ASSET, name })))
        ).values(),
      ];
      const out: unknown[] = [];
      for (const bucket of ['30s', '1m', '7m', '1h', '1d']) {
        out.push(
          await queries.rangeQuery({
            signalIds: signals,
            fromUs: T0 + 13 * SECOND,
            toUs: T0 + 97 * MINUTE,
            bucket,
          }),
        );
      }
      for (const bucket of ['1m', '10m', '1h']) {
        out.push(
          await queries.rangeQuery({
            signalIds: signals,
            fromUs: T0,
            toUs: T0 + 2 * HOUR,
            bucket,
            source: 'rollup',
          }),
        );
      }
      out.push(await queries.lastValues(signals));
      out.push(await queries.stateTimeline(ASSET, T0 + 450 * SECOND, T0 + 90 * MINUTE));
      return out;
    };
    answers = { pg: await collect(postgres, pgSchema), ts: await collect(pglite, tsSchema) };
  }, 120_000);

  afterAll(async () => {
    await dropSchema(postgres, pgSchema);
    await postgres.close();
  });

  it('gives bucketed aggregates, rollups, last values and timelines equal to within float rounding', () => {
    expect(answers.ts).toHaveLength(answers.pg.length);
    // Sums of non-round doubles may be added in another order: compare at 1e-9 relative precision.
    const round = (value: unknown): unknown =>
      typeof value === 'number'
        ? Number(value.toPrecision(10))
        : Array.isArray(value)
          ? value.map(round)
          : value !== null && typeof value === 'object'
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, round(v)]))
            : value;
    expect(round(answers.ts)).toEqual(round(answers.pg));
    expect((answers.pg[0] as unknown[]).length).toBeGreaterThan(100);
  });
});
