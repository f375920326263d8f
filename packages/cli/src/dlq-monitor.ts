// Watches kiln.dlq.v1 so dead-lettered records are seen: a metric per source topic and service, and a log
// line naming where each record came from and why it failed.
import { dlqHeaderNames, topics } from '@kiln/contracts';
import type { BusRecord, EventBus, Subscription } from '@kiln/bus';
import type { Logger, Registry } from '@kiln/service-kit';
import { Counter } from 'prom-client';

export const DLQ_MONITOR_GROUP = 'kiln-dlq-monitor';

/** What the headers of a dead-lettered record say: where it came from and why it failed. */
export interface DeadLetterNotice {
  readonly sourceTopic: string;
  readonly sourcePartition: string;
  readonly sourceOffset: string;
  readonly key: string;
  readonly service: string;
  readonly error: string;
  readonly dlqOffset: string;
}

/**
 * The monitor's decoder: it reads the headers only (the value is the failed record, of any topic) and refuses
 * nothing, a header that is missing being 'unknown': a dead letter must never be dead-lettered again.
 */
export function deadLetterNoticeOf(record: BusRecord): DeadLetterNotice {
  const header = (name: string): string => record.headers[name] ?? 'unknown';
  return {
    sourceTopic: header(dlqHeaderNames.sourceTopic),
    sourcePartition: header(dlqHeaderNames.sourcePartition),
    sourceOffset: header(dlqHeaderNames.sourceOffset),
    key: record.key,
    service: header(dlqHeaderNames.service),
    error: header(dlqHeaderNames.error),
    dlqOffset: record.offset,
  };
}

export async function startDlqMonitor(
  bus: EventBus,
  registry: Registry,
  logger: Logger,
): Promise<Subscription> {
  const deadLettered = new Counter({
    name: 'kiln_dlq_records_total',
    help: 'Records that arrived in kiln.dlq.v1, by the topic and service they came from.',
    labelNames: ['source_topic', 'source_service'],
    registers: [registry],
  });
  const log = logger.child({ component: 'dlq-monitor' });
  return bus.subscribe({
    groupId: DLQ_MONITOR_GROUP,
    topics: [topics.dlq.name],
    // Only what arrives from now on: an operator reads older ones from the topic itself.
    fromBeginning: false,
    decode: deadLetterNoticeOf,
    handler: async (batch) => {
      for (const { event: notice } of batch.events) {
        deadLettered.inc({ source_topic: notice.sourceTopic, source_service: notice.service });
        log.warn(notice, 'record dead-lettered');
      }
    },
  });
}
