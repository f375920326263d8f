// Readiness: every dependency a service needs to do useful work answers, each within its own time limit.
import { errorMessage } from './error-message';

export interface ReadinessCheck {
  /** Shown in the `/readyz` body: `kafka`, `postgres`, `consumer-assigned`. */
  readonly name: string;
  /** Resolves when the dependency is usable; rejects with a message an operator can act on. */
  check(): Promise<void>;
  /** Overrides the server's per-check timeout. */
  readonly timeoutMs?: number;
}

export interface ReadinessReport {
  readonly ready: boolean;
  /** Check name -> `ok` or the reason it failed. */
  readonly checks: Record<string, string>;
}

/** Runs all checks concurrently; a check slower than its timeout counts as failed. */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  defaultTimeoutMs: number,
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(
      async (check) => [check.name, await outcomeOf(check, check.timeoutMs ?? defaultTimeoutMs)] as const,
    ),
  );
  return {
    ready: results.every(([, outcome]) => outcome === 'ok'),
    checks: Object.fromEntries(results),
  };
}

async function outcomeOf(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`timed out after ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      check.check().then(
        () => 'ok',
        (error: unknown) => errorMessage(error) || 'failed',
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
