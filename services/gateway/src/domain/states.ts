// Machine states of an asset: the timeline over a range, the stops in it (each with a stable id: the asset and the
// stop's start), and an operator's reason for a stop, published as a StopReasonAssignment on
// kiln.machine-state.v1 so that the historian and the OEE service re-classify that interval (docs/architecture.md section 6).
import type { EventBus } from '@kiln/bus';
import { encodeEvent, eventTopics, machineStateFromJSON, MachineState } from '@kiln/contracts';
import { timestampParam as isoMicros, type Database } from '@kiln/timeseries';
import { authorizeAsset, type Principal } from '../auth/principal';
import { invalidArgument, notFound } from '../errors';
import type { AssetQueries } from './assets';
import { actorOf, siteOfChange, type AuditTrail } from './audit';
import { decodeCursor, pageOf, pageSizeOf, type Page, type PageRequest } from './paging';
import type { TimeRangeUs } from './range';

export interface StateInterval {
  readonly state: string;
  readonly reasonCode: string;
  readonly reasonText: string;
  /** The real start of the state (it may begin before the range asked for). */
  readonly startUs: number;
  /** The next change, or absent while the state lasts. */
  readonly endUs?: number;
  readonly assignedBy?: string;
}

export interface Stop extends StateInterval {
  readonly stopId: string;
  readonly assetId: string;
}

export interface StopReason {
  readonly reasonCode: string;
  readonly reasonText: string;
  /** Re-classifies the stop as this state (e.g. an UNKNOWN_STOP that was a BREAKDOWN). */
  readonly state?: string;
}

export const stopIdOf = (assetId: string, startUs: number): string => `${assetId}@${startUs}`;

export function parseStopId(stopId: string): { assetId: string; startUs: number } {
  const at = stopId.lastIndexOf('@');
  const startUs = Number(stopId.slice(at + 1));
  if (at <= 0 || !Number.isSafeInteger(startUs)) {
    throw invalidArgument(
      'stopId',
      'is not a stop id of this API (<asset id>@<start in epoch microseconds>)',
    );
  }
  return { assetId: stopId.slice(0, at), startUs };
}

interface IntervalRow {
  state: string;
  reason_code: string;
  reason_text: string;
  start_us: string;
  end_us: string | null;
  assigned_by: string | null;
}

export class StateQueries {
  private readonly table: string;

  constructor(
    private readonly db: Database,
    schema: string,
    private readonly assets: AssetQueries,
    private readonly bus: EventBus,
    private readonly audit: AuditTrail,
    private readonly now: () => number = Date.now,
  ) {
    this.table = `"${schema}".machine_states`;
  }

  /** The state in force at `from` and every change before `to`, in time order, paged. */
  async timeline(
    principal: Principal,
    assetId: string,
    range: TimeRangeUs,
    page: PageRequest,
    filter: { stopsOnly?: boolean; withoutReasonOnly?: boolean } = {},
  ): Promise<Page<StateInterval>> {
    authorizeAsset(principal, assetId, 'reader');
    await this.assets.require(principal, assetId);
    const size = pageSizeOf(page);
    const after = decodeCursor(page.cursor);
    const afterUs = after === undefined ? undefined : Number(after);
    if (afterUs !== undefined && !Number.isSafeInteger(afterUs))
      throw invalidArgument('cursor', 'is not a cursor of this list');
    const { rows } = await this.db.query<IntervalRow>(
      `WITH changes AS (
         (SELECT time, state, reason_code, reason_text, assigned_by FROM ${this.table}
           WHERE asset_id = $1 AND time <= $2::timestamptz ORDER BY time DESC LIMIT 1)
         UNION ALL
         (SELECT time, state, reason_code, reason_text, assigned_by FROM ${this.table}
           WHERE asset_id = $1 AND time > $2::timestamptz AND time < $3::timestamptz)
       ), intervals AS (
         SELECT *, lead(time) OVER (ORDER BY time) AS next_time FROM changes
       ), ended AS (
         SELECT i.*, coalesce(i.next_time, (SELECT min(m.time) FROM ${this.table} m
                                             WHERE m.asset_id = $1 AND m.time >= $3::timestamptz)) AS end_time
           FROM intervals i
       )
       SELECT state, reason_code, reason_text, assigned_by,
              (extract(epoch FROM time) * 1000000)::bigint::text AS start_us,
              (extract(epoch FROM end_time) * 1000000)::bigint::text AS end_us
         FROM ended
        WHERE ($4::text IS NULL OR time > $4::timestamptz)
          ${filter.stopsOnly === true ? `AND state <> 'RUNNING'` : ''}
          ${filter.withoutReasonOnly === true ? `AND reason_code = ''` : ''}
        ORDER BY time
        LIMIT $5`,
      [
        assetId,
        isoMicros(range.fromUs),
        isoMicros(range.toUs),
        afterUs === undefined ? null : isoMicros(afterUs),
        size + 1,
      ],
    );
    const intervals = rows.map((row): StateInterval => ({
      state: row.state,
      reasonCode: row.reason_code,
      reasonText: row.reason_text,
      startUs: Number(row.start_us),
      ...(row.end_us === null ? {} : { endUs: Number(row.end_us) }),
      ...(row.assigned_by === null ? {} : { assignedBy: row.assigned_by }),
    }));
    return pageOf(intervals, size, (interval) => String(interval.startUs));
  }

