// kiln.v1.TelemetryService over TelemetryQueries: bucketed ranges, latest values, and live values polled from the
// stored latest values (sending those that changed since the last message).
import { api, Quality, type Value } from '@kiln/contracts';
import type { Aggregate } from '@kiln/timeseries';
import type { GatewayApi } from '../api';
import type { Principal } from '../auth/principal';
import { ApiError, invalidArgument } from '../errors';
import { checkAssetId } from '../domain/assets';
import { MAX_LATEST_AGE_MS } from '../domain/latest-cache';
import { parseSignalPath, type LatestValue, type SignalPath } from '../domain/telemetry';
import type { TimeRangeUs } from '../domain/range';
import { pause, serverStream, unary, type GrpcHandlerContext } from './call';
import { rangeOf, timestampOf } from './convert';

export const DEFAULT_TELEMETRY_POLL_MS = 1_000;

/** BUCKET_ORIGIN of @kiln/timeseries (and TimescaleDB's time_bucket default): 2000-01-03T00:00:00Z. */
const BUCKET_ORIGIN_US = Date.UTC(2000, 0, 3) * 1000;

const AGGREGATES: Partial<Record<api.Aggregate, Aggregate>> = {
  [api.Aggregate.AGGREGATE_AVG]: 'avg',
  [api.Aggregate.AGGREGATE_MIN]: 'min',
  [api.Aggregate.AGGREGATE_MAX]: 'max',
  [api.Aggregate.AGGREGATE_LAST]: 'last',
  [api.Aggregate.AGGREGATE_COUNT]: 'count',
};

const keyOf = (signal: SignalPath): string => `${signal.assetId}/${signal.name}`;

/**
 * The signals of a request. The domain parses REST's `<asset id>/<signal name>` paths; a gRPC client sent the two
 * as fields, so each is checked and named on its own (`signals[2].asset_id`, `signals[2].signal`).
 */
function signalPathsOf(refs: readonly api.SignalRef[]): SignalPath[] {
  return refs.map((ref, index) => {
    const field = `signals[${index}]`;
    checkAssetId(`${field}.asset_id`, ref.assetId);
    const notAName = (): ApiError =>
      invalidArgument(
        `${field}.signal`,
        `"${ref.signal.slice(0, 80)}" is not a signal name (letters, digits, ".", "_" and "-")`,
      );
    // A "/" in the name would silently move it into the asset path.
    if (ref.signal.includes('/')) throw notAName();
    try {
      return parseSignalPath(field, `${ref.assetId}/${ref.signal}`);
    } catch (error) {
      // The asset id passed above: what the path parser refuses is the name.
      throw error instanceof ApiError ? notAName() : error;
    }
  });
}

function aggregatesOf(requested: readonly api.Aggregate[]): Aggregate[] {
  if (requested.length === 0) return ['avg'];
  return [
    ...new Set(
      requested.map((aggregate, index) => {
        const name = AGGREGATES[aggregate];
        if (name === undefined)
          throw invalidArgument(`aggregates[${index}]`, `${String(aggregate)} is not an aggregate`);
        return name;
      }),
    ),
  ];
}

/**
 * The bucket spec parseBucket accepts (`<n>s`); absent or zero: one bucket over the whole range. Buckets are
 * aligned to BUCKET_ORIGIN (as time_bucket), so "the whole range" is one bucket from that origin past the range's
 * end (a range reaching back before the origin, 2000-01-03, comes back as two buckets).
 */
function bucketOf(duration: api.Duration | undefined, range: TimeRangeUs): { spec: string; whole: boolean } {
  if (duration === undefined || (duration.seconds === 0 && duration.nanos === 0)) {
    const spanUs = Math.max(
      range.toUs - BUCKET_ORIGIN_US,
      BUCKET_ORIGIN_US - range.fromUs,
      range.toUs - range.fromUs,
    );
    return { spec: `${Math.ceil(spanUs / 1e6) + 1}s`, whole: true };
  }
  if (duration.seconds <= 0 || duration.nanos !== 0 || !Number.isSafeInteger(duration.seconds)) {
    throw invalidArgument('bucket', 'must be a positive whole number of seconds');
  }
  return { spec: `${duration.seconds}s`, whole: false };
}

/** GetLatest's max_age in milliseconds; absent: the gateway's setting. */
function maxAgeMsOf(duration: api.Duration | undefined): number | undefined {
  if (duration === undefined) return undefined;
  const ms = duration.seconds * 1000 + duration.nanos / 1e6;
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_LATEST_AGE_MS) {
    throw invalidArgument('max_age', `must be whole milliseconds from 0 to ${MAX_LATEST_AGE_MS / 1000} s`);
  }
  return ms;
}

interface SignalInfo {
  readonly unit: string;
  readonly dataType: string;
}

