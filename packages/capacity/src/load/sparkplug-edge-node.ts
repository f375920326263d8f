// One Sparkplug B 3.0 edge node of the bench's load, as state: which messages it publishes, in which order, with
// which seq and bdSeq. Each device is one asset of the generated plant and reports its signals as metrics; NBIRTH
// and DBIRTH carry every metric with name, alias, datatype and value, DDATA the next `metricsPerMessage` of one
// device by alias, each with its own timestamp. One seq (0-255, wrapping) runs over NBIRTH, DBIRTH and DDATA of
// the node (Sparkplug 3.0, 6.4.1); a rebirth starts it at 0 again with the session's bdSeq, and a new MQTT session
// gets the next bdSeq, the one its Will (NDEATH) carries. Pure: the connection (sparkplug-load.ts) publishes what
// this returns, and time is an argument.
import { DataType, encodePayload, REBIRTH_METRIC, type MetricToWrite } from './sparkplug-protobuf';

export const SPARKPLUG_NAMESPACE = 'spBv1.0';
const SEQ_MODULUS = 256;
/** Sparkplug 3.0, 6.4.18: bdSeq runs 0-255 too. */
const BD_SEQ_MODULUS = 256;

export interface SparkplugDevice {
  readonly deviceId: string;
  readonly metrics: readonly string[];
}

export interface EdgeMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** Load samples it carries (0 for births and deaths: they are not offered load). */
  readonly samples: number;
}

interface DeviceState {
  readonly deviceId: string;
  readonly metrics: readonly string[];
  /** The alias of metric i is firstAlias + i: aliases are unique across the edge node (Sparkplug 3.0, 6.4.5). */
  readonly firstAlias: number;
  /** The next metric DDATA reports. */
  cursor: number;
  /** The last timestamp given to a value: a signal's times must differ, or the store would keep one of them. */
  lastMs: number;
}

/** The value a metric reports: fixed per metric, as the other channels' loads send. */
function valueOf(metricIndex: number): number {
  return (metricIndex % 97) + 0.5;
}

export class SparkplugEdgeNode {
  private seq = 0;
  private sessionBdSeq = 0;
  private nextBdSeq = 0;
  private readonly devices: DeviceState[];
  private readonly probe: DeviceState | undefined;
  private born = false;

  constructor(
    readonly groupId: string,
    readonly edgeNodeId: string,
    devices: readonly SparkplugDevice[],
    /** The node's probe device, whose metrics' times are the probes' send times; undefined: none. */
    probe: SparkplugDevice | undefined,
    private readonly metricsPerMessage: number,
  ) {
    if (metricsPerMessage < 1) throw new Error(`metrics per message must be >= 1, got ${metricsPerMessage}`);
    let alias = 1;
    const state = (device: SparkplugDevice): DeviceState => {
      if (device.metrics.length === 0) throw new Error(`Sparkplug device ${device.deviceId} has no metrics`);
      const firstAlias = alias;
      alias += device.metrics.length;
      return { ...device, firstAlias, cursor: 0, lastMs: 0 };
    };
    this.devices = devices.map(state);
    this.probe = probe === undefined || probe.metrics.length === 0 ? undefined : state(probe);
  }

  get deviceCount(): number {
    return this.devices.length;
  }

  get hasProbe(): boolean {
    return this.probe !== undefined;
  }

  /** Whether births went out in the current session: data before them would be refused by the host. */
  get isBorn(): boolean {
    return this.born;
  }

  /** The seq the next message will carry. */
  get nextSeq(): number {
    return this.seq;
  }

  /** The bdSeq of the current MQTT session. */
  get bdSeq(): number {
    return this.sessionBdSeq;
  }

  topic(type: 'NBIRTH' | 'NDEATH' | 'NCMD' | 'DBIRTH' | 'DDATA', deviceId?: string): string {
    const node = `${SPARKPLUG_NAMESPACE}/${this.groupId}/${type}/${this.edgeNodeId}`;
    return deviceId === undefined ? node : `${node}/${deviceId}`;
  }

  /** The Will of the next connection: NDEATH with the bdSeq that connection's NBIRTH will carry. */
  nextWill(nowMs: number): EdgeMessage {
    return this.deathWith(this.nextBdSeq, nowMs);
  }

