// kiln.v1.OeeService over OeeQueries: OEE of a range (whole or in windows), its six big losses with the stop time
// by state and reason, and live OEE of the open windows polled from the OEE service's live store.
import { api, OeeWindowKind, type OeeResult } from '@kiln/contracts';
import { invalidArgument } from '../errors';
import { pause, serverStream, unary, type GrpcHandlerContext } from './call';
import { granularityOf, rangeOf } from './convert';
import { withFieldNames } from './field-names';

export const DEFAULT_OEE_POLL_MS = 2_000;
/** Assets one live stream may follow. */
export const MAX_LIVE_ASSETS = 100;

const LIVE_KINDS: readonly OeeWindowKind[] = [
  OeeWindowKind.OEE_WINDOW_KIND_HOUR,
  OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
  OeeWindowKind.OEE_WINDOW_KIND_ORDER,
  OeeWindowKind.OEE_WINDOW_KIND_DAY,
];

function liveKindsOf(requested: readonly OeeWindowKind[]): Set<OeeWindowKind> {
  if (requested.length === 0) return new Set(LIVE_KINDS);
  requested.forEach((kind, index) => {
    if (!LIVE_KINDS.includes(kind)) {
      throw invalidArgument(`window_kinds[${index}]`, `${String(kind)} is not HOUR, SHIFT, ORDER or DAY`);
    }
  });
  return new Set(requested);
}

/** The assets to follow, each once, with the request field that named it first (`asset_ids[3]`). */
function liveAssetsOf(assetIds: readonly string[]): Map<string, string> {
  if (assetIds.length === 0) throw invalidArgument('asset_ids', 'name at least one asset');
  if (assetIds.length > MAX_LIVE_ASSETS)
    throw invalidArgument('asset_ids', `at most ${MAX_LIVE_ASSETS} assets`);
  const fields = new Map<string, string>();
  assetIds.forEach((assetId, index) => {
    if (!fields.has(assetId)) fields.set(assetId, `asset_ids[${index}]`);
  });
  return fields;
}

export function oeeService(context: GrpcHandlerContext): api.OeeServiceServer {
  const { api: gateway } = context;
  const pollMs = context.livePollMs?.oee ?? DEFAULT_OEE_POLL_MS;
  return {
    getOee: unary(context, 'GetOee', async (request: api.GetOeeRequest, principal) => {
      const granularity = granularityOf('granularity', request.granularity);
      const results = await gateway.oee.oee(
        principal,
        request.assetId,
        rangeOf(gateway, request),
        granularity,
      );
      return { windows: [...results].sort((a, b) => a.windowStartUs - b.windowStartUs) };
    }),

    getLosses: unary(context, 'GetLosses', async (request: api.GetLossesRequest, principal) => {
      const { result, stops } = await gateway.oee.losses(
        principal,
        request.assetId,
        rangeOf(gateway, request),
      );
      return { result, stopBreakdown: stops.map((stop) => ({ ...stop })) };
    }),

    streamLiveOee: serverStream(
      context,
      'StreamLiveOee',
      async (request: api.StreamLiveOeeRequest, principal, send, signal) => {
        const assetIds = liveAssetsOf(request.assetIds);
        const kinds = liveKindsOf(request.windowKinds);
        const sent = new Map<string, number>();
        let first = true;
        while (!signal.aborted) {
          const changed: OeeResult[] = [];
          for (const [assetId, field] of assetIds) {
            const results = await withFieldNames({ assetId: field }, () =>
              gateway.oee.liveOee(principal, assetId),
            );
            for (const result of results) {
              const key = `${result.assetId}:${result.windowKind}`;
              if (!kinds.has(result.windowKind) || sent.get(key) === result.computedTimeUs) continue;
              changed.push(result);
            }
          }
          // The first message goes out even when empty: the client then knows the stream is live. Results not
          // written (a reader behind) are sent at the next turn, as they are then.
          if ((first || changed.length > 0) && (await send({ results: changed }))) {
            for (const result of changed)
              sent.set(`${result.assetId}:${result.windowKind}`, result.computedTimeUs);
            first = false;
          }
          await pause(pollMs, signal);
        }
      },
    ),
  };
}
