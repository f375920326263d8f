// Sparkplug B load: a few edge nodes, one MQTT connection each, whose devices (the plant's assets) report many
// metric values per DDATA, as a plant at 100,000 samples/s reports; the rate is paced in samples. Every
// `probeEvery` samples one probe value goes out, stamped with its send time. Messages are QoS 0 as Sparkplug 3.0
// publishes them (the run's Mosquitto drops none, broker.ts); the NDEATH Will is QoS 1. A rebirth request (NCMD)
// is answered with NBIRTH and every DBIRTH, as the host connector asks for one when it sees a gap.
import { connect, type MqttClient } from 'mqtt';
import type { LoadCounts, SparkplugLoadSetup } from './protocol';
import { Pacer } from './pacer';
import { SparkplugEdgeNode, type EdgeMessage } from './sparkplug-edge-node';
import { asksRebirth } from './sparkplug-protobuf';
import { assignDevices } from './sparkplug-plan';

interface NodeConnection {
  readonly state: SparkplugEdgeNode;
  readonly client: MqttClient;
  inFlight: number;
}

export class SparkplugLoad {
  private readonly pacer = new Pacer();
  private readonly counts = { sent: 0, accepted: 0, failed: 0, skipped: 0, lastError: '' };
  /** Global device order: (node, device of the node), so consecutive messages go to the nodes in turn. */
  private readonly order: ReadonlyArray<readonly [number, number]>;
  private nextDevice = 0;
  private samplesSinceProbe = 0;
  private nextProbeNode = 0;

  private constructor(
    private readonly setup: SparkplugLoadSetup,
    private readonly nodes: readonly NodeConnection[],
  ) {
    const order: Array<readonly [number, number]> = [];
    const most = Math.max(...nodes.map((node) => node.state.deviceCount));
    for (let d = 0; d < most; d += 1) {
      nodes.forEach((node, n) => {
        if (d < node.state.deviceCount) order.push([n, d]);
      });
    }
    this.order = order;
  }

  static async connect(setup: SparkplugLoadSetup): Promise<SparkplugLoad> {
    const plan = assignDevices(setup);
    const nodes = await Promise.all(
      plan.map(async ({ edgeNodeId, devices, probe }) => {
        const state = new SparkplugEdgeNode(
          setup.groupId,
          edgeNodeId,
          devices,
          probe,
          setup.metricsPerMessage,
        );
        return { state, client: await connectNode(setup, state), inFlight: 0 };
      }),
    );
    return new SparkplugLoad(setup, nodes);
  }

  setRate(samplesPerS: number): void {
    this.pacer.set(samplesPerS, Date.now());
  }

  snapshot(): LoadCounts {
    return { ...this.counts, atMs: Date.now() };
  }

  tick(): void {
    const nowMs = Date.now();
    const { due, skipped } = this.pacer.due(nowMs);
    this.counts.skipped += skipped;
    let sent = 0;
    for (;;) {
      const probe = this.samplesSinceProbe >= this.setup.probeEvery;
      const size = probe ? 1 : this.setup.metricsPerMessage;
      if (sent + size > due) break;
      const taken = probe ? this.sendProbe(nowMs) : this.sendData(nowMs);
      if (taken === undefined) break;
      sent += taken;
    }
    this.pacer.took(sent);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.nodes.map(async ({ state, client }) => {
        // Sparkplug 3.0, 7.1.2: an edge node that disconnects on purpose publishes its NDEATH first.
        if (client.connected) {
          const death = state.death(Date.now());
          await client.publishAsync(death.topic, death.payload, { qos: 1 }).catch(() => undefined);
        }
        await client.endAsync(true);
      }),
    );
  }

  /** The next device's DDATA; undefined when its node cannot take it now (not born, too much unwritten). */
  private sendData(nowMs: number): number | undefined {
    const [n, d] = this.order[this.nextDevice % this.order.length] ?? [0, 0];
    const node = this.nodes[n];
    if (node === undefined || !this.ready(node)) return undefined;
    this.nextDevice += 1;
    this.samplesSinceProbe += this.setup.metricsPerMessage;
    return this.publish(node, node.state.data(d, nowMs));
  }

  private sendProbe(nowMs: number): number | undefined {
    const withProbe = this.nodes.filter((node) => node.state.hasProbe);
    const node = withProbe[this.nextProbeNode % Math.max(1, withProbe.length)];
    if (node === undefined) {
      this.samplesSinceProbe = 0;
      return 0;
    }
    if (!this.ready(node)) return undefined;
    const message = node.state.probeData(nowMs);
    if (message === undefined) return undefined;
    this.nextProbeNode += 1;
    this.samplesSinceProbe = 0;
    return this.publish(node, message);
  }

  private ready(node: NodeConnection): boolean {
    return node.client.connected && node.state.isBorn && node.inFlight < this.setup.maxInFlightPerNode;
  }

  private publish(node: NodeConnection, message: EdgeMessage): number {
    node.inFlight += 1;
    this.counts.sent += message.samples;
    node.client.publish(message.topic, message.payload, { qos: 0 }, (error) => {
      node.inFlight -= 1;
      if (error) {
        this.counts.failed += message.samples;
        this.counts.lastError = error.message;
      } else {
        this.counts.accepted += message.samples;
      }
    });
    return message.samples;
  }
}

/** Connects one edge node: Will = NDEATH, then on every (re)connection NCMD subscribed and the births published. */
async function connectNode(setup: SparkplugLoadSetup, state: SparkplugEdgeNode): Promise<MqttClient> {
  const will = state.nextWill(Date.now());
  const client = connect(setup.url, {
    clientId: `kiln-e2e-sparkplug-${process.pid}-${state.edgeNodeId}`,
    // Sparkplug 3.0, 7.1.1: an edge node connects with a clean session.
    clean: true,
    reconnectPeriod: 1000,
    will: { topic: will.topic, payload: will.payload, qos: 1, retain: false },
  });
  const publishBirths = (): void => {
    for (const message of state.births(Date.now()))
      client.publish(message.topic, message.payload, { qos: 0 });
  };
  let lastError = '';
  client.on('error', (error) => {
    // A connection error repeats on every reconnect attempt: say it once.
    if (error.message !== lastError) console.error(`sparkplug load: ${state.edgeNodeId}: ${error.message}`);
    lastError = error.message;
  });
  const born = new Promise<void>((resolve, reject) => {
    client.once('error', reject);
    client.on('connect', () => {
      state.connected();
      // The next connection's Will carries the next bdSeq (mqtt.js sends these options when it reconnects).
      const next = state.nextWill(Date.now());
      client.options.will = { topic: next.topic, payload: next.payload, qos: 1, retain: false };
      // Sparkplug 3.0, 7.1.1: subscribe to NCMD before NBIRTH.
      client.subscribe(state.topic('NCMD'), { qos: 1 }, (error) => {
        if (error) {
          reject(error);
          return;
        }
        publishBirths();
        resolve();
      });
    });
  });
  client.on('message', (topic, payload) => {
    if (topic !== state.topic('NCMD')) return;
    try {
      if (!asksRebirth(payload)) return;
    } catch (error) {
      console.error(`sparkplug load: undecodable NCMD on ${topic}: ${String(error)}`);
      return;
    }
    console.error(
      `sparkplug load: the host asked edge node ${state.edgeNodeId} for a rebirth (next seq was ${state.nextSeq}); publishing NBIRTH and DBIRTHs`,
    );
    publishBirths();
  });
  await born;
  return client;
}