  /** A new MQTT session started: it takes the bdSeq of its Will; births must follow before any data. */
  connected(): void {
    this.sessionBdSeq = this.nextBdSeq;
    this.nextBdSeq = (this.nextBdSeq + 1) % BD_SEQ_MODULUS;
    this.born = false;
  }

  /** NBIRTH (seq 0, bdSeq, the rebirth control) and a DBIRTH of every device: at start and on a rebirth request. */
  births(nowMs: number): EdgeMessage[] {
    this.seq = 0;
    const nodeBirth: EdgeMessage = {
      topic: this.topic('NBIRTH'),
      payload: encodePayload({
        timestampMs: nowMs,
        seq: this.takeSeq(),
        metrics: [
          {
            name: 'bdSeq',
            timestampMs: nowMs,
            datatype: DataType.Int64,
            value: { kind: 'long', value: this.sessionBdSeq },
          },
          {
            name: REBIRTH_METRIC,
            timestampMs: nowMs,
            datatype: DataType.Boolean,
            value: { kind: 'boolean', value: false },
          },
        ],
      }),
      samples: 0,
    };
    const all = this.probe === undefined ? this.devices : [...this.devices, this.probe];
    this.born = true;
    return [nodeBirth, ...all.map((device) => this.deviceBirth(device, nowMs))];
  }

  /** The next DDATA of device `index`: its next `metricsPerMessage` metrics, by alias. */
  data(index: number, nowMs: number): EdgeMessage {
    const device = this.devices[index];
    if (device === undefined) throw new Error(`edge node ${this.edgeNodeId} has no device ${index}`);
    return this.deviceData(device, this.metricsPerMessage, nowMs);
  }

  /** A DDATA of the probe device with one metric, stamped now; undefined when the node has no probe. */
  probeData(nowMs: number): EdgeMessage | undefined {
    return this.probe === undefined ? undefined : this.deviceData(this.probe, 1, nowMs);
  }

  /** NDEATH of the current session, published before a clean disconnect (Sparkplug 3.0, 7.1.2). */
  death(nowMs: number): EdgeMessage {
    return this.deathWith(this.sessionBdSeq, nowMs);
  }

  private deathWith(bdSeq: number, nowMs: number): EdgeMessage {
    return {
      topic: this.topic('NDEATH'),
      payload: encodePayload({
        timestampMs: nowMs,
        metrics: [{ name: 'bdSeq', datatype: DataType.Int64, value: { kind: 'long', value: bdSeq } }],
      }),
      samples: 0,
    };
  }

  private deviceBirth(device: DeviceState, nowMs: number): EdgeMessage {
    const timestampMs = this.stamp(device, nowMs, 1);
    return {
      topic: this.topic('DBIRTH', device.deviceId),
      payload: encodePayload({
        timestampMs: nowMs,
        seq: this.takeSeq(),
        metrics: device.metrics.map((name, i) => ({
          name,
          alias: device.firstAlias + i,
          timestampMs,
          datatype: DataType.Double,
          value: { kind: 'double', value: valueOf(i) },
        })),
      }),
      samples: 0,
    };
  }

  private deviceData(device: DeviceState, count: number, nowMs: number): EdgeMessage {
    const size = device.metrics.length;
    // A message with more values than the device has metrics reports a metric again, 1 ms later each round.
    const firstMs = this.stamp(device, nowMs, Math.ceil(count / size));
    const metrics: MetricToWrite[] = [];
    for (let k = 0; k < count; k += 1) {
      const index = (device.cursor + k) % size;
      metrics.push({
        alias: device.firstAlias + index,
        timestampMs: firstMs + Math.floor(k / size),
        value: { kind: 'double', value: valueOf(index) },
      });
    }
    device.cursor = (device.cursor + count) % size;
    return {
      topic: this.topic('DDATA', device.deviceId),
      payload: encodePayload({ timestampMs: nowMs, seq: this.takeSeq(), metrics }),
      samples: count,
    };
  }

  /** The first of `rounds` consecutive ms for a device's values, after every time it gave before. */
  private stamp(device: DeviceState, nowMs: number, rounds: number): number {
    const first = Math.max(nowMs, device.lastMs + 1);
    device.lastMs = first + rounds - 1;
    return first;
  }

  private takeSeq(): number {
    const current = this.seq;
    this.seq = (this.seq + 1) % SEQ_MODULUS;
    return current;
  }
}
