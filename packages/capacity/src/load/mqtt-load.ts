// MQTT load: one sample per message (QoS 1, as ingestion's subscriptions take by default) on many topics, spread
// over a few client connections, each with a bound on unacknowledged publishes.
import { connectAsync, type MqttClient } from 'mqtt';
import type { LoadCounts, MqttLoadSetup } from './protocol';
import { UniqueMicros } from './http-body';
import { Pacer } from './pacer';
import { TopicCycle } from './topic-cycle';

export class MqttLoad {
  private readonly pacer = new Pacer();
  private readonly clock = new UniqueMicros();
  private readonly inFlight: number[];
  private readonly topics: TopicCycle;
  private next = 0;
  private readonly counts = { sent: 0, accepted: 0, failed: 0, skipped: 0, lastError: '' };

  private constructor(
    private readonly setup: MqttLoadSetup,
    private readonly clients: MqttClient[],
  ) {
    this.inFlight = clients.map(() => 0);
    this.topics = new TopicCycle(setup.topics, setup.probeTopics, setup.probeEvery);
  }

  static async connect(setup: MqttLoadSetup): Promise<MqttLoad> {
    const clients = await Promise.all(
      Array.from({ length: setup.clients }, (_, i) =>
        connectAsync(setup.url, {
          clientId: `kiln-e2e-load-${process.pid}-${i}`,
          clean: true,
          reconnectPeriod: 1000,
        }),
      ),
    );
    return new MqttLoad(setup, clients);
  }

  setRate(samplesPerS: number): void {
    this.pacer.set(samplesPerS, Date.now());
  }

  snapshot(): LoadCounts {
    return { ...this.counts, atMs: Date.now() };
  }

  tick(): void {
    const { due, skipped } = this.pacer.due(Date.now());
    this.counts.skipped += skipped;
    let sent = 0;
    for (; sent < due; sent += 1) {
      const clientIndex = this.next % this.clients.length;
      const client = this.clients[clientIndex];
      if (!client || (this.inFlight[clientIndex] ?? 0) >= this.setup.maxInFlightPerClient) break;
      this.publish(client, clientIndex);
    }
    this.pacer.took(sent);
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.endAsync(true)));
  }

  private publish(client: MqttClient, clientIndex: number): void {
    const n = this.next;
    this.next += 1;
    const topic = this.topics.take();
    const payload = `{"v":${(n % 97) + 0.5},"t":${this.clock.next(Date.now())}}`;
    this.inFlight[clientIndex] = (this.inFlight[clientIndex] ?? 0) + 1;
    this.counts.sent += 1;
    client.publish(`${this.setup.topicPrefix}/${topic}`, payload, { qos: 1 }, (error) => {
      this.inFlight[clientIndex] = (this.inFlight[clientIndex] ?? 0) - 1;
      if (error) {
        this.counts.failed += 1;
        this.counts.lastError = error.message;
      } else {
        this.counts.accepted += 1;
      }
    });
  }
}
