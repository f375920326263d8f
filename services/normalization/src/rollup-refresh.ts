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
 * A closed minute is refreshed once no range touching it was noted for this long: normalization behind the wall
 * clock (a backlog in Kafka, past the maximum or after an outage) writes minutes that closed long ago, and each
 * would be re-read from its raw rows at every run while it fills. Live data is quiet in its closed minutes by then.
 */
export const DEFAULT_QUIET_MS = 5_000;

/** The longest a closed minute still being written waits for its refresh (a source whose clock is stuck). */
export const DEFAULT_MAX_DEFER_MS = 300_000;

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

/** The whole minutes a range touches. */
export function minutesOf(range: TimeRange): TimeRange {
  return {
    fromUs: Math.floor(range.fromUs / MINUTE_US) * MINUTE_US,
    toUs: (Math.floor(range.toUs / MINUTE_US) + 1) * MINUTE_US - 1,
  };
}

/** The parts of `range` outside and inside `busy` (sorted, not overlapping). */
export function splitByBusy(
  range: TimeRange,
  busy: readonly TimeRange[],
): { outside: TimeRange[]; inside: TimeRange[] } {
  const outside: TimeRange[] = [];
  const inside: TimeRange[] = [];
  let fromUs = range.fromUs;
  for (const one of busy) {
    if (one.toUs < fromUs) continue;
    if (one.fromUs > range.toUs) break;
    if (one.fromUs > fromUs) outside.push({ fromUs, toUs: one.fromUs - 1 });
    inside.push({ fromUs: Math.max(fromUs, one.fromUs), toUs: Math.min(range.toUs, one.toUs) });
    fromUs = one.toUs + 1;
    if (fromUs > range.toUs) break;
  }
  if (fromUs <= range.toUs) outside.push({ fromUs, toUs: range.toUs });
  return { outside, inside };
}

/**
 * What a run does with one pending range: the part to refresh now, and what stays pending, the part in a minute
 * still open and the part in a closed minute still being written (`busy`, whole minutes) unless it has waited
 * `maxDeferUs` since it was noted.
 */
export function planRange(
  range: TimeRange & { readonly notedUs: number },
  closedEndUs: number,
  busy: readonly TimeRange[],
  deferredSinceUs: number,
): { now: TimeRange[]; keep: TimeRange[] } {
  const { closed, open } = splitAtClosed(range, closedEndUs);
  const keep = open === undefined ? [] : [open];
  if (closed === undefined) return { now: [], keep };
  if (range.notedUs <= deferredSinceUs) return { now: [closed], keep };
  const { outside, inside } = splitByBusy(closed, busy);
  return { now: outside, keep: [...inside, ...keep] };
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
  /** How long a minute must go unwritten before its refresh (default DEFAULT_QUIET_MS). */
  readonly quietMs?: number;
  /** The longest a minute still being written waits (default DEFAULT_MAX_DEFER_MS). */
  readonly maxDeferMs?: number;
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
    return range.fromUs < this.nowUs() - TIMESCALE_POLICY_REACH_US;
  }

  /** Records a written range for the next refresh; durable when it resolves. */
  async note(range: TimeRange): Promise<void> {
    if (!this.needsRefresh(range)) return;
    // Noted by this process's clock, the one the refresh compares with (and a test's own).
    await this.options.db.query(
      `INSERT INTO ${this.table} (from_time, to_time, noted_at)
       VALUES ($1::timestamptz, $2::timestamptz, $3::timestamptz)`,
      [timestampParam(range.fromUs), timestampParam(range.toUs), timestampParam(this.nowUs())],
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
   * Refreshes every pending range as far as its minutes have closed and are no longer written; the part in a
   * minute still open, or still written (noted within the quiet time, for at most the longest deferral), stays
   * pending for a later run. Returns how many merged ranges were refreshed.
   */
  async refreshPending(): Promise<number> {
    const { db } = this.options;
    const nowUs = this.nowUs();
    const closedEndUs = closedMinutesEndUs(
      nowUs,
      (this.options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS) * 1000,
    );
    const { rows } = await db.query<{ id: string; from_us: number; to_us: number; noted_us: number }>(
      `SELECT id::text AS id, ${epochUsOf('from_time')} AS from_us, ${epochUsOf('to_time')} AS to_us,
              ${epochUsOf('noted_at')} AS noted_us
         FROM ${this.table} WHERE from_time < $1::timestamptz ORDER BY id LIMIT 10000`,
      [timestampParam(closedEndUs)],
    );
    if (rows.length === 0) return 0;
    const started = Date.now();
    // A note from the future (another instance's clock ahead) counts as noted now and is stored so: left as it
    // was, it would look just written at every run and hold its minutes for ever.
    const pending = rows.map((row) => ({
      id: row.id,
      fromUs: Number(row.from_us),
      toUs: Number(row.to_us),
      notedUs: Math.min(Number(row.noted_us), nowUs),
      ahead: Number(row.noted_us) > nowUs,
    }));
    const quietSinceUs = nowUs - (this.options.quietMs ?? DEFAULT_QUIET_MS) * 1000;
    const busy = mergeNearbyRanges(pending.filter((one) => one.notedUs > quietSinceUs).map(minutesOf), 1);
    const deferredSinceUs = nowUs - (this.options.maxDeferMs ?? DEFAULT_MAX_DEFER_MS) * 1000;
    const plans = pending.map((one) => ({
      row: one,
      ...planRange(one, closedEndUs, busy, deferredSinceUs),
    }));
    // A row left whole stays as it is: during a backlog most rows wait, and are not rewritten at every run.
    const changed = plans.filter(
      ({ row, now, keep }) =>
        row.ahead ||
        now.length > 0 ||
        keep.length !== 1 ||
        keep[0]?.fromUs !== row.fromUs ||
        keep[0]?.toUs !== row.toUs,
    );
    if (changed.length === 0) {
      this.options.onRefreshed?.(0, Date.now() - started);
      return 0;
    }
    const ranges = mergeNearbyRanges(
      changed.flatMap(({ now }) => now),
      REFRESH_JOIN_GAP_US,
    );
    const failed = await this.refreshEach(ranges);
    // What stays keeps the time it was noted (the longest deferral counts from there); a range that failed is
    // noted anew: it is retried once the quiet time has passed.
    const kept = [
      ...changed.flatMap(({ row, keep }) => keep.map((range) => ({ ...range, notedUs: row.notedUs }))),
      ...failed.map((range) => ({ ...range, notedUs: nowUs })),
    ];
    // Only the rows read: a range noted meanwhile waits for the next round. The rest of a row is noted again in
    // the same transaction, so a crash in between loses nothing.
    await db.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${this.table} WHERE id = ANY($1::bigint[])`, [
        changed.map(({ row }) => row.id),
      ]);
      if (kept.length > 0) {
        await tx.query(
          `INSERT INTO ${this.table} (from_time, to_time, noted_at)
           SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::timestamptz[])`,
          [
            kept.map((range) => timestampParam(range.fromUs)),
            kept.map((range) => timestampParam(range.toUs)),
            kept.map((range) => timestampParam(range.notedUs)),
          ],
        );
      }
    });
    this.options.onRefreshed?.(ranges.length, Date.now() - started);
    return ranges.length - failed.length;
  }

  private nowUs(): number {
    return (this.options.now?.() ?? Date.now()) * 1000;
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
