// committedBy: a publisher waits until a consumer group has committed what it published, for in-process records
// that live in memory only until the group's effects are durable.
import { PermanentError } from '@kiln/contracts';
import { uniqueName } from '@kiln/test-infra';
import { BusError, classifyFailure } from '../../src';
import { gate, hasSettled, newBus, record, topicSpec } from './support';

describe('in-process bus committedBy', () => {
  it('resolves only once the group has committed every record published before the call', async () => {
    const bus = newBus();
    const spec = topicSpec(3);
    await bus.provision([spec]);
    const held = gate();
    const groupId = uniqueName('committer');
    let batches = 0;
    await bus.subscribe({
      groupId,
      topics: [spec.name],
      maxBatchSize: 1,
      handler: async () => {
        batches += 1;
        await held.opened;
      },
    });
    await bus.publish(spec.name, [record('a', '1'), record('b', '2'), record('c', '3')]);
    const committed = bus.committedBy(groupId, spec.name);
    expect(await hasSettled(committed)).toBe(false);
    held.open();
    await committed;
    expect(batches).toBe(3);
    // Nothing new published: passes at once.
    await bus.committedBy(groupId, spec.name);
    await bus.close();
  });

  it('waits for a group that does not exist yet, and rejects when the bus closes first or the wait is aborted', async () => {
    const bus = newBus();
    const spec = topicSpec(1);
    await bus.provision([spec]);
    await bus.publish(spec.name, [record('a', '1')]);
    const never = bus.committedBy('nobody', spec.name);
    const aborted = new AbortController();
    const cancelled = bus.committedBy('nobody', spec.name, aborted.signal);
    aborted.abort();
    await expect(cancelled).rejects.toThrow(/stopped waiting for nobody to commit .* aborted/);
    expect(await hasSettled(never)).toBe(false);
    await bus.close();
    await expect(never).rejects.toThrow(BusError);
  });

  it('refuses a record over the size limit as a permanent failure', async () => {
    const bus = newBus({ maxRecordBytes: 1_000 });
    const spec = topicSpec(1);
    await bus.provision([spec]);
    const refused = await bus
      .publish(spec.name, [record('k', 'x'.repeat(2_000))])
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PermanentError);
    expect(classifyFailure(refused)).toBe('permanent');
    await bus.close();
  });
});
