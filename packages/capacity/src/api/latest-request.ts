// What the API step asks the gateway: the latest values of one asset's signals per request, as a dashboard tile
// of a machine does, asset after asset over the generated plant. Pure.
import { assetName, PLANT_PREFIX, signalName } from '../plant';

export const LATEST_PATH = '/api/v1/telemetry/latest';

/** One path per asset, each asking for its first `signalsPerRequest` signals (at most the asset's). */
export function latestPaths(assets: number, signals: number, signalsPerRequest: number): string[] {
  const count = Math.max(1, Math.min(signals, signalsPerRequest));
  return Array.from({ length: assets }, (_, a) => {
    const query = Array.from(
      { length: count },
      (_, s) => `signal=${encodeURIComponent(`${PLANT_PREFIX}/${assetName(a)}/${signalName(s)}`)}`,
    );
    return `${LATEST_PATH}?${query.join('&')}`;
  });
}

/** Values in a latest-value answer (`{ values: [...] }`); -1 when the body is not one. */
export function valuesIn(body: string): number {
  try {
    const parsed = JSON.parse(body) as { values?: unknown };
    return Array.isArray(parsed.values) ? parsed.values.length : -1;
  } catch {
    return -1;
  }
}

/**
 * A latest-value answer of `count` values shaped as the gateway's (`{ values: [{ signal, time, value, valueText,
 * quality }] }`): what the box floor's bare server sends, so that the bytes on the wire and the client's work on
 * them are the gateway's and only the serving differs.
 */
export function latestAnswer(count: number): string {
  const time = new Date(Date.UTC(2026, 0, 5, 6, 0, 0, 123)).toISOString();
  return JSON.stringify({
    values: Array.from({ length: count }, (_, s) => ({
      signal: `${PLANT_PREFIX}/${assetName(0)}/${signalName(s)}`,
      time,
      value: 1234.5678 + s,
      valueText: null,
      quality: 'good',
    })),
  });
}

/** Signals a request asks for: a machine's tile on a dashboard. */
export const API_SIGNALS_PER_REQUEST = 10;
