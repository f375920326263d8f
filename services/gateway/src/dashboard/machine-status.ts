// What the dashboard shows of one machine at a moment, read through the gateway's domain (so the same
// authorization and the same figures as the REST and gRPC answers): the state in force with its start, and the
// OEE service's live results of the open hour, shift, order and day.
import type { OeeResult } from '@kiln/contracts';
import type { GatewayApi } from '../api';
import type { Principal } from '../auth/principal';
import type { StateInterval } from '../domain/states';

export interface MachineStatus {
  readonly assetId: string;
  /** The newest stored state interval, or undefined before the machine reported any. */
  readonly state: StateInterval | undefined;
  readonly live: OeeResult[];
}

/**
 * How far past now the current state is looked for. Sources stamp states with their own clocks, which may run
 * ahead of the gateway's (a simulated factory at a speed factor runs ahead by design): the newest interval is
 * the current one even when it starts after the gateway's now.
 */
const LOOK_AHEAD_US = 86_400_000_000;
const PAGE_SIZE = 1000;
/** Bounds the pages read per machine; a day of changes beyond it means the source's clock is broken. */
const MAX_PAGES = 10;

/** The newest state interval of an asset at `nowUs` (including intervals stamped ahead of it). */
export async function currentState(
  api: GatewayApi,
  principal: Principal,
  assetId: string,
  nowUs: number,
): Promise<StateInterval | undefined> {
  const range = { fromUs: nowUs, toUs: nowUs + LOOK_AHEAD_US };
  let newest: StateInterval | undefined;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await api.states.timeline(principal, assetId, range, {
      pageSize: PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor }),
    });
    newest = result.items.at(-1) ?? newest;
    cursor = result.nextCursor;
    if (cursor === undefined) break;
  }
  return newest;
}

export async function machineStatus(
  api: GatewayApi,
  principal: Principal,
  assetId: string,
  nowUs: number,
): Promise<MachineStatus> {
  // liveOee authorizes and requires the asset first: an unknown or foreign asset fails before any state is read.
  const live = await api.oee.liveOee(principal, assetId);
  return { assetId, state: await currentState(api, principal, assetId, nowUs), live };
}
