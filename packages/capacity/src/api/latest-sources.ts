// Where the gateway's latest values came from in the API step's window: its counter
// kiln_gateway_latest_signals_total by `from` (`memory`: read from Redis at most gateway.latest.maxAgeMs before;
// `hot-state`: read on the request's path), read from its /metrics at both ends of the window. The step's
// latency reads differently when most answers never left the gateway's memory, so the table says how many did.

const COUNTER = 'kiln_gateway_latest_signals_total';

export interface LatestSources {
  readonly memory: number;
  readonly hotState: number;
}

/** The counter's two series in a Prometheus text exposition; zero where a series is absent (nothing counted yet). */
export function latestSourcesIn(text: string): LatestSources {
  let memory = 0;
  let hotState = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${COUNTER}{`)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    if (line.includes('from="memory"')) memory += value;
    else if (line.includes('from="hot-state"')) hotState += value;
  }
  return { memory, hotState };
}

/** The counters at `url`; undefined when they cannot be read (the window's share is then unknown). */
export async function readLatestSources(url: string): Promise<LatestSources | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? latestSourcesIn(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}

/** Percent of the window's signals answered from memory; undefined when unknown or none was asked. */
export function memoryPercent(
  before: LatestSources | undefined,
  after: LatestSources | undefined,
): number | undefined {
  if (before === undefined || after === undefined) return undefined;
  const memory = after.memory - before.memory;
  const total = memory + after.hotState - before.hotState;
  return total > 0 ? (memory / total) * 100 : undefined;
}