  async stops(
    principal: Principal,
    assetId: string,
    range: TimeRangeUs,
    page: PageRequest,
    filter: { withoutReasonOnly?: boolean } = {},
  ): Promise<Page<Stop>> {
    const timeline = await this.timeline(principal, assetId, range, page, { ...filter, stopsOnly: true });
    return {
      ...timeline,
      items: timeline.items.map((interval) => ({
        ...interval,
        assetId,
        stopId: stopIdOf(assetId, interval.startUs),
      })),
    };
  }

  /** Publishes the reason for a stored stop; the historian and the OEE service apply it. */
  async setReason(principal: Principal, stopId: string, reason: StopReason): Promise<Stop> {
    const { assetId, startUs } = parseStopId(stopId);
    authorizeAsset(principal, assetId, 'operator');
    let state: MachineState | undefined;
    try {
      state = reason.state === undefined ? undefined : machineStateFromJSON(`MACHINE_STATE_${reason.state}`);
    } catch {
      throw invalidArgument('state', `"${reason.state ?? ''}" is not a canonical machine state`);
    }
    if (state === MachineState.MACHINE_STATE_RUNNING || state === MachineState.MACHINE_STATE_UNSPECIFIED) {
      throw invalidArgument('state', `a stop cannot be re-classified as ${reason.state ?? ''}`);
    }
    const { rows } = await this.db.query<IntervalRow>(
      `SELECT state, reason_code, reason_text, assigned_by,
              (extract(epoch FROM time) * 1000000)::bigint::text AS start_us,
              (SELECT (extract(epoch FROM min(n.time)) * 1000000)::bigint::text FROM ${this.table} n
                WHERE n.asset_id = m.asset_id AND n.time > m.time) AS end_us
         FROM ${this.table} m WHERE asset_id = $1 AND time = $2::timestamptz`,
      [assetId, isoMicros(startUs)],
    );
    const row = rows[0];
    if (row === undefined || Number(row.start_us) !== startUs || row.state === 'RUNNING') {
      throw notFound(`no stop ${stopId}`);
    }
    const assignedTimeUs = this.now() * 1000;
    await this.bus.publish(eventTopics.machineState.topic.name, [
      encodeEvent(eventTopics.machineState, {
        assetId,
        event: {
          $case: 'reason',
          value: {
            stopStartTimeUs: startUs,
            reasonCode: reason.reasonCode,
            reasonText: reason.reasonText,
            state: state ?? MachineState.MACHINE_STATE_UNSPECIFIED,
            assignedBy: principal.subject,
            assignedTimeUs,
          },
        },
      }),
    ]);
    await this.audit.record(actorOf(principal), {
      action: 'stop.reason',
      target: stopId,
      site: siteOfChange(assetId),
      detail: {
        assetId,
        reasonCode: reason.reasonCode,
        reasonText: reason.reasonText,
        ...(reason.state === undefined ? {} : { state: reason.state }),
        before: { state: row.state, reasonCode: row.reason_code ?? '', reasonText: row.reason_text ?? '' },
      },
    });
    return {
      stopId,
      assetId,
      state: reason.state ?? row.state,
      reasonCode: reason.reasonCode,
      reasonText: reason.reasonText,
      startUs,
      ...(row.end_us === null ? {} : { endUs: Number(row.end_us) }),
      assignedBy: principal.subject,
    };
  }
}
