import { trace } from '@opentelemetry/api';
import { startTelemetry } from '../src';
import { captureLogs } from './log-capture';

describe('createLogger', () => {
  const telemetry = startTelemetry({ serviceName: 'logger-test' });
  afterAll(() => telemetry.shutdown());

  it('writes one JSON object per line with the service name and an ISO time', () => {
    const { logger, lines } = captureLogs('oee');
    logger.info({ assetId: 'press-1' }, 'availability computed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      service: 'oee',
      level: 'info',
      assetId: 'press-1',
      msg: 'availability computed',
    });
    expect(String(lines[0]?.['time'])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('stamps lines logged inside an active span with its trace and span ids', () => {
    const { logger, lines } = captureLogs();
    const ids = trace.getTracer('test').startActiveSpan('process telemetry.raw', (span) => {
      logger.info('inside the span');
      span.end();
      return span.spanContext();
    });
    logger.info('outside any span');

    expect(lines[0]).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId });
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(lines[1]).not.toHaveProperty('trace_id');
  });
});
