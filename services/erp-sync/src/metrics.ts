// The ERP-sync service's inbound metrics (the outbound ones live with the outbox sender).
import { Counter, type Registry } from 'prom-client';
import type { InboundMetrics, SyncKind } from './inbound/sync';

export function createInboundMetrics(registry: Registry): InboundMetrics & {
  failed(kind: 'sync'): void;
} {
  const registers = [registry];
  const published = new Counter({
    name: 'kiln_erp_records_published_total',
    help: 'ERP orders and shifts published to kiln.erp.order.v1 / kiln.erp.shift.v1, by kind.',
    labelNames: ['kind'],
    registers,
  });
  const skipped = new Counter({
    name: 'kiln_erp_records_skipped_total',
    help: 'ERP records skipped for bad data or an unmapped work center (listed in erp_sync_problems), by kind.',
    labelNames: ['kind'],
    registers,
  });
  const failures = new Counter({
    name: 'kiln_erp_sync_failures_total',
    help: 'Inbound syncs that failed (ERP unreachable, refused); retried at the next interval.',
    registers,
  });
  return {
    synced: (kind: SyncKind, count: number, problems: number) => {
      published.inc({ kind }, count);
      skipped.inc({ kind }, problems);
    },
    failed: () => failures.inc(),
  };
}
