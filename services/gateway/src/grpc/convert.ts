// kiln.v1 messages <-> the domain's values: Timestamps <-> epoch microseconds, checked ranges, page tokens, the
// enums of levels, states and window kinds. Request checks name the proto field a client sent.
import {
  machineStateFromJSON,
  machineStateToJSON,
  MachineState,
  microsFromTimestamp,
  OeeWindowKind,
  timeProblem,
  timestampFromMicros,
  api,
} from '@kiln/contracts';
import type { GatewayApi } from '../api';
import { ALL_SITES, siteOfAsset, type Principal } from '../auth/principal';
import { ASSET_LEVELS, checkAssetId, type AssetLevel } from '../domain/assets';
import type { Granularity } from '../domain/oee';
import type { Page, PageRequest } from '../domain/paging';
import { checkedRange, type TimeRangeUs } from '../domain/range';
import { invalidArgument, permissionDenied } from '../errors';

type Timestamp = api.Timestamp;

/** Epoch microseconds of a required Timestamp field. */
export function microsOf(field: string, timestamp: Timestamp | undefined): number {
  if (timestamp === undefined) throw invalidArgument(field, 'is required');
  if (!Number.isSafeInteger(timestamp.seconds) || timestamp.nanos < 0 || timestamp.nanos > 999_999_999) {
    throw invalidArgument(field, 'is not a valid google.protobuf.Timestamp');
  }
  return microsFromTimestamp(timestamp);
}

/** [start_time, end_time) of a request, checked against the API's range cap. */
export function rangeOf(
  gateway: GatewayApi,
  request: { startTime: Timestamp | undefined; endTime: Timestamp | undefined },
): TimeRangeUs {
  const startUs = microsOf('start_time', request.startTime);
  const endUs = microsOf('end_time', request.endTime);
  // Checked here, not only by checkedRange, whose messages speak of REST's `from` and `to`.
  for (const [field, us] of [
    ['start_time', startUs],
    ['end_time', endUs],
  ] as const) {
    const problem = timeProblem(us);
    if (problem !== undefined) throw invalidArgument(field, problem);
  }
  if (!(endUs > startUs)) throw invalidArgument('end_time', 'must be after start_time');
  return checkedRange(startUs, endUs, gateway.limits.maxRangeDays);
}

export const timestampOf = (epochUs: number): Timestamp => timestampFromMicros(epochUs);

/** page_size 0 means the server's default. */
export function pageRequestOf(request: { pageSize: number; pageToken: string }): PageRequest {
  if (request.pageSize < 0) throw invalidArgument('page_size', 'must not be negative (0: the default)');
  return {
    ...(request.pageSize === 0 ? {} : { pageSize: request.pageSize }),
    ...(request.pageToken === '' ? {} : { cursor: request.pageToken }),
  };
}

export const nextPageTokenOf = <T>(page: Page<T>): string => page.nextCursor ?? '';

const LEVEL_ENUMS: Record<AssetLevel, api.AssetLevel> = {
  enterprise: api.AssetLevel.ASSET_LEVEL_ENTERPRISE,
  site: api.AssetLevel.ASSET_LEVEL_SITE,
  area: api.AssetLevel.ASSET_LEVEL_AREA,
  line: api.AssetLevel.ASSET_LEVEL_LINE,
  cell: api.AssetLevel.ASSET_LEVEL_CELL,
  asset: api.AssetLevel.ASSET_LEVEL_ASSET,
};

export const levelEnumOf = (level: AssetLevel): api.AssetLevel => LEVEL_ENUMS[level];

/** The domain level of an enum value; undefined for UNSPECIFIED. */
export function levelOf(field: string, level: api.AssetLevel): AssetLevel | undefined {
  if (level === api.AssetLevel.ASSET_LEVEL_UNSPECIFIED) return undefined;
  const found = ASSET_LEVELS.find((name) => LEVEL_ENUMS[name] === level);
  if (found === undefined) throw invalidArgument(field, `${String(level)} is not an AssetLevel`);
  return found;
}

const DATA_TYPES: Record<string, api.SignalDataType> = {
  number: api.SignalDataType.SIGNAL_DATA_TYPE_NUMBER,
  integer: api.SignalDataType.SIGNAL_DATA_TYPE_INTEGER,
  boolean: api.SignalDataType.SIGNAL_DATA_TYPE_BOOLEAN,
  string: api.SignalDataType.SIGNAL_DATA_TYPE_STRING,
  array: api.SignalDataType.SIGNAL_DATA_TYPE_ARRAY,
};

export const dataTypeOf = (dataType: string): api.SignalDataType =>
  DATA_TYPES[dataType] ?? api.SignalDataType.SIGNAL_DATA_TYPE_UNSPECIFIED;

const STATE_PREFIX = 'MACHINE_STATE_';

/** The enum of a canonical state name as stored (`BREAKDOWN`); UNSPECIFIED for a name it does not know. */
export function stateEnumOf(state: string): MachineState {
  try {
    return machineStateFromJSON(`${STATE_PREFIX}${state}`);
  } catch {
    return MachineState.MACHINE_STATE_UNSPECIFIED;
  }
}

/** The canonical state name of an enum value (`BREAKDOWN`); undefined for UNSPECIFIED. */
export function stateNameOf(field: string, state: MachineState): string | undefined {
  if (state === MachineState.MACHINE_STATE_UNSPECIFIED) return undefined;
  let name: string;
  try {
    name = machineStateToJSON(state);
  } catch {
    throw invalidArgument(field, `${String(state)} is not a MachineState`);
  }
  return name.slice(STATE_PREFIX.length);
}

const GRANULARITY_OF: Record<OeeWindowKind, Granularity> = {
  [OeeWindowKind.OEE_WINDOW_KIND_UNSPECIFIED]: 'none',
  [OeeWindowKind.OEE_WINDOW_KIND_RANGE]: 'none',
  [OeeWindowKind.OEE_WINDOW_KIND_HOUR]: 'hour',
  [OeeWindowKind.OEE_WINDOW_KIND_SHIFT]: 'shift',
  [OeeWindowKind.OEE_WINDOW_KIND_ORDER]: 'order',
  [OeeWindowKind.OEE_WINDOW_KIND_DAY]: 'day',
};

/** HOUR/SHIFT/ORDER/DAY windows; RANGE or UNSPECIFIED: the whole range as one window. */
export function granularityOf(field: string, kind: OeeWindowKind): Granularity {
  const granularity = (GRANULARITY_OF as Partial<Record<number, Granularity>>)[kind];
  if (granularity === undefined) throw invalidArgument(field, `${String(kind)} is not an OeeWindowKind`);
  return granularity;
}

/**
 * The principal narrowed to one site (a request's site_id filter): the domain limits every read to the
 * principal's site, so a narrower site is a filter. A site outside the credential's is refused.
 */
export function principalForSite(principal: Principal, field: string, siteId: string): Principal {
  if (siteId === '') return principal;
  checkAssetId(field, siteId);
  if (siteOfAsset(siteId) !== siteId)
    throw invalidArgument(field, `"${siteId}" is not a site id such as acme/plant-1`);
  if (principal.site !== ALL_SITES && principal.site !== siteId) {
    throw permissionDenied(`site ${siteId} is outside site ${principal.site} of this credential`);
  }
  return { ...principal, site: siteId };
}
