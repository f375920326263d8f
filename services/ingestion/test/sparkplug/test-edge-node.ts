// A tiny Sparkplug B edge node for tests: publishes births, data and deaths with its own seq counter, as a
// real edge node would, and keeps the node commands (NCMD) a host sends it.
import Long from 'long';
import type { MqttClient } from 'mqtt';
import { get as getSparkplugCodec } from 'sparkplug-payload';
import type { UMetric } from 'sparkplug-payload/lib/sparkplugbpayload';
import { org } from 'sparkplug-payload/lib/sparkplugPayloadProto';
import { decodeSparkplugPayload, type SparkplugPayload } from '../../src/connectors/sparkplug/payload-codec';

const codec = getSparkplugCodec('spBv1.0');

export class TestEdgeNode {
  /** The next seq to publish. */
  seq = 0;
  readonly commands: SparkplugPayload[] = [];

  constructor(
    private readonly client: MqttClient,
    readonly groupId: string,
    readonly edgeNodeId: string,
  ) {}

  async listenForCommands(): Promise<void> {
    const topic = `spBv1.0/${this.groupId}/NCMD/${this.edgeNodeId}`;
    this.client.on('message', (received, payload) => {
      if (received === topic) this.commands.push(decodeSparkplugPayload(payload));
    });
    await this.client.subscribeAsync(topic, { qos: 0 });
  }

  rebirthRequests(): number {
    return this.commands.filter((command) =>
      command.metrics.some(
        (metric) => metric.name === 'Node Control/Rebirth' && metric.value.field === 'boolean',
      ),
    ).length;
  }

  async nbirth(bdSeq: number, metrics: UMetric[], seq = 0): Promise<void> {
    this.seq = seq;
    await this.publish(
      'NBIRTH',
      encode({ timestamp: Date.now(), seq: this.nextSeq(), metrics: [bdSeqMetric(bdSeq), ...metrics] }),
    );
  }

  async dbirth(deviceId: string, metrics: UMetric[]): Promise<void> {
    await this.publish('DBIRTH', encode({ timestamp: Date.now(), seq: this.nextSeq(), metrics }), deviceId);
  }

  /** NDATA/DDATA the Sparkplug 3.0 way: metrics by alias only, no name, no datatype. */
  async data(
    values: { alias: number; doubleValue: number; timestamp?: number }[],
    options: { deviceId?: string; seq?: number; timestamp?: number } = {},
  ): Promise<number> {
    const seq = options.seq ?? this.nextSeq();
    const bytes = org.eclipse.tahu.protobuf.Payload.encode({
      timestamp: options.timestamp ?? Date.now(),
      seq,
      metrics: values,
    }).finish();
    await this.publish(options.deviceId === undefined ? 'NDATA' : 'DDATA', bytes, options.deviceId);
    return seq;
  }

  async ndeath(bdSeq: number): Promise<void> {
    await this.publish('NDEATH', encode({ timestamp: Date.now(), metrics: [bdSeqMetric(bdSeq)] }));
  }

  async ddeath(deviceId: string): Promise<void> {
    await this.publish('DDEATH', encode({ timestamp: Date.now(), seq: this.nextSeq() }), deviceId);
  }

  async publishRaw(type: string, payload: Uint8Array, deviceId?: string): Promise<void> {
    await this.publish(type, payload, deviceId);
  }

  private nextSeq(): number {
    const seq = this.seq;
    this.seq = (this.seq + 1) % 256;
    return seq;
  }

  private async publish(type: string, payload: Uint8Array, deviceId?: string): Promise<void> {
    const topic = `spBv1.0/${this.groupId}/${type}/${this.edgeNodeId}${deviceId === undefined ? '' : `/${deviceId}`}`;
    await this.client.publishAsync(topic, Buffer.from(payload), { qos: 1 });
  }
}

export function doubleMetric(name: string, alias: number, value: number): UMetric {
  return { name, alias, type: 'Double', value, timestamp: Date.now() };
}

function bdSeqMetric(bdSeq: number): UMetric {
  return { name: 'bdSeq', type: 'UInt64', value: Long.fromNumber(bdSeq, true) };
}

function encode(payload: Parameters<NonNullable<typeof codec>['encodePayload']>[0]): Uint8Array {
  if (codec === null) throw new Error('sparkplug-payload has no spBv1.0 codec');
  return codec.encodePayload(payload);
}
