// The PUBACK of a QoS 1 message goes out only once what the connector made of it is durable; QoS 0 is not held.
import { connectAsync, type MqttClient, type Packet } from 'mqtt';
import { serviceEndpoints, uniqueName } from '@kiln/test-infra';
import { acknowledgeWhenDurable } from '../../src/connectors/mqtt/connection';

const url = serviceEndpoints().mqttUrl;
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync()));
});

async function client(clientId: string): Promise<MqttClient> {
  const connected = await connectAsync(url, { clientId, protocolVersion: 4 });
  clients.push(connected);
  return connected;
}

describe('acknowledgeWhenDurable', () => {
  it('sends the PUBACK of a message only once its durable promise resolves, and none when it rejects', async () => {
    const topic = uniqueName('kiln-ack');
    const subscriber = await client(`${topic}-sub`);
    const sent: Packet[] = [];
    subscriber.on('packetsend', (packet) => sent.push(packet));
    const refused: unknown[] = [];
    const hold = acknowledgeWhenDurable(subscriber, (error) => refused.push(error));
    const durable: { resolve(): void; reject(error: Error): void }[] = [];
    subscriber.on('message', (_topic, _payload, packet) => {
      hold(packet, new Promise<void>((resolve, reject) => durable.push({ resolve, reject })));
    });
    await subscriber.subscribeAsync(topic, { qos: 1 });
    const publisher = await client(`${topic}-pub`);
    await publisher.publishAsync(topic, 'first', { qos: 1 });
    await publisher.publishAsync(topic, 'second', { qos: 1 });
    const pubacks = (): number => sent.filter((packet) => packet.cmd === 'puback').length;

    await waitFor(() => durable.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Held: no PUBACK yet, and mqtt.js handles the second message only after the first is acknowledged.
    expect({ pubacks: pubacks(), handled: durable.length }).toEqual({ pubacks: 0, handled: 1 });

    durable[0]?.resolve();
    await waitFor(() => durable.length === 2);
    expect(pubacks()).toBe(1);

    durable[1]?.reject(new Error('buffer full'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect({ pubacks: pubacks(), refused: refused.length }).toEqual({ pubacks: 1, refused: 1 });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
