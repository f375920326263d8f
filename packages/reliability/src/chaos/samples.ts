// Uniquely numbered samples: the number travels as the value, so a stored row names the sample it came from.

/** Load signals of the chaos plant: h0..h3 arrive over HTTP, m0..m3 over MQTT. */
export const HTTP_SIGNALS = ['h0', 'h1', 'h2', 'h3'] as const;
export const MQTT_SIGNALS = ['m0', 'm1', 'm2', 'm3'] as const;

export type Channel = 'http' | 'mqtt';

/** Every `mqttEvery`-th sample goes over MQTT, the rest over HTTP. */
export function channelOf(sampleNumber: number, mqttEvery: number): Channel {
  return mqttEvery > 0 && sampleNumber % mqttEvery === 0 ? 'mqtt' : 'http';
}

/** The signal a sample is sent on: spread over the channel's signals. */
export function signalOf(sampleNumber: number, channel: Channel): string {
  const signals = channel === 'http' ? HTTP_SIGNALS : MQTT_SIGNALS;
  return signals[sampleNumber % signals.length] ?? signals[0];
}

/** A strictly increasing microsecond clock: every sample gets its own time, so no two share a natural key. */
export class UniqueMicros {
  private last = 0;
  next(nowMs: number): number {
    this.last = Math.max(Math.floor(nowMs * 1000), this.last + 1);
    return this.last;
  }
}

/** ISO 8601 with microseconds, as the HTTP connector reads it. */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = String(us % 1_000_000).padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${micros}Z`;
}

/** Sample numbers of a range, as sorted runs `a-b` for a report (at most `limit` runs). */
export function describeRuns(numbers: readonly number[], limit = 8): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  const runs: string[] = [];
  let start = sorted[0];
  let previous = start;
  for (const n of [...sorted.slice(1), Number.NaN]) {
    if (start === undefined || previous === undefined) break;
    if (n === previous + 1) {
      previous = n;
      continue;
    }
    runs.push(start === previous ? `${start}` : `${start}-${previous}`);
    start = n;
    previous = n;
  }
  const shown = runs.slice(0, limit).join(', ');
  return runs.length > limit ? `${shown} (+${runs.length - limit} more runs)` : shown;
}
