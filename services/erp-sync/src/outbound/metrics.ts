// Prometheus metrics of the outbound half (docs/architecture.md section 10): outbox rows by status (read from the database at
// scrape time, so every instance reports the shared outbox), send attempts by result, the circuit breaker, the
// decisions made and the records dead-lettered.
import type { ErpOutboxKind, ErpStore } from '@kiln/timeseries';
import { Counter, Gauge, type Registry } from 'prom-client';

export type OutboundMetrics = ReturnType<typeof createOutboundMetrics>;

export type SendResult = 'sent' | 'existing' | 'retry' | 'deferred' | 'rejected' | 'gave-up';

/** Breaker states as a number: 0 closed, 1 half-open, 2 open. */
export type BreakerGaugeState = 0 | 1 | 2;

export function createOutboundMetrics(registry: Registry, store: ErpStore) {
  const registers = [registry];
  new Gauge({
    name: 'kiln_erp_outbox_rows',
    help: 'Outbox rows by status: pending (due or waiting for a retry), sent, failed (refused or given up).',
    labelNames: ['status'],
    registers,
    async collect() {
      // A scrape while the database is unreachable keeps the last counts rather than failing every metric.
      const counts = await store.outboxCounts().catch(() => undefined);
      for (const [status, count] of Object.entries(counts ?? {})) this.set({ status }, count);
    },
  });
  const attempts = new Counter({
    name: 'kiln_erp_send_attempts_total',
    help:
      'Outbox sends by kind and result: sent, existing (the ERP had it by its key), retry (unavailable or timed ' +
      'out), deferred (circuit open), rejected (refused, failed), gave-up (unavailable for maxAttempts).',
    labelNames: ['kind', 'result'],
    registers,
  });
  const breaker = new Gauge({
    name: 'kiln_erp_circuit_breaker_state',
    help: 'The ERP circuit breaker of this instance: 0 closed, 1 half-open (one trial call), 2 open (no calls).',
    registers,
  });
  const decisions = new Counter({
    name: 'kiln_erp_decisions_total',
    help: 'Decisions written to the outbox: final confirmations and maintenance notifications (replays excluded).',
    labelNames: ['kind'],
    registers,
  });
  const problems = new Counter({
    name: 'kiln_erp_outbound_problems_total',
    help: 'Decisions not made or postings not delivered, recorded in erp_sync_problems, by kind.',
    labelNames: ['kind'],
    registers,
  });
  const deadLettered = new Counter({
    name: 'kiln_erp_outbound_dead_lettered_total',
    help: 'Count and alert records that did not decode or broke a rule, sent to kiln.dlq.v1.',
    registers,
  });
  return {
    attempt: (kind: ErpOutboxKind, result: SendResult) => attempts.inc({ kind, result }),
    breaker: (state: BreakerGaugeState) => breaker.set(state),
    decision: (kind: ErpOutboxKind) => decisions.inc({ kind }),
    problem: (kind: ErpOutboxKind) => problems.inc({ kind }),
    deadLettered: () => deadLettered.inc(),
  };
}
