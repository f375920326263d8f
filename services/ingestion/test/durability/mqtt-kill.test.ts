// kill -9 of ingestion while it reads a QoS 1 subscription with a persistent session: what it acknowledged
// (PUBACK) is on disk, what it did not is redelivered by the broker to the restarted process; nothing is lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { serviceEndpoints, uniqueName } from '@kiln/test-infra';
import { startIngestionChild, tagsInBuffer, type IngestionChild } from './child-process';
import type { SectionInput } from '../pipeline/support';

jest.setTimeout(90_000);

const url = serviceEndpoints().mqttUrl;
let directory: string;
let child: IngestionChild | undefined;
let publisher: MqttClient | undefined;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'kiln-mqtt-kill-'));
});
afterEach(async () => {
  if (child?.process.exitCode === null) child.process.kill('SIGKILL');
  await child?.exited;
  child = undefined;
  await publisher?.endAsync();
  publisher = undefined;
  rmSync(directory, { recursive: true, force: true });
});

describe('MQTT QoS 1: acknowledgement after kill -9', () => {
  it('loses no message across a kill -9 and a restart with the same persistent session', async () => {
    const prefix = uniqueName('kiln-kill');
    const buffer = join(directory, 'buffer');
    const section: SectionInput = {
      buffer: { directory: buffer, fsync: 'never' },
      // A long linger: what waits in the batcher when the process dies is what an early PUBACK loses.
      batching: { lingerMs: 2_000 },
      connectors: [
        {
          kind: 'mqtt',
          id: 'kill',
          url,
          clientId: prefix,
          qos: 1,
          cleanSession: false,
          subscriptions: [{ topic: `${prefix}/#`, payloadFormat: 'raw-number' }],
        },
      ],
    };
    child = await startIngestionChild(section);
    publisher = await connectAsync(url, { clientId: `${prefix}-pub` });
    // The subscription exists once the child's session does: wait for it before publishing.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const total = 600;
    const publish = async (from: number, to: number): Promise<void> => {
      for (let n = from; n < to; n += 1)
        await publisher?.publishAsync(`${prefix}/m/${n}`, String(n), { qos: 1 });
    };
    await publish(0, total / 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.process.kill('SIGKILL');
    await child.exited;
    // Queued by the broker for the persistent session while ingestion is down.
    await publish(total / 2, total);

    child = await startIngestionChild(section);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    child.process.kill('SIGTERM');
    await child.exited;

    const kept = await tagsInBuffer(buffer);
    const lost: string[] = [];
    for (let n = 0; n < total; n += 1) if (!kept.has(`${prefix}/m/${n}`)) lost.push(String(n));
    expect({ lost: lost.slice(0, 10), lostCount: lost.length }).toEqual({ lost: [], lostCount: 0 });
  });
});
