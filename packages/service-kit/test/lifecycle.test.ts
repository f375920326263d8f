import { EventEmitter } from 'node:events';
import { z } from 'zod';
import {
  createMetricsRegistry,
  loadConfig,
  runService,
  serviceConfigSchema,
  serviceEnvMap,
  startOpsServer,
  type RunServiceOptions,
  type StopContext,
} from '../src';
import { captureLogs, type CapturedLogs } from './log-capture';

interface Harness {
  readonly events: EventEmitter;
  readonly exits: number[];
  readonly logs: CapturedLogs;
  readonly options: Pick<RunServiceOptions, 'name' | 'logger' | 'exit' | 'processEvents'>;
}

function harness(): Harness {
  const events = new EventEmitter();
  const exits: number[] = [];
  const logs = captureLogs('oee');
  return {
    events,
    exits,
    logs,
    options: { name: 'oee', logger: logs.logger, exit: (code) => exits.push(code), processEvents: events },
  };
}

/** A promise and the function that resolves it, to let a test wait for a service to have started. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const forever = (): Promise<void> => new Promise<void>(() => undefined);

describe('runService', () => {
  it('stops components in reverse order on SIGTERM and exits 0', async () => {
    const { events, exits, options } = harness();
    const stopped: string[] = [];
    const started = deferred();
    const run = runService({
      ...options,
      start: async (lifecycle) => {
        for (const name of ['telemetry', 'database', 'consumer']) {
          lifecycle.add({ name, stop: async () => void stopped.push(name) });
        }
        started.resolve();
      },
    });
    await started.promise;
    events.emit('SIGTERM', 'SIGTERM');

    expect(await run).toBe(0);
    expect(exits).toEqual([0]);
    expect(stopped).toEqual(['consumer', 'database', 'telemetry']);
    expect(events.listenerCount('SIGTERM')).toBe(0);
    expect(events.listenerCount('unhandledRejection')).toBe(0);
  });

  it('marks the ops server not ready before it stops anything', async () => {
    const { events, logs, options } = harness();
    const readinessDuringStop: number[] = [];
    const started = deferred();
    const run = runService({
      ...options,
      start: async (lifecycle) => {
        const registry = createMetricsRegistry({ service: 'oee', processMetrics: false });
        const ops = lifecycle.add(
          await startOpsServer({ host: '127.0.0.1', port: 0, registry, logger: logs.logger }),
        );
        lifecycle.add({
          name: 'consumer',
          stop: async () => void readinessDuringStop.push((await fetch(`${ops.address}/readyz`)).status),
        });
        started.resolve();
      },
    });
    await started.promise;
    events.emit('SIGINT', 'SIGINT');

    expect(await run).toBe(0);
    expect(readinessDuringStop).toEqual([503]);
  });

  it('gives each component the remaining budget and signals when draining must end', async () => {
    const { events, options } = harness();
    const contexts: StopContext[] = [];
    let drainAbortedWhileStopping = false;
    const started = deferred();
    const run = runService({
      ...options,
      drainTimeoutMs: 20,
      hardTimeoutMs: 2000,
      start: async (lifecycle) => {
        lifecycle.add({
          name: 'consumer',
          stop: async (context) => {
            contexts.push(context);
            await new Promise<void>((resolve) =>
              context.drainSignal.addEventListener('abort', () => resolve()),
            );
            drainAbortedWhileStopping = context.drainSignal.aborted;
          },
        });
        started.resolve();
      },
    });
    await started.promise;
    events.emit('SIGTERM', 'SIGTERM');

    expect(await run).toBe(0);
    expect(drainAbortedWhileStopping).toBe(true);
    expect(contexts[0]?.remainingMs).toBeGreaterThan(1900);
    expect(contexts[0]?.remainingMs).toBeLessThanOrEqual(2000);
  });

  it('exits 1 after the hard timeout and names the component that hung', async () => {
    const { events, exits, logs, options } = harness();
    const stopped: string[] = [];
    const started = deferred();
    const run = runService({
      ...options,
      drainTimeoutMs: 30,
      hardTimeoutMs: 80,
      start: async (lifecycle) => {
        lifecycle.add({ name: 'ops-server', stop: async () => void stopped.push('ops-server') });
        lifecycle.add({ name: 'kafka-consumer', stop: forever });
        started.resolve();
      },
    });
    await started.promise;
    const shutdownAt = Date.now();
    events.emit('SIGTERM', 'SIGTERM');

    expect(await run).toBe(1);
    expect(Date.now() - shutdownAt).toBeGreaterThanOrEqual(75);
    expect(exits).toEqual([1]);
    expect(stopped).toEqual([]);
    const fatal = logs.lines.find((line) => line['level'] === 'fatal');
    expect(fatal).toMatchObject({ component: 'kafka-consumer', hardTimeoutMs: 80 });
    expect(String(fatal?.['msg'])).toContain('kafka-consumer hung');
  });

  it('names the start as what hung when a signal arrives while starting never finishes', async () => {
    const { events, logs, options } = harness();
    const run = runService({ ...options, hardTimeoutMs: 50, start: forever });
    await new Promise((resolve) => setTimeout(resolve, 5));
    events.emit('SIGTERM', 'SIGTERM');

    expect(await run).toBe(1);
    expect(logs.lines.find((line) => line['level'] === 'fatal')).toMatchObject({ component: 'start' });
  });

  it('exits at once on a second signal', async () => {
    const { events, exits, options } = harness();
    const started = deferred();
    const run = runService({
      ...options,
      hardTimeoutMs: 60_000,
      start: async (lifecycle) => {
        lifecycle.add({ name: 'consumer', stop: forever });
        started.resolve();
      },
    });
    await started.promise;
    events.emit('SIGTERM', 'SIGTERM');
    events.emit('SIGTERM', 'SIGTERM');

    expect(await run).toBe(1);
    expect(exits).toEqual([1]);
  });

  it('logs a failed start with the error message, stops what had started and exits 1', async () => {
    const { exits, logs, options } = harness();
    const stopped: string[] = [];
    const schema = z.strictObject({ ...serviceConfigSchema });
    const code = await runService({
      ...options,
      start: async (lifecycle) => {
        lifecycle.add({ name: 'telemetry', stop: async () => void stopped.push('telemetry') });
        loadConfig({ schema, env: { KILN_HTTP_PORT: 'abc' }, envMap: serviceEnvMap, envPrefix: 'KILN_' });
        lifecycle.add({ name: 'never-started', stop: async () => void stopped.push('never-started') });
      },
    });

    expect(code).toBe(1);
    expect(exits).toEqual([1]);
    expect(stopped).toEqual(['telemetry']);
    expect(logs.text()).toContain('env KILN_HTTP_PORT (http.port): expected number, received \\"abc\\"');
    const fatal = logs.lines.find((line) => line['level'] === 'fatal');
    expect(String(fatal?.['msg'])).toMatch(
      /^oee failed to start: invalid configuration:\n {2}env KILN_HTTP_PORT/,
    );
  });

  it('shuts down with exit code 1 on an unhandled rejection', async () => {
    const { events, exits, logs, options } = harness();
    const stopped: string[] = [];
    const started = deferred();
    const run = runService({
      ...options,
      start: async (lifecycle) => {
        lifecycle.add({ name: 'consumer', stop: async () => void stopped.push('consumer') });
        started.resolve();
      },
    });
    await started.promise;
    events.emit('unhandledRejection', new Error('offset commit failed'), Promise.resolve());

    expect(await run).toBe(1);
    expect(exits).toEqual([1]);
    expect(stopped).toEqual(['consumer']);
    expect(logs.lines.find((line) => line['level'] === 'fatal')?.['msg']).toBe(
      'oee failed: offset commit failed',
    );
  });

  it('lets a component report an unrecoverable error through the lifecycle', async () => {
    const { options } = harness();
    const code = await runService({
      ...options,
      start: async (lifecycle) => {
        lifecycle.add({ name: 'consumer', stop: async () => undefined });
        setTimeout(() => lifecycle.fail(new Error('partition assignment lost')), 5);
      },
    });
    expect(code).toBe(1);
  });

  it('exits 1 when a component fails to stop, after still stopping the others', async () => {
    const { events, options } = harness();
    const stopped: string[] = [];
    const started = deferred();
    const run = runService({
      ...options,
      start: async (lifecycle) => {
        lifecycle.add({ name: 'database', stop: async () => void stopped.push('database') });
        lifecycle.add({
          name: 'consumer',
          stop: async () => {
            throw new Error('commit failed');
          },
        });
        started.resolve();
      },
    });
    await started.promise;
    events.emit('SIGTERM', 'SIGTERM');

    expect(await run).toBe(1);
    expect(stopped).toEqual(['database']);
  });
});
