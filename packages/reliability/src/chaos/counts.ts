// What the database holds, read directly (not through the proxy the services use): the stored sample numbers of
// a phase and the OEE the OEE service stored for the fixed window.
import { Pool } from 'pg';
import { LOAD_ASSET } from './configuration';

export interface StoredSamples {
  /** Distinct sample numbers stored. */
  readonly distinct: Set<number>;
  /** Rows beyond the first for the same sample number (the same sample stored twice, under another time). */
  readonly duplicates: number;
}

export interface OeeFigures {
  readonly availability: number | null;
  readonly performance: number | null;
  readonly quality: number | null;
  readonly oee: number | null;
  readonly plannedBusyTimeS: number;
  readonly totalCount: number;
  readonly goodCount: number;
}

export class ChaosDatabase {
  private readonly pool: Pool;

  constructor(
    connectionString: string,
    private readonly schema: string,
  ) {
    this.pool = new Pool({ connectionString, max: 2, application_name: 'kiln chaos suite' });
    // A dropped idle connection of the suite's own pool must not end the run.
    this.pool.on('error', () => undefined);
  }

  async storedSamples(firstSample: number, sampleCount: number): Promise<StoredSamples> {
    const result = await this.pool.query<{ value: number }>(
      `SELECT t.value FROM ${this.schema}.telemetry t JOIN ${this.schema}.signals g ON g.id = t.signal_id
        WHERE g.asset_id = $1 AND t.value >= $2 AND t.value < $3`,
      [LOAD_ASSET, firstSample, firstSample + sampleCount],
    );
    const distinct = new Set<number>();
    let duplicates = 0;
    for (const row of result.rows) {
      if (distinct.has(row.value)) duplicates += 1;
      else distinct.add(row.value);
    }
    return { distinct, duplicates };
  }

  /** Rows sharing a natural key (signal, time) in the whole telemetry table: the primary key allows none. */
  async naturalKeyDuplicates(): Promise<number> {
    const result = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${this.schema}.telemetry GROUP BY signal_id, time
        HAVING count(*) > 1) d`,
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  async hourOee(assetId: string, windowStartUs: number): Promise<OeeFigures | undefined> {
    const result = await this.pool.query<{
      availability: number | null;
      performance: number | null;
      quality: number | null;
      oee: number | null;
      planned_busy_time_s: number;
      total_count: number;
      good_count: number;
    }>(
      `SELECT availability, performance, quality, oee, planned_busy_time_s, total_count, good_count
         FROM ${this.schema}.oee_results
        WHERE asset_id = $1 AND window_kind = 'HOUR' AND window_start = to_timestamp($2::double precision / 1e6)`,
      [assetId, windowStartUs],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      availability: row.availability,
      performance: row.performance,
      quality: row.quality,
      oee: row.oee,
      plannedBusyTimeS: row.planned_busy_time_s,
      totalCount: row.total_count,
      goodCount: row.good_count,
    };
  }

  async dropSchema(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Equal figures, to the last bit: the same inputs must give the same result. */
export function sameOee(a: OeeFigures, b: OeeFigures): boolean {
  return (
    a.availability === b.availability &&
    a.performance === b.performance &&
    a.quality === b.quality &&
    a.oee === b.oee &&
    a.plannedBusyTimeS === b.plannedBusyTimeS &&
    a.totalCount === b.totalCount &&
    a.goodCount === b.goodCount
  );
}

export function describeOee(figures: OeeFigures | undefined): string {
  if (!figures) return 'none';
  const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(3)}%`);
  return `OEE ${pct(figures.oee)} (A ${pct(figures.availability)} P ${pct(figures.performance)} Q ${pct(
    figures.quality,
  )}, ${figures.totalCount}/${figures.goodCount} parts, PBT ${figures.plannedBusyTimeS} s)`;
}
