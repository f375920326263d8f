// Keeps the 1-minute and 1-hour telemetry rollups in step with late data (docs/architecture.md section 5). Recomputing the
// buckets after every batch would re-aggregate the same hour hundreds of times, so each batch only notes the
// range it wrote, durably, in `<schema>.rollup_refresh_pending` (a crash loses no range), and a timer refreshes
// the merged ranges every few seconds.
import type { Logger } from '@kiln/service-kit';
import {
  epochUsOf,
  refreshRollups,
  timestampParam,
  type Database,
  type StorageBackend,
} from '@kiln/timeseries';

export interface TimeRange {
  readonly fromUs: number;
  readonly toUs: number;
}

const HOUR_US = 3_600_000_000;
const DAY_US = 24 * HOUR_US;
/**
 * On TimescaleDB the continuous-aggregate policies recompute the last 30 days themselves (timeseries migration
 * 003); only data older than that, with a day of margin, needs an explicit refresh.
 */
const TIMESCALE_POLICY_REACH_US = 29 * DAY_US;

/**
 * Ranges noted this close together are refreshed as one: re-aggregating the hour between them costs less than a
 * refresh statement of its own.
 */
const REFRESH_JOIN_GAP_US = HOUR_US;

/**
 * Sorted, overlapping or close (within `gapUs`) ranges joined, so one refresh covers each cluster. Unlike the OEE
 * engine's mergeOverlappingRanges (@kiln/oee-store), it also joins ranges that are apart: the gap between them is
 * refreshed too, which only costs time.
 */
export function mergeNearbyRanges(ranges: readonly TimeRange[], gapUs: number): TimeRange[] {
  const sorted = [...ranges].sort((a, b) => a.fromUs - b.fromUs);
  const merged: TimeRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.fromUs <= last.toUs + gapUs) {
      merged[merged.length - 1] = { fromUs: last.fromUs, toUs: Math.max(last.toUs, range.toUs) };
    } else {
      merged.push(range);
    }
  }
  return merged;
}

export interface RollupRefresherOptions {
  readonly db: Database;
  readonly schema: string;
  readonly backend: StorageBackend;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly now?: () => number;
  readonly onRefreshed?: (ranges: number, durationMs: number) => void;
}

export class RollupRefresher {
  private readonly table: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: RollupRefresherOptions) {
    this.table = `"${options.schema}".rollup_refresh_pending`;
  }

  async ensureTable(): Promise<void> {
    await this.options.db.execute(`CREATE TABLE IF NOT EXISTS ${this.table} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      from_time timestamptz NOT NULL,
      to_time timestamptz NOT NULL,
      noted_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  /** Whether rows written over this range leave rollups that only an explicit refresh corrects. */
  needsRefresh(range: TimeRange): boolean {
    if (this.options.backend === 'postgres') return true;
    const nowUs = (this.options.now?.() ?? Date.now()) * 1000;
    return range.fromUs < nowUs - TIMESCALE_POLICY_REACH_US;
  }

  /** Records a written range for the next refresh; durable when it resolves. */
  async note(range: TimeRange): Promise<void> {
    if (!this.needsRefresh(range)) return;
    await this.options.db.query(
      `INSERT INTO ${this.table} (from_time, to_time) VALUES ($1::timestamptz, $2::timestamptz)`,
      [timestampParam(range.fromUs), timestampParam(range.toUs)],
    );
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.refreshPending()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.options.logger.warn({ err: error }, 'rollup refresh failed; the ranges stay pending'),
        )
        .finally(() => {
          this.running = undefined;
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Refreshes every pending range; returns how many merged ranges were refreshed. */
  async refreshPending(): Promise<number> {
    const { db, schema, backend } = this.options;
    const { rows } = await db.query<{ id: string; from_us: number; to_us: number }>(
      `SELECT id::text AS id, ${epochUsOf('from_time')} AS from_us, ${epochUsOf('to_time')} AS to_us
         FROM ${this.table} ORDER BY id LIMIT 10000`,
    );
    if (rows.length === 0) return 0;
    const started = Date.now();
    const ranges = mergeNearbyRanges(
      rows.map((row) => ({ fromUs: Number(row.from_us), toUs: Number(row.to_us) })),
      REFRESH_JOIN_GAP_US,
    );
    for (const range of ranges) await refreshRollups(db, { schema, backend, ...range });
    // Only the rows read: a range noted meanwhile waits for the next round.
    await db.query(`DELETE FROM ${this.table} WHERE id = ANY($1::bigint[])`, [rows.map((row) => row.id)]);
    this.options.onRefreshed?.(ranges.length, Date.now() - started);
    return ranges.length;
  }
}
