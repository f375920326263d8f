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
  // Two checks of one name (a list its caller extends) show as one: failing if either fails, never hidden.
  const byName: Record<string, string> = {};
  for (const [name, outcome] of results) {
    if (byName[name] === undefined || byName[name] === 'ok') byName[name] = outcome;
  }
  return { ready: results.every(([, outcome]) => outcome === 'ok'), checks: byName };
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

/** A check that changed between two reports: it began to fail, or it answers again after failing. */
export type ReadinessTransition =
  | { readonly check: string; readonly kind: 'failing'; readonly reason: string }
  | { readonly check: string; readonly kind: 'recovered'; readonly failedForMs: number };

/**
 * Remembers each check's last outcome, so that an outage is logged when it begins and when it ends, not on every
 * probe: a load balancer probing every second through a ten-minute database outage must not write 600 lines.
 */
export class ReadinessTransitions {
  private readonly failingSince = new Map<string, number>();

  /** The transitions `report` makes against the reports before it; `nowMs` is when it was taken. */
  next(report: ReadinessReport, nowMs: number): ReadinessTransition[] {
    const transitions: ReadinessTransition[] = [];
    for (const [check, outcome] of Object.entries(report.checks)) {
      const since = this.failingSince.get(check);
      if (outcome === 'ok') {
        if (since === undefined) continue;
        this.failingSince.delete(check);
        transitions.push({ check, kind: 'recovered', failedForMs: nowMs - since });
      } else if (since === undefined) {
        this.failingSince.set(check, nowMs);
        transitions.push({ check, kind: 'failing', reason: outcome });
      }
    }
    return transitions;
  }
}
