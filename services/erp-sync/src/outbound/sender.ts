// The outbox sender: claims due rows (FOR UPDATE SKIP LOCKED with a lease, so several instances share the outbox
// and each row is in one sender's hands at a time) and calls the ERP through a cockatiel policy: a timeout inside
// a circuit breaker. The retry schedule lives in the outbox (next_attempt_at, exponential backoff with half
// jitter up to maxDelayMs), so an outage of minutes loses nothing and a restart keeps the schedule. A refusal is a
// recorded failure, never a loop; the ERP's idempotency key makes a resend after a crash harmless.
import { describeError } from '@kiln/bus';
import type { Logger } from '@kiln/service-kit';
import type { ErpOutboxKind, ErpStore, OutboxEntry } from '@kiln/timeseries';
import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  halfJitterGenerator,
  handleWhen,
  isBrokenCircuitError,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type CircuitBreakerPolicy,
  type CircuitStateValue,
} from './resilience';
import {
  ErpRejectedError,
  type ErpAdapter,
  type MaintenanceRequest,
  type OrderConfirmation,
  type PostResult,
} from '../adapters/types';
import type { OutboundSection } from './config';
import type { BreakerGaugeState, OutboundMetrics } from './metrics';

export interface SenderDependencies {
  readonly store: ErpStore;
  readonly adapter: ErpAdapter;
  readonly settings: OutboundSection['sender'];
  readonly metrics: OutboundMetrics;
  readonly logger: Logger;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

const BREAKER_GAUGE: Record<CircuitStateValue, BreakerGaugeState> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

/** What a link records on the Kiln side and on the ERP side, by outbox kind. */
const LINK_KINDS: Record<ErpOutboxKind, { kiln: string; erp: string }> = {
  confirmation: { kiln: 'confirmation', erp: 'confirmation' },
  notification: { kiln: 'alert', erp: 'notification' },
};

export class OutboxSender {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly policy: ReturnType<typeof this.policyOf>;
  /** The flush in progress; flushes run one after another in one instance. */
  private running: Promise<number> = Promise.resolve(0);

  constructor(private readonly deps: SenderDependencies) {
    const { settings } = deps;
    // A refusal says the ERP is up: it neither opens the circuit nor counts as a failure of the ERP.
    this.breaker = circuitBreaker(
      handleWhen((error) => !(error instanceof ErpRejectedError)),
      {
        halfOpenAfter: settings.breaker.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(settings.breaker.consecutiveFailures),
      },
    );
    this.breaker.onStateChange((state) => {
      deps.metrics.breaker(BREAKER_GAUGE[state]);
      deps.logger.warn({ erpSystem: deps.adapter.system, state: CircuitState[state] }, 'ERP circuit breaker');
    });
    deps.metrics.breaker(0);
    this.policy = this.policyOf(settings.timeoutMs);
  }

  /** The breaker outside the timeout: a call that times out counts as a failure of the ERP. */
  private policyOf(timeoutMs: number) {
    return wrap(this.breaker, timeout(timeoutMs, TimeoutStrategy.Aggressive));
  }

  /** Sends every row due now (also those that fall due while it runs); returns how many were delivered. */
  flush(): Promise<number> {
    const next = this.running.catch(() => 0).then(() => this.sendDue());
    this.running = next;
    return next;
  }

  /** Resolves when the flush in progress ends. */
  async idle(): Promise<void> {
    await this.running.catch(() => 0);
  }

  private async sendDue(): Promise<number> {
    const { store, settings, now } = this.deps;
    let delivered = 0;
    for (;;) {
      if (this.breaker.state === CircuitState.Open || this.breaker.state === CircuitState.Isolated) break;
      const claimedAtMs = now();
      // Every claimed call ends within timeoutMs; the lease only has to outlast that and the bookkeeping.
      const leaseUntilMs = claimedAtMs + 2 * settings.timeoutMs + 5_000;
      // A half-open circuit lets one trial call through: claim one row, not a batch the breaker would turn away.
      const limit = this.breaker.state === CircuitState.HalfOpen ? 1 : settings.batchSize;
      const rows = await store.claimDue(claimedAtMs * 1000, leaseUntilMs * 1000, limit);
      if (rows.length === 0) break;
      const results = await Promise.all(rows.map((row) => this.send(row)));
      delivered += results.filter(Boolean).length;
      // A final confirmation held back by the partials just sent is due now too.
      if (rows.length < limit && !rows.some(isPartial)) break;
    }
    return delivered;
  }

