// The DLQ monitor of `kiln start`: each record arriving in kiln.dlq.v1 is counted by the topic and service it came
// from and logged with where it came from and why it failed; a record without the DLQ headers is counted as unknown,
// never dead-lettered again.
import { InProcessBus } from '@kiln/bus';
import { dlqHeaderNames, topics } from '@kiln/contracts';
import { createLogger, Registry } from '@kiln/service-kit';
import { waitUntil } from '@kiln/test-infra';
import { startDlqMonitor } from '../src/dlq-monitor';

describe('DLQ monitor', () => {
  it('counts and logs each dead letter by its source, and a record without DLQ headers as unknown', async () => {
    const bus = new InProcessBus({ service: 'dlq-monitor-test' });
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      service: 'dlq-monitor-test',
      level: 'info',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const registry = new Registry();
    try {
      await bus.provision([topics.dlq]);
      const monitor = await startDlqMonitor(bus, registry, logger);
      await bus.publish(topics.dlq.name, [
        {
          key: 'acme/plant-1/pressing/line-2/press-04',
          value: new Uint8Array([0, 1, 2]),
          headers: {
            [dlqHeaderNames.sourceTopic]: topics.productionCount.name,
            [dlqHeaderNames.sourcePartition]: '3',
            [dlqHeaderNames.sourceOffset]: '41',
            [dlqHeaderNames.service]: 'oee',
            [dlqHeaderNames.error]: 'RuleError: count delta 0 of asset "press-04": totalCount is -1',
          },
        },
        { key: 'k', value: new Uint8Array(0) },
      ]);
      const counted = async (): Promise<{ labels: object; value: number }[]> =>
        (await registry.getSingleMetric('kiln_dlq_records_total')?.get())?.values ?? [];
      await waitUntil(async () => (await counted()).length === 2, { timeoutMs: 5_000, what: 'two counts' });

      expect(await counted()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            labels: { source_topic: topics.productionCount.name, source_service: 'oee' },
            value: 1,
          }),
          expect.objectContaining({
            labels: { source_topic: 'unknown', source_service: 'unknown' },
            value: 1,
          }),
        ]),
      );
      const logged = lines.filter((line) => line['msg'] === 'record dead-lettered');
      expect(logged[0]).toMatchObject({
        sourceTopic: topics.productionCount.name,
        sourcePartition: '3',
        sourceOffset: '41',
        key: 'acme/plant-1/pressing/line-2/press-04',
        service: 'oee',
        error: 'RuleError: count delta 0 of asset "press-04": totalCount is -1',
        dlqOffset: '0',
      });
      await monitor.close();
    } finally {
      await bus.close();
    }
  });
});