/** Units and data types of the signals' assets (the telemetry reads do not carry them). */
async function signalInfo(
  gateway: GatewayApi,
  principal: Principal,
  signals: readonly SignalPath[],
): Promise<Map<string, SignalInfo>> {
  const info = new Map<string, SignalInfo>();
  for (const assetId of new Set(signals.map((signal) => signal.assetId))) {
    let cursor: string | undefined;
    try {
      do {
        const page = await gateway.assets.signals(principal, assetId, {
          pageSize: 1000,
          ...(cursor === undefined ? {} : { cursor }),
        });
        for (const signal of page.items) {
          info.set(keyOf(signal), { unit: signal.unit, dataType: signal.dataType });
        }
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    } catch (error) {
      // Telemetry of an asset missing from the model is still answered, without units.
      if (!(error instanceof ApiError && error.kind === 'not-found')) throw error;
    }
  }
  return info;
}

function valueOf(latest: LatestValue, dataType: string | undefined): Value {
  const { value, valueText } = latest;
  if (dataType === 'integer' && value !== null)
    return { kind: { $case: 'intValue', value: Math.round(value) } };
  if (dataType === 'boolean' && value !== null) return { kind: { $case: 'boolValue', value: value !== 0 } };
  if (value !== null && dataType !== 'string') return { kind: { $case: 'numberValue', value } };
  if (valueText !== null) return { kind: { $case: 'stringValue', value: valueText } };
  return value === null ? { kind: undefined } : { kind: { $case: 'stringValue', value: String(value) } };
}

const qualityOf = (quality: number): Quality =>
  quality >= Quality.QUALITY_GOOD && quality <= Quality.QUALITY_BAD
    ? (quality as Quality)
    : Quality.QUALITY_UNSPECIFIED;

const refOf = (signal: SignalPath): api.SignalRef => ({ assetId: signal.assetId, signal: signal.name });

function signalValueOf(latest: LatestValue, info: SignalInfo | undefined): api.SignalValue {
  return {
    signal: refOf(latest.signal),
    value: valueOf(latest, info?.dataType),
    quality: qualityOf(latest.quality),
    time: timestampOf(latest.timeUs),
    unit: info?.unit ?? '',
  };
}

const fingerprintOf = (value: LatestValue): string =>
  `${value.timeUs}|${String(value.value)}|${String(value.valueText)}|${value.quality}`;

export function telemetryService(context: GrpcHandlerContext): api.TelemetryServiceServer {
  const { api: gateway } = context;
  const pollMs = context.livePollMs?.telemetry ?? DEFAULT_TELEMETRY_POLL_MS;
  return {
    queryRange: unary(context, 'QueryRange', async (request: api.QueryRangeRequest, principal) => {
      const signals = signalPathsOf(request.signals);
      const range = rangeOf(gateway, request);
      const bucket = bucketOf(request.bucket, range);
      const series = await gateway.telemetry.range(principal, {
        signals,
        range,
        bucket: bucket.spec,
        aggregates: aggregatesOf(request.aggregates),
      });
      const info = await signalInfo(gateway, principal, signals);
      return {
        series: series.map((one) => ({
          signal: refOf(one.signal),
          unit: info.get(keyOf(one.signal))?.unit ?? '',
          buckets: one.buckets.map((b) => ({
            startTime: timestampOf(bucket.whole ? Math.max(b.startUs, range.fromUs) : b.startUs),
            avg: b.avg ?? undefined,
            min: b.min ?? undefined,
            max: b.max ?? undefined,
            last: b.last ?? undefined,
            count: b.count ?? undefined,
          })),
        })),
      };
    }),

    getLatest: unary(context, 'GetLatest', async (request: api.GetLatestRequest, principal) => {
      const signals = signalPathsOf(request.signals);
      const latest = await gateway.telemetry.latest(principal, signals, maxAgeMsOf(request.maxAge));
      const info = await signalInfo(gateway, principal, signals);
      const byKey = new Map(latest.map((value) => [keyOf(value.signal), value]));
      return {
        values: signals.map((signal): api.SignalValue => {
          const value = byKey.get(keyOf(signal));
          if (value !== undefined) return signalValueOf(value, info.get(keyOf(signal)));
          return {
            signal: refOf(signal),
            value: undefined,
            quality: Quality.QUALITY_UNSPECIFIED,
            time: undefined,
            unit: info.get(keyOf(signal))?.unit ?? '',
          };
        }),
      };
    }),

    streamLive: serverStream(
      context,
      'StreamLive',
      async (request: api.StreamLiveRequest, principal, send, signal) => {
        const signals = signalPathsOf(request.signals);
        const info = await signalInfo(gateway, principal, signals);
        const sent = new Map<string, string>();
        let first = true;
        while (!signal.aborted) {
          const latest = await gateway.telemetry.latest(principal, signals);
          const changed = latest.filter((value) => sent.get(keyOf(value.signal)) !== fingerprintOf(value));
          // The first message goes out even when empty: the client then knows the stream is live. A change not
          // written (a reader behind) is sent at the next turn, with whatever changed since.
          if (
            (first || changed.length > 0) &&
            (await send({
              values: changed.map((value) => signalValueOf(value, info.get(keyOf(value.signal)))),
            }))
          ) {
            for (const value of changed) sent.set(keyOf(value.signal), fingerprintOf(value));
            first = false;
          }
          await pause(pollMs, signal);
        }
      },
    ),
  };
}
