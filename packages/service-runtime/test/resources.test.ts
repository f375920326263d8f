import { createLogger, manualLifecycle } from '@kiln/service-kit';
import { defineResource, type ResourceContext } from '../src/definition';
import { ResourceScope } from '../src/resources';

const logger = createLogger({ service: 'test', level: 'silent' });

function counted(id: string, events: string[]) {
  return defineResource({
    id,
    open: async (config: { url: string }) => {
      events.push(`open ${id} ${config.url}`);
      return {
        value: { id },
        ping: async () => undefined,
        close: async () => void events.push(`close ${id}`),
      };
    },
  });
}

describe('ResourceScope', () => {
  it('opens a resource once for every service that declares it, and closes it after all of them', async () => {
    const events: string[] = [];
    const database = counted('database', events);
    const lifecycle = manualLifecycle();
    const scope = new ResourceScope(lifecycle, { url: 'pg://x' }, { service: 'kiln', logger });
    const first = scope.forService('oee', [database]);
    const second = scope.forService('gateway', [database]);
    const [a, b] = await Promise.all([first.use(database), second.use(database)]);
    expect(a).toBe(b);
    lifecycle.add({ name: 'gateway', stop: async () => void events.push('stop gateway') });
    expect(scope.readiness().map((check) => check.name)).toEqual(['database']);
    await lifecycle.stopAll();
    expect(events).toEqual(['open database pg://x', 'stop gateway', 'close database']);
  });

  it('refuses a resource the service did not declare, naming both', () => {
    const scope = new ResourceScope(manualLifecycle(), {}, { service: 'kiln', logger });
    const redis = counted('hot-state', []);
    expect(() => scope.forService('maintenance', []).use(redis)).toThrow(
      'service maintenance uses the resource hot-state without declaring it',
    );
  });

  it('opens again after a failed open, so a retry is not served the old failure', async () => {
    let attempts = 0;
    const flaky = defineResource({
      id: 'database',
      open: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('connection refused');
        return { value: attempts, ping: async () => undefined, close: async () => undefined };
      },
    });
    const scope = new ResourceScope(manualLifecycle(), {}, { service: 'kiln', logger }).forService('a', [
      flaky,
    ]);
    await expect(scope.use(flaky)).rejects.toThrow('connection refused');
    await expect(scope.use(flaky)).resolves.toBe(2);
  });

  it('fails the process when an opened resource is lost for good, naming it', async () => {
    let lose: (error: Error) => void = () => undefined;
    const embedded = defineResource({
      id: 'database',
      open: async (_config: unknown, context: ResourceContext) => {
        lose = context.lost;
        return { value: 1, ping: async () => undefined, close: async () => undefined };
      },
    });
    const failures: unknown[] = [];
    const lifecycle = { ...manualLifecycle(), fail: (error: unknown) => void failures.push(error) };
    await new ResourceScope(lifecycle, {}, { service: 'kiln', logger })
      .forService('a', [embedded])
      .use(embedded);
    expect(failures).toEqual([]);
    lose(new Error('the embedded database thread exited (code 1)'));
    expect(failures.map((error) => (error as Error).message)).toEqual([
      'the database is lost: the embedded database thread exited (code 1)',
    ]);
  });
});
