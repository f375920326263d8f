// A Sparkplug B 3.0 edge node: one node for the simulator, one device per machine. NDEATH is the MQTT Will
// (with bdSeq), NBIRTH/DBIRTH carry every metric with name, alias, type and value, DDATA carries aliases
// only; one seq (0-255, wrapping) runs over NBIRTH, DBIRTH and DDATA of the node. NCMD
// `Node Control/Rebirth` = true re-publishes the births (seq from 0 again, same bdSeq).
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { encodePayload, decodePayload } from './sparkplug-codec';
import type { TypeStr, UMetric, UPayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import type { Logger } from '@kiln/service-kit';
import { SIGNALS, type Machine, type Plant, type SignalDataType, type SignalName } from '../model';

export interface SparkplugEdgeOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly groupId: string;
  readonly edgeNodeId: string;
  /** When set, births (and data) are published only while this host application's STATE says online. */
  readonly primaryHostId?: string;
  readonly clientId?: string;
}

export type SparkplugMessageType = 'NBIRTH' | 'DBIRTH' | 'DDATA' | 'NDEATH';

export interface SparkplugEdgeStats {
  readonly published: Readonly<Record<SparkplugMessageType, number>>;
  readonly rebirthRequests: number;
  /** Metric values dropped while not connected or not born. */
  readonly dropped: number;
  /** bdSeq of the current MQTT session (the one in the registered Will). */
  readonly bdSeq: number;
  /** The seq the next message will carry. */
  readonly nextSeq: number;
  readonly connected: boolean;
  readonly hostOnline: boolean;
}

export interface SparkplugEdgeHandle {
  readonly groupId: string;
  readonly edgeNodeId: string;
  /** Sparkplug device id of a machine, e.g. `line-1_machine-2`. */
  deviceId(assetId: string): string;
  /** Alias of a machine's metric (unique across the edge node). */
  alias(assetId: string, signal: SignalName): number;
  stats(): SparkplugEdgeStats;
  /** Re-publishes NBIRTH and every DBIRTH, as on an NCMD rebirth request. */
  rebirth(): void;
  /** Test hook: the next message skips one seq number. */
  injectSeqGap(): void;
  /** Test hook: publishes a DDATA for the first device with an alias that no birth declared. */
  publishUnknownAlias(): void;
  /** Test hook: ends the TCP connection without DISCONNECT, so the broker delivers the NDEATH Will. */
  simulateConnectionLoss(): void;
  /** Publishes NDEATH, then disconnects cleanly. */
  stop(): Promise<void>;
}

const NAMESPACE = 'spBv1.0';
const REBIRTH_METRIC = 'Node Control/Rebirth';
const REBIRTH_ALIAS = 1;
const BDSEQ_ALIAS = 2;
export const UNKNOWN_ALIAS = 65_535;
const SPARKPLUG_TYPE: Readonly<Record<SignalDataType, TypeStr>> = {
  UInt16: 'UInt16',
  UInt32: 'UInt32',
  Double: 'Double',
  String: 'String',
};
const SIGNAL_INDEX = new Map<SignalName, number>(SIGNALS.map((signal, index) => [signal.name, index]));

export function sparkplugDeviceId(machine: Pick<Machine, 'identity'>): string {
  return `${machine.identity.lineId}_${machine.identity.machineId}`;
}

/** Aliases: node metrics 1-2, machine metrics (plantIndex + 1) * 32 + signal index. */
export function sparkplugAlias(plantIndex: number, signal: SignalName): number {
  return (plantIndex + 1) * 32 + (SIGNAL_INDEX.get(signal) ?? 31);
}