  /** One attempt at one row; true when the ERP has it now. */
  private async send(row: OutboxEntry): Promise<boolean> {
    const { adapter, logger } = this.deps;
    const fields = {
      erpSystem: adapter.system,
      kind: row.kind,
      kilnRef: row.kilnRef,
      idempotencyKey: row.id,
    };
    const post = this.postOf(row);
    if (post === undefined) {
      await this.fail(row, `the ${adapter.system} adapter cannot post ${row.kind}s`, 'rejected', false);
      return false;
    }
    let result: PostResult;
    try {
      result = await this.policy.execute(() => post());
    } catch (error) {
      await this.failed(row, error);
      return false;
    }
    await this.delivered(row, result);
    logger.info({ ...fields, erpRef: result.erpRef, existing: result.existing }, 'delivered to the ERP');
    return true;
  }

  private postOf(row: OutboxEntry): (() => Promise<PostResult>) | undefined {
    const { adapter } = this.deps;
    // The payload was written by this service's decisions (OrderConfirmation / MaintenanceRequest by kind).
    if (row.kind === 'confirmation') {
      const post = adapter.postConfirmation?.bind(adapter);
      return post && (() => post(row.payload as OrderConfirmation));
    }
    const create = adapter.createMaintenanceRequest?.bind(adapter);
    return create && (() => create(row.payload as MaintenanceRequest));
  }

  private async delivered(row: OutboxEntry, result: PostResult): Promise<void> {
    const { adapter, metrics, now } = this.deps;
    const nowUs = now() * 1000;
    const kinds = LINK_KINDS[row.kind];
    await this.deps.store.transaction(async (tx) => {
      await tx.markSent(row.id, result.erpRef, nowUs);
      await tx.addLink(
        {
          kilnKind: kinds.kiln,
          kilnRef: linkRefOf(row),
          erpSystem: adapter.system,
          erpKind: kinds.erp,
          erpRef: result.erpRef,
        },
        nowUs,
      );
      if (row.kind === 'notification')
        await tx.addAlertDetails(row.kilnRef, { erpNotification: result.erpRef });
    });
    metrics.attempt(row.kind, result.existing ? 'existing' : 'sent');
  }

  private async failed(row: OutboxEntry, error: unknown): Promise<void> {
    const { settings, metrics, logger, now } = this.deps;
    const fields = {
      erpSystem: this.deps.adapter.system,
      kind: row.kind,
      kilnRef: row.kilnRef,
      idempotencyKey: row.id,
    };
    if (error instanceof ErpRejectedError) {
      await this.fail(row, `refused (${error.code}): ${error.message}`, 'rejected', true);
      return;
    }
    const nowMs = now();
    if (isBrokenCircuitError(error)) {
      // Held back without calling the ERP: not an attempt; due again when the circuit may let a trial through.
      await this.deps.store.markRetry(
        row.id,
        'circuit open: not sent',
        (nowMs + settings.breaker.halfOpenAfterMs) * 1000,
        false,
      );
      metrics.attempt(row.kind, 'deferred');
      return;
    }
    const reason =
      error instanceof TaskCancelledError ? `timed out after ${settings.timeoutMs} ms` : describeError(error);
    const attempts = row.attempts + 1;
    if (attempts >= settings.maxAttempts) {
      await this.fail(row, `gave up after ${attempts} attempts; last: ${reason}`, 'gave-up', true);
      return;
    }
    const [delayMs] = halfJitterGenerator(attempts - 1, {
      initialDelay: settings.initialDelayMs,
      maxDelay: settings.maxDelayMs,
      exponent: 2,
      generator: halfJitterGenerator,
    });
    await this.deps.store.markRetry(row.id, reason, (nowMs + delayMs) * 1000);
    metrics.attempt(row.kind, 'retry');
    logger.warn({ ...fields, attempts, delayMs, err: reason }, 'ERP unavailable: retried later');
  }

  /** A visible, final failure: the row is failed and a problem is recorded; the sender never tries it again. */
  private async fail(
    row: OutboxEntry,
    reason: string,
    result: 'rejected' | 'gave-up',
    counted: boolean,
  ): Promise<void> {
    const { adapter, metrics, logger, now } = this.deps;
    await this.deps.store.transaction(async (tx) => {
      await tx.markFailed(row.id, reason, counted);
      await tx.recordProblems(
        adapter.system,
        row.kind,
        [{ recordId: row.kilnRef, problem: reason }],
        now() * 1000,
      );
    });
    metrics.attempt(row.kind, result);
    metrics.problem(row.kind);
    logger.error(
      {
        erpSystem: adapter.system,
        kind: row.kind,
        kilnRef: row.kilnRef,
        idempotencyKey: row.id,
        err: reason,
      },
      'ERP posting failed for good',
    );
  }
}

/**
 * The Kiln reference a delivered row is linked under: a partial confirmation's revision is part of it, so each
 * partial of an order operation keeps its own link and the final keeps the plain reference it always had.
 */
const linkRefOf = (row: OutboxEntry): string =>
  isPartial(row) ? `${row.kilnRef}#${row.revision}` : row.kilnRef;

const isPartial = (row: OutboxEntry): boolean =>
  row.kind === 'confirmation' && row.revision.startsWith('partial/');
