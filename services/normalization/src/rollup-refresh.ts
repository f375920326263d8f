// Keeps the 1-minute and 1-hour telemetry rollups in step with late data (docs/architecture.md section 5). Recomputing the
// buckets after every batch would re-aggregate the same minutes hundreds of times, so each batch only notes the
// range it wrote, durably, in `<schema>.rollup_refresh_pending` (a crash loses no range), and a timer refreshes
// the noted ranges every few seconds. The cost of a run follows the minutes written since the last one: a range is
// refreshed only once its minutes have closed (the open minute would otherwise be re-aggregated every run), and
// ranges are joined only across a gap of a minute, so a run never re-reads an hour of raw rows.
import { isoFromMicros } from '@kiln/contracts';
import type { Logger } from '@kiln/service-kit';
import {
  epochUsOf,
  refreshRollupRanges,
  timestampParam,
  type Database,
  type StorageBackend,
} from '@kiln/timeseries';

export interface TimeRange {
  readonly fromUs: number;
  readonly toUs: number;
}

const MINUTE_US = 60_000_000;
const HOUR_US = 60 * MINUTE_US;
const DAY_US = 24 * HOUR_US;
/**
 * On TimescaleDB the continuous-aggregate policies recompute the last 30 days themselves (timeseries migration
 * 003); only data older than that, with a day of margin, needs an explicit refresh.
 */
const TIMESCALE_POLICY_REACH_US = 29 * DAY_US;

/**
 * Ranges noted this close together are refreshed as one: re-aggregating one minute between them costs less than
 * statements of their own. Wider gaps are not joined: the gap may hold an hour of raw rows nobody changed.
 */
export const REFRESH_JOIN_GAP_US = MINUTE_US;

/**
 * A minute counts as closed this long after its end: samples of the minute still arriving from the sources (their
 * latency is well under a second) land before its one refresh. Later ones note the minute again.
 */
export const DEFAULT_CLOSE_GRACE_MS = 10_000;

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

/**
 * Where the closed minutes end (exclusive) at `nowUs`: a sample before it lies in a minute that ended at least
 * `graceUs` ago.
 */
export function closedMinutesEndUs(nowUs: number, graceUs: number): number {
  return Math.floor((nowUs - graceUs) / MINUTE_US) * MINUTE_US;
}

/** A pending range split at `closedEndUs`: the part to refresh now and the part that waits for its minutes to close. */
export function splitAtClosed(
  range: TimeRange,
  closedEndUs: number,
): { closed: TimeRange | undefined; open: TimeRange | undefined } {
  return {
    closed:
      range.fromUs < closedEndUs
        ? { fromUs: range.fromUs, toUs: Math.min(range.toUs, closedEndUs - 1) }
        : undefined,
    open:
      range.toUs >= closedEndUs
        ? { fromUs: Math.max(range.fromUs, closedEndUs), toUs: range.toUs }
        : undefined,
  };
}

/** A range of two or more minutes cut at a minute boundary near its middle; undefined for one within a minute. */
export function splitAtMinute(range: TimeRange): [TimeRange, TimeRange] | undefined {
  const firstMinute = Math.floor(range.fromUs / MINUTE_US);
  const lastMinute = Math.floor(range.toUs / MINUTE_US);
  if (lastMinute <= firstMinute) return undefined;
  const cutUs = (firstMinute + Math.ceil((lastMinute - firstMinute + 1) / 2)) * MINUTE_US;
  return [
    { fromUs: range.fromUs, toUs: cutUs - 1 },
    { fromUs: cutUs, toUs: range.toUs },
  ];
}

/** A PostgreSQL error about the data (SQLSTATE class 22, e.g. 22003 value out of range): retrying cannot help. */
function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

export interface RollupRefresherOptions {
  readonly db: Database;
  readonly schema: string;
  readonly backend: StorageBackend;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** Wall clock in epoch milliseconds; tests pass their own. */
  readonly now?: () => number;
  /** How long after its end a minute is refreshed (default DEFAULT_CLOSE_GRACE_MS). */
  readonly closeGraceMs?: number;
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