export async function startSparkplugEdge(
  plant: Plant,
  options: SparkplugEdgeOptions,
  logger?: Logger,
): Promise<SparkplugEdgeHandle> {
  const { groupId, edgeNodeId } = options;
  const topic = (type: string, deviceId?: string): string =>
    [NAMESPACE, groupId, type, edgeNodeId, ...(deviceId === undefined ? [] : [deviceId])].join('/');
  const stateTopic =
    options.primaryHostId === undefined ? undefined : `${NAMESPACE}/STATE/${options.primaryHostId}`;
  const published: Record<SparkplugMessageType, number> = { NBIRTH: 0, DBIRTH: 0, DDATA: 0, NDEATH: 0 };
  let rebirthRequests = 0;
  let dropped = 0;
  let nextBdSeq = 0;
  let sessionBdSeq = 0;
  let seq = 0;
  let gapPending = false;
  let born = false;
  let hostOnline = stateTopic === undefined;
  const pending = new Map<number, UMetric[]>();
  const machines = plant.machines;
  const byAssetId = new Map(machines.map((machine) => [machine.identity.assetId, machine]));

  const deathPayload = (bdSeq: number): Buffer =>
    Buffer.from(encodePayload({ timestamp: Date.now(), metrics: [bdSeqMetric(bdSeq)] }));
  const takeSeq = (): number => {
    if (gapPending) {
      gapPending = false;
      seq = (seq + 1) % 256;
    }
    const current = seq;
    seq = (seq + 1) % 256;
    return current;
  };
  const send = (type: SparkplugMessageType, deviceId: string | undefined, payload: UPayload): void => {
    published[type] += 1;
    client.publish(topic(type, deviceId), Buffer.from(encodePayload(payload)), { qos: 0 });
  };

  const clientOptions: IClientOptions = {
    clientId: options.clientId ?? `kiln-sim-sparkplug-${edgeNodeId}-${Date.now().toString(36)}`,
    username: options.username,
    password: options.password,
    clean: true,
    reconnectPeriod: 1_000,
    will: { topic: topic('NDEATH'), payload: deathPayload(nextBdSeq), qos: 1, retain: false },
  };
  const client: MqttClient = mqtt.connect(options.url, clientOptions);

  const publishBirths = (): void => {
    if (!client.connected || !hostOnline) return;
    pending.clear();
    seq = 0;
    const now = plant.nowMs;
    send('NBIRTH', undefined, {
      timestamp: now,
      seq: takeSeq(),
      metrics: [
        bdSeqMetric(sessionBdSeq),
        { name: REBIRTH_METRIC, alias: REBIRTH_ALIAS, type: 'Boolean', value: false, timestamp: now },
      ],
    });
    for (const machine of machines) {
      const values = machine.snapshot();
      send('DBIRTH', sparkplugDeviceId(machine), {
        timestamp: now,
        seq: takeSeq(),
        metrics: SIGNALS.map((signal) => ({
          name: signal.name,
          alias: sparkplugAlias(machine.identity.plantIndex, signal.name),
          type: SPARKPLUG_TYPE[signal.dataType],
          value: values[signal.name],
          timestamp: now,
          ...(signal.unit === undefined
            ? {}
            : { properties: { engUnit: { type: 'String' as const, value: signal.unit } } }),
        })),
      });
    }
    born = true;
  };

  client.on('connect', () => {
    // The Will registered with this connection carries `nextBdSeq`; the next connection gets the next one.
    sessionBdSeq = nextBdSeq;
    nextBdSeq = (nextBdSeq + 1) % 256;
    if (clientOptions.will !== undefined) {
      client.options.will = { ...clientOptions.will, payload: deathPayload(nextBdSeq) };
    }
    born = false;
    client.subscribe([topic('NCMD'), ...(stateTopic === undefined ? [] : [stateTopic])], { qos: 1 }, () =>
      publishBirths(),
    );
  });
  client.on('close', () => {
    born = false;
  });
  client.on('error', (error) => logger?.warn({ err: error, url: options.url }, 'Sparkplug edge MQTT error'));
  client.on('message', (messageTopic, message) => {
    if (messageTopic === stateTopic) {
      const wasOnline = hostOnline;
      hostOnline = hostStateOnline(message);
      if (hostOnline && !wasOnline) publishBirths();
      if (!hostOnline) born = false;
      return;
    }
    if (messageTopic !== topic('NCMD')) return;
    try {
      const payload = decodePayload(message);
      const rebirth = (payload.metrics ?? []).some(
        (metric) =>
          (metric.name === REBIRTH_METRIC || Number(metric.alias) === REBIRTH_ALIAS) && metric.value === true,
      );
      if (rebirth) {
        rebirthRequests += 1;
        publishBirths();
      }
    } catch (error) {
      logger?.warn({ err: error, topic: messageTopic }, 'undecodable Sparkplug NCMD ignored');
    }
  });

  const unsubscribeChanges = plant.onChange((change) => {
    const machine = byAssetId.get(change.assetId);
    if (machine === undefined) return;
    if (!born) {
      dropped += 1;
      return;
    }
    const index = machine.identity.plantIndex;
    const signal = SIGNALS[SIGNAL_INDEX.get(change.signal) ?? 0];
    const metrics = pending.get(index) ?? [];
    metrics.push({
      alias: sparkplugAlias(index, change.signal),
      type: signal === undefined ? 'Double' : SPARKPLUG_TYPE[signal.dataType],
      value: change.value,
      timestamp: change.sourceTimeMs,
    });
    pending.set(index, metrics);
  });
  const unsubscribeAdvance = plant.onAdvance((nowMs) => {
    if (!born || !client.connected) {
      pending.clear();
      return;
    }
    for (const machine of machines) {
      const metrics = pending.get(machine.identity.plantIndex);
      if (metrics === undefined) continue;
      send('DDATA', sparkplugDeviceId(machine), { timestamp: nowMs, seq: takeSeq(), metrics });
    }
    pending.clear();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    client.once('error', onError);
    client.once('connect', () => {
      client.off('error', onError);
      resolve();
    });
  });
  logger?.info({ url: options.url, groupId, edgeNodeId }, 'Sparkplug edge node connected');

  return {
    groupId,
    edgeNodeId,
    deviceId: (assetId) => {
      const machine = byAssetId.get(assetId);
      if (machine === undefined) throw new Error(`no machine ${assetId} in the simulated plant`);
      return sparkplugDeviceId(machine);
    },
    alias: (assetId, signal) => {
      const machine = byAssetId.get(assetId);
      if (machine === undefined) throw new Error(`no machine ${assetId} in the simulated plant`);
      return sparkplugAlias(machine.identity.plantIndex, signal);
    },
    stats: () => ({
      published: { ...published },
      rebirthRequests,
      dropped,
      bdSeq: sessionBdSeq,
      nextSeq: seq,
      connected: client.connected,
      hostOnline,
    }),
    rebirth: publishBirths,
    injectSeqGap: () => {
      gapPending = true;
    },
    publishUnknownAlias: () => {
      const machine = machines[0];
      if (machine === undefined || !born) return;
      send('DDATA', sparkplugDeviceId(machine), {
        timestamp: plant.nowMs,
        seq: takeSeq(),
        metrics: [{ alias: UNKNOWN_ALIAS, type: 'Double', value: 0, timestamp: plant.nowMs }],
      });
    },
    simulateConnectionLoss: () => {
      born = false;
      client.stream.destroy();
    },
    async stop() {
      unsubscribeChanges();
      unsubscribeAdvance();
      if (client.connected) {
        published.NDEATH += 1;
        await client.publishAsync(topic('NDEATH'), deathPayload(sessionBdSeq), { qos: 1 });
      }
      await client.endAsync();
    },
  };
}

function bdSeqMetric(bdSeq: number): UMetric {
  return { name: 'bdSeq', alias: BDSEQ_ALIAS, type: 'UInt64', value: bdSeq, timestamp: Date.now() };
}

/** Sparkplug 3.0 STATE is JSON `{"online": true, "timestamp": ...}`; 2.2 hosts publish `ONLINE`/`OFFLINE`. */
export function hostStateOnline(message: Buffer): boolean {
  const text = message.toString('utf8').trim();
  if (text === 'ONLINE') return true;
  if (text === 'OFFLINE') return false;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && 'online' in parsed && parsed.online === true;
  } catch {
    return false;
  }
}
