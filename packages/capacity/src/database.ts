// What the bench reads from PostgreSQL: the run's scratch schema, rows inserted into its telemetry table (the
// statistics collector's counter, cheap at any size) and the probe samples as they become visible.
import { Client } from 'pg';
import { PROBE_ASSET_ID } from './plant';

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function createSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (client) => client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`));
}

/** Drops the schema and those the migrations made beside it (`<schema>_analytics`). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  await withClient(url, async (client) => {
    const result = await client.query<{ name: string }>(
      `SELECT nspname AS name FROM pg_namespace WHERE nspname = $1 OR starts_with(nspname, $1 || '_')`,
      [schema],
    );
    for (const { name } of result.rows)
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(name)} CASCADE`);
  });
}

/**
 * Rows inserted into <schema>.telemetry and, where it is a hypertable, its chunks (children in pg_inherits).
 * Conflicting rows of an insert-on-conflict are not counted. The counter is flushed by each backend about once
 * a second, so a window of many seconds reads it well.
 */
export async function insertedTelemetryRows(client: Client, schema: string): Promise<number> {
  const result = await client.query<{ rows: string | null }>(
    `SELECT sum(n_tup_ins)::text AS rows FROM pg_stat_user_tables
      WHERE relid = to_regclass($1)
         OR relid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass($1))`,
    [`${quoteIdentifier(schema)}.telemetry`],
  );
  return Number(result.rows[0]?.rows ?? 0);
}

/**
 * Ranges written that normalization's rollup refresh has not yet recomputed (<schema>.rollup_refresh_pending,
 * plain PostgreSQL); 0 once the rollups have caught up with every row stored.
 */
export async function pendingRollupRanges(client: Client, schema: string): Promise<number> {
  const result = await client.query<{ pending: string }>(
    `SELECT count(*)::text AS pending FROM ${quoteIdentifier(schema)}.rollup_refresh_pending`,
  );
  return Number(result.rows[0]?.pending ?? 0);
}

export async function probeSignalIds(client: Client, schema: string): Promise<number[]> {
  const result = await client.query<{ id: number }>(
    `SELECT id FROM ${quoteIdentifier(schema)}.signals WHERE asset_id = $1`,
    [PROBE_ASSET_ID],
  );
  return result.rows.map((row) => row.id);
}

export interface ProbeSighting {
  /** The probe's sample time and when the poller first saw its row, epoch ms. */
  readonly sampleMs: number;
  readonly visibleMs: number;
}

// LATERAL with a LIMIT: one index range scan per probe signal. As a plain join the planner, which knows neither
// how many ids come nor (the table is not analyzed yet) how few rows each has, hashes the ids and scans the whole
// table: seconds per poll at tens of millions of rows, a PostgreSQL core gone to the bench.
/** Probe rows newer than a time per signal ($1 signal ids, $2 epoch us after which each one's rows are read). */
export function probeRowsSql(schema: string): string {
  return `SELECT probe.id, (extract(epoch FROM t.time) * 1000000)::bigint::text AS us
            FROM unnest($1::int4[], $2::int8[]) AS probe(id, after_us)
           CROSS JOIN LATERAL (
                 SELECT time FROM ${quoteIdentifier(schema)}.telemetry
                  WHERE signal_id = probe.id AND time > TIMESTAMPTZ 'epoch' + probe.after_us * INTERVAL '1 microsecond'
                  LIMIT 100000) AS t`;
}

/**
 * Finds probe rows as they become visible: each new row is one latency sample (visible - sample time).
 * Every `intervalMs` it reads, per probe signal, the rows newer than the newest seen of that signal (one probe
 * signal comes from one source, so its rows become visible in order). Rows of different signals do not: they travel
 * in different partitions, and a cursor over all of them would pass over a late one, the very samples p99 is
 * about. Once a second it also reads back over the last SWEEP_S seconds and takes what it missed (a late row of one
 * signal, behind a later one of the same signal from a request handled first), seen at that moment: if anything, later
 * than it became visible, never earlier.
 */
export class ProbePoller {
  private readonly sightings: ProbeSighting[] = [];
  /** Probe signal id -> newest sample time seen (epoch us). */
  private readonly newest = new Map<number, number>();
  /** `<signal id>:<sample us>` of every sighting still within the sweep's reach. */
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly client: Client,
    private readonly schema: string,
    private readonly probeIds: readonly number[],
    private readonly intervalMs = 20,
  ) {}

  start(): void {
    const nowUs = Date.now() * 1000;
    for (const id of this.probeIds) this.newest.set(id, nowUs);
    this.timer = setInterval(() => void this.poll(false), this.intervalMs);
    this.sweeper = setInterval(() => void this.poll(true), SWEEP_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.sweeper);
  }

  /** Sightings of probes whose sample time lies in [fromMs, toMs). */
  between(fromMs: number, toMs: number): ProbeSighting[] {
    return this.sightings.filter((one) => one.sampleMs >= fromMs && one.sampleMs < toMs);
  }

  private async poll(sweep: boolean): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const ids = [...this.newest.keys()];
      const sweepFromUs = (Date.now() - SWEEP_S * 1000) * 1000;
      const after = sweep ? ids.map(() => sweepFromUs) : ids.map((id) => this.newest.get(id) ?? 0);
      const result = await this.client.query<{ id: number; us: string }>(probeRowsSql(this.schema), [
        ids,
        after,
      ]);
      const visibleMs = Date.now();
      for (const row of result.rows) {
        const us = Number(row.us);
        const key = `${row.id}:${us}`;
        if (us > (this.newest.get(row.id) ?? 0)) this.newest.set(row.id, us);
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        this.sightings.push({ sampleMs: us / 1000, visibleMs });
      }
      if (sweep) this.forgetBefore(sweepFromUs - SWEEP_S * 1_000_000);
    } catch {
      /* the next poll tries again */
    } finally {
      this.busy = false;
    }
  }

  private forgetBefore(us: number): void {
    for (const key of this.seen) {
      if (Number(key.slice(key.indexOf(':') + 1)) < us) this.seen.delete(key);
    }
  }
}

/** How far back the once-a-second sweep of ProbePoller reads. */
const SWEEP_S = 10;
const SWEEP_EVERY_MS = 1000;

/** Ids of the given (asset, signal) pairs. */
export async function signalIds(
  client: Client,
  schema: string,
  pairs: ReadonlyArray<{ assetId: string; name: string }>,
): Promise<number[]> {
  const result = await client.query<{ id: number }>(
    `SELECT s.id FROM ${quoteIdentifier(schema)}.signals s
       JOIN unnest($1::text[], $2::text[]) AS p(asset_id, name) USING (asset_id, name)`,
    [pairs.map((pair) => pair.assetId), pairs.map((pair) => pair.name)],
  );
  return result.rows.map((row) => row.id);
}

/** Rows of the signals whose sample time lies in [fromMs, toMs): one index range per signal, cheap. */
export async function rowsInWindow(
  client: Client,
  schema: string,
  ids: readonly number[],
  fromMs: number,
  toMs: number,
): Promise<number> {
  const result = await client.query<{ rows: string }>(
    `SELECT count(*)::text AS rows FROM ${quoteIdentifier(schema)}.telemetry
      WHERE signal_id = ANY($1) AND time >= to_timestamp($2::double precision / 1000)
        AND time < to_timestamp($3::double precision / 1000)`,
    [ids, fromMs, toMs],
  );
  return Number(result.rows[0]?.rows ?? 0);
}