  /**
   * Refreshes every pending range as far as its minutes have closed; the part in a minute still open stays
   * pending for a later run. Returns how many merged ranges were refreshed.
   */
  async refreshPending(): Promise<number> {
    const { db } = this.options;
    const nowUs = (this.options.now?.() ?? Date.now()) * 1000;
    const closedEndUs = closedMinutesEndUs(
      nowUs,
      (this.options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS) * 1000,
    );
    const { rows } = await db.query<{ id: string; from_us: number; to_us: number }>(
      `SELECT id::text AS id, ${epochUsOf('from_time')} AS from_us, ${epochUsOf('to_time')} AS to_us
         FROM ${this.table} WHERE from_time < $1::timestamptz ORDER BY id LIMIT 10000`,
      [timestampParam(closedEndUs)],
    );
    if (rows.length === 0) return 0;
    const started = Date.now();
    const parts = rows.map((row) =>
      splitAtClosed({ fromUs: Number(row.from_us), toUs: Number(row.to_us) }, closedEndUs),
    );
    const ranges = mergeNearbyRanges(
      parts.flatMap(({ closed }) => (closed === undefined ? [] : [closed])),
      REFRESH_JOIN_GAP_US,
    );
    const failed = await this.refreshEach(ranges);
    const open = [
      ...parts.flatMap(({ open: part }) => (part === undefined ? [] : [part])),
      // A range that cannot be rolled up stays pending: retried every run, without holding the others back.
      ...failed,
    ];
    // Only the rows read: a range noted meanwhile waits for the next round. The open rest of a row is noted again
    // in the same transaction, so a crash in between loses nothing.
    await db.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${this.table} WHERE id = ANY($1::bigint[])`, [rows.map((row) => row.id)]);
      if (open.length > 0) {
        await tx.query(
          `INSERT INTO ${this.table} (from_time, to_time)
           SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[])`,
          [
            open.map((range) => timestampParam(range.fromUs)),
            open.map((range) => timestampParam(range.toUs)),
          ],
        );
      }
    });
    this.options.onRefreshed?.(ranges.length, Date.now() - started);
    return ranges.length - failed.length;
  }

  /**
   * Refreshes the ranges in one transaction. Where PostgreSQL refuses the data itself (SQLSTATE class 22: a minute
   * whose float8 sum overflows), the ranges are refreshed again in halves, down to single minutes, so that the one
   * minute it cannot aggregate does not stop the rollups of every other: at a steady rate the written minutes join
   * into one range, and retrying it whole would fail for ever. Returns the minutes that failed alone. Any other
   * failure (a connection lost) is thrown: everything stays pending for the next run.
   */
  private async refreshEach(ranges: readonly TimeRange[]): Promise<TimeRange[]> {
    try {
      await this.refresh(ranges);
      return [];
    } catch (error) {
      if (!isDataException(error)) throw error;
    }
    const failed: TimeRange[] = [];
    for (const range of ranges) failed.push(...(await this.refreshIsolating(range)));
    return failed;
  }

  private async refreshIsolating(range: TimeRange): Promise<TimeRange[]> {
    try {
      await this.refresh([range]);
      return [];
    } catch (error) {
      if (!isDataException(error)) throw error;
      const halves = splitAtMinute(range);
      if (halves === undefined) {
        this.logFailed(range, error);
        return [range];
      }
      return [...(await this.refreshIsolating(halves[0])), ...(await this.refreshIsolating(halves[1]))];
    }
  }

  private async refresh(ranges: readonly TimeRange[]): Promise<void> {
    const { db, schema, backend } = this.options;
    await refreshRollupRanges(db, { schema, backend, ranges });
  }

  private logFailed(range: TimeRange, error: unknown): void {
    this.options.logger.warn(
      { err: error, from: isoFromMicros(range.fromUs), to: isoFromMicros(range.toUs) },
      'the rollups of this minute cannot be computed from its rows; it stays pending, the other minutes went on',
    );
  }
}
