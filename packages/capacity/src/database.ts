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

/** Polls the newest probe rows every `intervalMs`: each new row is one latency sample (visible - sample time). */
export class ProbePoller {
  private readonly sightings: ProbeSighting[] = [];
  private lastUs = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly client: Client,
    private readonly schema: string,
    private readonly probeIds: readonly number[],
    private readonly intervalMs = 20,
  ) {}

  start(): void {
    this.lastUs = Date.now() * 1000;
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Sightings of probes whose sample time lies in [fromMs, toMs). */
  between(fromMs: number, toMs: number): ProbeSighting[] {
    return this.sightings.filter((one) => one.sampleMs >= fromMs && one.sampleMs < toMs);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const result = await this.client.query<{ us: string }>(
        `SELECT (extract(epoch FROM time) * 1000000)::bigint::text AS us FROM ${quoteIdentifier(this.schema)}.telemetry
          WHERE signal_id = ANY($1) AND time > to_timestamp($2::double precision / 1000000) ORDER BY time`,
        [this.probeIds, this.lastUs],
      );
      const visibleMs = Date.now();
      for (const row of result.rows) {
        const us = Number(row.us);
        this.lastUs = Math.max(this.lastUs, us);
        this.sightings.push({ sampleMs: us / 1000, visibleMs });
      }
    } catch {
      /* the next poll tries again */
    } finally {
      this.busy = false;
    }
  }
}

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
