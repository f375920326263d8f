import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { startTelemetry } from '../src';

interface Received {
  readonly path: string;
  readonly body: string;
}

/** A stand-in OTLP/HTTP collector that records what it is sent. */
async function startCollector(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, received };
}

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => server.close(() => resolve()));

describe('startTelemetry', () => {
  const savedEnv = { ...process.env };
  afterEach(() => {
    process.env = { ...savedEnv };
  });

  it('propagates a traceparent without an endpoint and sends nothing, whatever OTEL_* variables say', async () => {
    const collector = await startCollector();
    // NodeSDK would honour these and export to the collector; telemetry off must mean no network at all.
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = collector.url;
    process.env['OTEL_TRACES_EXPORTER'] = 'otlp';
    process.env['OTEL_METRICS_EXPORTER'] = 'otlp';
    try {
      const telemetry = startTelemetry({ serviceName: 'edge-gateway' });
      const headers: Record<string, string> = {};
      const span = trace.getTracer('test').startActiveSpan('publish telemetry.raw', (active) => {
        propagation.inject(context.active(), headers);
        active.end();
        return active;
      });
      const extracted = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, headers));
      await telemetry.shutdown();

      const { traceId, spanId } = span.spanContext();
      expect(headers['traceparent']).toBe(`00-${traceId}-${spanId}-01`);
      expect(extracted).toMatchObject({ traceId, spanId, isRemote: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(collector.received).toEqual([]);
    } finally {
      await closeServer(collector.server);
    }
  });

  // The OTLP exporters load `http` with a dynamic import(), which jest's CommonJS sandbox refuses; the export
  // path therefore runs in a plain Node process against the built package (turbo builds before testing).
  it('exports spans over OTLP/HTTP when an endpoint is configured', async () => {
    const dist = join(__dirname, '..', 'dist', 'index.js');
    if (!existsSync(dist))
      throw new Error(`${dist} is missing: run "npm run build" in packages/service-kit first`);
    const collector = await startCollector();
    try {
      const script = `
        const { trace } = require('@opentelemetry/api');
        const { startTelemetry } = require(${JSON.stringify(dist)});
        const telemetry = startTelemetry({ serviceName: 'oee', serviceVersion: '1.2.3', otlpEndpoint: process.argv[1] + '/' });
        trace.getTracer('test').startActiveSpan('process telemetry.raw', (span) => span.end());
        telemetry.shutdown().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
      `;
      const exitCode = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['-e', script, collector.url], {
          cwd: join(__dirname, '..'),
          stdio: 'inherit',
        });
        child.on('exit', resolve);
      });

      expect(exitCode).toBe(0);
      const traces = collector.received.filter((request) => request.path === '/v1/traces');
      expect(traces).toHaveLength(1);
      expect(traces[0]?.body).toContain('process telemetry.raw');
      expect(traces[0]?.body).toContain('"oee"');
      expect(
        collector.received.every((request) => ['/v1/traces', '/v1/metrics'].includes(request.path)),
      ).toBe(true);
    } finally {
      await closeServer(collector.server);
    }
  });

  it('can start again after a shutdown', async () => {
    const first = startTelemetry({ serviceName: 'oee' });
    await first.shutdown();
    await first.shutdown();
    const second = startTelemetry({ serviceName: 'oee' });
    const traceId = trace.getTracer('test').startActiveSpan('x', (span) => {
      span.end();
      return span.spanContext().traceId;
    });
    await second.shutdown();
    expect(traceId).not.toBe('00000000000000000000000000000000');
  });
});
