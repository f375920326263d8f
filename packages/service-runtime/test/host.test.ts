// startServices, as kiln start uses it: the services of a list started in the order their topics give, one
// resource shared, extras computed when each one's turn comes, consumer checks named by their service, and the
// components stopped in reverse order. A seventh service is one more entry of the list.
import { InProcessBus } from '@kiln/bus';
import { createLogger, createMetricsRegistry, manualLifecycle } from '@kiln/service-kit';
import { defineResource, defineService } from '../src/definition';
import { startServices } from '../src/host';

const topic = (name: string) => ({ name }) as never;
const logger = createLogger({ service: 'test', level: 'silent' });

describe('startServices', () => {
  it('starts consumers before producers, shares a resource, and stops in reverse order', async () => {
    const events: string[] = [];
    const database = defineResource({
      id: 'database',
      open: async (config: { database: { url: string } }) => {
        events.push(`open database ${config.database.url}`);
        return {
          value: 'db',
          ping: async () => undefined,
          close: async () => void events.push('close database'),
        };
      },
    });
    const service = (id: string, consumes: string[], produces: string[], optional = false) =>
      defineService<{ database: { url: string } }, string, string>({
        id,
        packageDir: __dirname,
        config: {
          key: id,
          schema: undefined as never,
          env: {},
          optional,
          load: () => ({ database: { url: '' } }),
        },
        consumes: consumes.map(topic),
        produces: produces.map(topic),
        uses: [database],
        start: async ({ lifecycle, resources }, extras) => {
          events.push(
            `start ${id} with ${await resources.use(database)}${extras === undefined ? '' : ` ${extras}`}`,
          );
          lifecycle.add({ name: id, stop: async () => void events.push(`stop ${id}`) });
          return {
            readiness: [{ name: 'consumer', check: async () => undefined }],
            handle: `${id}-handle`,
          };
        },
      });
    const producer = service('ingestion', [], ['raw']);
    const consumer = service('normalization', ['raw'], ['state']);
    // The seventh service: one more entry, placed anywhere in the list.
    const seventh = service('notifications', ['state'], []);
    const absent = service('erp-sync', ['state'], [], true);
    const lifecycle = manualLifecycle();
    const bus = new InProcessBus({ service: 'test' });
    const started = await startServices(
      [producer, consumer, absent, seventh],
      {
        lifecycle,
        config: { database: { url: 'pg://one' } },
        logger,
        bus,
        registry: createMetricsRegistry({ service: 'test' }),
        version: '0.0.0',
      },
      (id, sofar) => (id === 'ingestion' ? `after ${sofar.started.join('+')}` : undefined),
    );
    expect(started.started).toEqual(['notifications', 'normalization', 'ingestion']);
    expect(started.handleOf(consumer)).toBe('normalization-handle');
    expect(started.handleOf(absent)).toBeUndefined();
    expect(started.readiness().map((check) => check.name)).toEqual([
      'database',
      'notifications',
      'normalization',
      'ingestion',
    ]);
    await lifecycle.stopAll();
    await bus.close();
    expect(events).toEqual([
      'open database pg://one',
      'start notifications with db',
      'start normalization with db',
      'start ingestion with db after notifications+normalization',
      'stop ingestion',
      'stop normalization',
      'stop notifications',
      'close database',
    ]);
  });
});
