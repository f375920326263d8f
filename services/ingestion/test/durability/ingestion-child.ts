// Ingestion as its own process, for the kill -9 tests: the section comes as JSON in argv[2]. Its bus never
// confirms delivery, so the buffer releases nothing and holds every entry the process wrote before it died.
import { InProcessBus } from '@kiln/bus';
import { topics } from '@kiln/contracts';
import { createLogger, createMetricsRegistry, manualLifecycle } from '@kiln/service-kit';
import { ingestionSectionSchema } from '../../src/config';
import type { HttpConnector } from '../../src/connectors/http/http-connector';
import { startIngestion } from '../../src/ingestion';

async function main(): Promise<void> {
  const section = ingestionSectionSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  const bus = new InProcessBus({ service: 'ingestion' });
  await bus.provision([topics.raw, topics.dlq]);
  const lifecycle = manualLifecycle();
  const ingestion = await startIngestion(lifecycle, section, {
    bus,
    logger: createLogger({
      service: 'ingestion-child',
      level: process.env['KILN_TEST_LOG_LEVEL'] === 'debug' ? 'debug' : 'error',
    }),
    registry: createMetricsRegistry({ service: 'ingestion', processMetrics: false }),
    // Never delivered: stopping fails the wait, so even a graceful stop releases nothing.
    delivered: (_topic, signal) =>
      new Promise<void>((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }),
      ),
  });
  const http = ingestion.connectors.find((connector) => connector.kind === 'http') as
    HttpConnector | undefined;
  process.stdout.write(`${JSON.stringify({ ready: true, port: http?.address().port })}\n`);
  process.on('SIGTERM', () => {
    void lifecycle.stopAll(2_000).then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
