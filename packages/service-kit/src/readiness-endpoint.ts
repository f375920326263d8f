// The one answer to `/readyz` (docs/operations.md, "Health and readiness"): every Kiln server that serves readiness
// (each service's ops server, the gateway's REST server, which is the ops server of `kiln start`) sends what this
// module produces, so probes, clients and docs read one shape and one status code.
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import { ReadinessTransitions, runReadinessChecks, type ReadinessCheck } from './readiness';

/**
 * The body of every `/readyz` answer: 200 `{"status":"ready","checks":{"bus":"ok"}}`, 503
 * `{"status":"not-ready","checks":{"bus":"timed out after 2000 ms"}}`, or 503 with `reason` when the process itself
 * is not ready (`shutting down`, then `checks` is empty).
 */
export const readinessBodySchema = z.object({
  status: z.enum(['ready', 'not-ready']),
  reason: z.string().optional(),
  /** Check name -> `ok` or the reason it failed, in words an operator can act on. */
  checks: z.record(z.string(), z.string()),
});

export type ReadinessBody = z.infer<typeof readinessBodySchema>;

/**
 * The answer for a caller who may not read the checks' reasons (the gateway's public REST port without a key):
 * each check `ok` or `failing`. A reason names hosts, ports and the errors of internal systems.
 */
export function withoutCheckDetails(body: ReadinessBody): ReadinessBody {
  return {
    ...body,
    checks: Object.fromEntries(
      Object.entries(body.checks).map(([name, outcome]) => [name, outcome === 'ok' ? 'ok' : 'failing']),
    ),
  };
}

export interface ReadinessAnswer {
  readonly statusCode: 200 | 503;
  readonly body: ReadinessBody;
}

export interface ReadinessEndpointOptions {
  /** Where `kiln_readiness_check_up` lives; servers of one process that share a registry share the gauge. */
  readonly registry: Registry;
  /** Where the beginning and the end of a failing check are logged. */
  readonly logger: Logger;
  /**
   * Read at every answer, not copied: the caller may extend the list it gave (`kiln start` hands the gateway the
   * list before the services that start after it have added their checks). Its names are the caller's to keep
   * apart; where two checks share one, the report shows the failure if either fails.
   */
  readonly checks?: readonly ReadinessCheck[];
  /** Per-check timeout; default 2000 ms. A check's own `timeoutMs` wins. */
  readonly checkTimeoutMs?: number;
}

export interface ReadinessEndpoint {
  /** Refuses a name already in use: names are the keys of `checks` and the `check` label of the gauge. */
  addCheck(check: ReadinessCheck): void;
  /** From now on every answer is 503 `shutting down`, so load balancers stop routing here while it drains. */
  markShuttingDown(): void;
  /** Runs every check (concurrently, each within its timeout) and says what `/readyz` answers. */
  answer(): Promise<ReadinessAnswer>;
}

const CHECK_UP = 'kiln_readiness_check_up';

export function createReadinessEndpoint(options: ReadinessEndpointOptions): ReadinessEndpoint {
  const given = options.checks ?? [];
  const added: ReadinessCheck[] = [];
  const checkTimeoutMs = options.checkTimeoutMs ?? 2000;
  const checkUp = checkUpGauge(options.registry);
  const transitions = new ReadinessTransitions();
  let shuttingDown = false;

  const assertUnique = (name: string, among: readonly ReadinessCheck[]): void => {
    if (among.some((existing) => existing.name === name)) {
      throw new Error(`readiness check "${name}" is already registered; names must be unique`);
    }
  };
  const addCheck = (check: ReadinessCheck): void => {
    assertUnique(check.name, [...given, ...added]);
    added.push(check);
  };

  const answer = async (): Promise<ReadinessAnswer> => {
    if (shuttingDown) {
      return { statusCode: 503, body: { status: 'not-ready', reason: 'shutting down', checks: {} } };
    }
    const report = await runReadinessChecks([...given, ...added], checkTimeoutMs);
    for (const [check, outcome] of Object.entries(report.checks))
      checkUp.set({ check }, outcome === 'ok' ? 1 : 0);
    for (const transition of transitions.next(report, Date.now())) {
      if (transition.kind === 'failing') {
        options.logger.warn(
          { check: transition.check, reason: transition.reason },
          'readiness check failing',
        );
      } else {
        options.logger.info(
          { check: transition.check, failedForMs: transition.failedForMs },
          'readiness check ok again',
        );
      }
    }
    return report.ready
      ? { statusCode: 200, body: { status: 'ready', checks: report.checks } }
      : { statusCode: 503, body: { status: 'not-ready', checks: report.checks } };
  };

  return {
    addCheck,
    markShuttingDown: () => {
      shuttingDown = true;
    },
    answer,
  };
}

/**
 * What the last probe found, per check: 1 answered, 0 failed (an outage of PostgreSQL, Redis, Kafka). The gateway
 * process serves readiness on its ops port and on its REST port from one registry: both set the same gauge.
 */
function checkUpGauge(registry: Registry): Gauge<'check'> {
  const existing = registry.getSingleMetric(CHECK_UP);
  if (existing instanceof Gauge) return existing as Gauge<'check'>;
  return new Gauge({
    name: CHECK_UP,
    help: 'Whether a readiness check passed at the last /readyz probe (1) or failed (0).',
    labelNames: ['check'] as const,
    registers: [registry],
  });
}
