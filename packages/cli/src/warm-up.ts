// The progress line of kiln start while it warms up: which readiness checks still wait, printed when it changes,
// then one line once everything is ready (or when the watch is stopped).
import type { ReadinessCheck } from '@kiln/service-kit';

export interface WarmUpWatch {
  stop(): void;
}

/** Runs the checks every `intervalMs` and calls `print` with a line whenever the set of waiting checks changes. */
export function watchWarmUp(
  checks: readonly ReadinessCheck[],
  print: (line: string) => void,
  intervalMs = 1_000,
): WarmUpWatch {
  const started = Date.now();
  let last = '';
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const round = async (): Promise<void> => {
    const waiting: string[] = [];
    for (const check of checks) {
      try {
        await check.check();
      } catch {
        waiting.push(check.name);
      }
    }
    if (stopped) return;
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    if (waiting.length === 0) {
      print(`  warm-up: all ${checks.length} parts ready after ${seconds} s`);
      return;
    }
    const line = `  warm-up: ${checks.length - waiting.length}/${checks.length} ready, waiting for ${waiting.join(', ')}`;
    if (line !== last) print(`${line} (${seconds} s)`);
    last = line;
    timer = setTimeout(() => void round(), intervalMs);
    timer.unref();
  };
  void round();
  return {
    stop: () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
