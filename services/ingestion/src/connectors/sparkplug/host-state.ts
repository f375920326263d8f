// The Sparkplug B host application's view of the edge nodes (Sparkplug 3.0, chapter 7): births define each
// node's and device's metrics and aliases, `seq` orders the node's messages, deaths end a session. Pure: it
// takes decoded messages and the time, and answers with actions (emit, reject, ask for a rebirth, report an
// event) that the connector carries out.
//
// Decisions:
// - `seq` (0-255, wrapping) is checked for every message of a node except NBIRTH (which sets it) and NDEATH
//   (which has none). A message ahead of the expected seq is held up to `reorderTimeoutMs` for the missing
//   one; then the gap is declared (rebirth requested) and the held messages are processed in seq order, so
//   data already received is not dropped. A message up to 16 behind the expected seq is late (or a QoS 1
//   redelivery): it is processed without moving the expectation.
// - Data before a birth (host started after the edge node, or after a death) and an alias or name the birth
//   did not define are rejected (`no-birth`, `unknown-alias`) with a rebirth request; metrics of the message
//   that resolve are still emitted.
// - A death marks metrics stale by emitting, for every metric with a known value, a sample with the last
//   value and quality `bad`. An NDEATH counts only when its bdSeq matches the NBIRTH's (else it is the Will of
//   an older session); it carries no source time (the Will was written at connect time). A DDEATH uses its
//   payload timestamp.
// - Rebirth requests to one node are at least `rebirthMinIntervalMs` apart.
// - Metrics of datatypes Kiln does not read (DataSet, Bytes, File, Template, ...) are known by alias, so their
//   data is not "unknown", but produce no samples; the birth reports them once as an event.
import { timeProblem } from '@kiln/contracts';
import { CAUSE_OF_FIELD, clip, sampleProblem } from '../sample-problems';
import type { RejectedInput, Sample, SampleValue } from '../types';
import { dataTypeName, isSupportedDataType, toSampleValue } from './metric-value';
import type { SparkplugMetric, SparkplugPayload } from './payload-codec';
import type { EdgeMessageType } from './topic';

export interface EdgeNodeMessage {
  readonly type: EdgeMessageType;
  readonly groupId: string;
  readonly edgeNodeId: string;
  readonly deviceId?: string;
  readonly topic: string;
  readonly payload: SparkplugPayload;
  /** The payload as received, for rejections. */
  readonly raw: Uint8Array;
  readonly receiveTimeUs: number;
}

export type HostEventKind =
  | 'node-birth'
  | 'device-birth'
  | 'node-death'
  | 'device-death'
  | 'old-death-ignored'
  | 'seq-gap'
  | 'unknown-alias'
  | 'no-birth'
  | 'unsupported-metrics';

export type HostAction =
  | { readonly kind: 'emit'; readonly sourceId: string; readonly samples: readonly Sample[] }
  | { readonly kind: 'reject'; readonly input: RejectedInput }
  | {
      readonly kind: 'rebirth';
      readonly groupId: string;
      readonly edgeNodeId: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'event';
      readonly event: HostEventKind;
      readonly groupId: string;
      readonly edgeNodeId: string;
      readonly deviceId?: string;
      readonly detail: string;
    };

export interface HostStateOptions {
  readonly reorderTimeoutMs: number;
  readonly rebirthMinIntervalMs: number;
}

interface KnownMetric {
  readonly name: string;
  readonly datatype: number;
  lastValue?: SampleValue;
}

interface MetricTable {
  readonly byAlias: Map<bigint, KnownMetric>;
  readonly byName: Map<string, KnownMetric>;
}

interface DeviceState {
  alive: boolean;
  readonly metrics: MetricTable;
}

interface HeldMessage {
  readonly message: EdgeNodeMessage;
  readonly seq: number;
  readonly heldAtMs: number;
}

interface NodeState {
  readonly groupId: string;
  readonly edgeNodeId: string;
  alive: boolean;
  bdSeq?: bigint;
  /** The seq the next message must carry; undefined until a message with a seq set it. */
  expectedSeq?: number;
  readonly held: Map<number, HeldMessage>;
  metrics: MetricTable;
  readonly devices: Map<string, DeviceState>;
  lastRebirthMs?: number;
}

const SEQ_MODULUS = 256;
/** How far behind the expected seq a message may be and still count as late rather than ahead. */
const LATE_WINDOW = 16;

export class SparkplugHostState {
  private readonly nodes = new Map<string, NodeState>();

  constructor(private readonly options: HostStateOptions) {}

  /** Takes one edge node message (any type but STATE); `nowMs` is the host's clock. */
  handle(message: EdgeNodeMessage, nowMs: number): HostAction[] {
    const node = this.nodeOf(message.groupId, message.edgeNodeId);
    switch (message.type) {
      case 'NBIRTH':
        return this.nodeBirth(node, message);
      case 'NDEATH':
        return this.nodeDeath(node, message);
      case 'NCMD':
      case 'DCMD':
        // Commands to the edge node, from us or another host: nothing to read.
        return [];
      default:
        return this.sequenced(node, message, nowMs);
    }
  }

  /** Declares the gaps whose reorder timeout has passed; call at `nextDeadlineMs()`. */
  expire(nowMs: number): HostAction[] {
    const actions: HostAction[] = [];
    for (const node of this.nodes.values()) {
      const since = oldestHeldMs(node);
      if (since === undefined || nowMs - since < this.options.reorderTimeoutMs) continue;
      actions.push(...this.declareGap(node, nowMs));
    }
    return actions;
  }

  /** When the earliest held message times out; undefined when nothing is held. */
  nextDeadlineMs(): number | undefined {
    let earliest: number | undefined;
    for (const node of this.nodes.values()) {
      const since = oldestHeldMs(node);
      if (since !== undefined && (earliest === undefined || since < earliest)) earliest = since;
    }
    return earliest === undefined ? undefined : earliest + this.options.reorderTimeoutMs;
  }

  private nodeOf(groupId: string, edgeNodeId: string): NodeState {
    const key = `${groupId}/${edgeNodeId}`;
    let node = this.nodes.get(key);
    if (node === undefined) {
      node = {
        groupId,
        edgeNodeId,
        alive: false,
        held: new Map(),
        metrics: emptyTable(),
        devices: new Map(),
      };
      this.nodes.set(key, node);
    }
    return node;
  }

  private nodeBirth(node: NodeState, message: EdgeNodeMessage): HostAction[] {
    node.alive = true;
    node.held.clear();
    node.devices.clear();
    const seq = message.payload.seq;
    if (seq === undefined) delete node.expectedSeq;
    else node.expectedSeq = (seq + 1) % SEQ_MODULUS;
    const { table, actions } = this.birthTable(node, message);
    node.metrics = table;
    const bdSeq = integerValue(table.byName.get('bdSeq')?.lastValue);
    if (bdSeq === undefined) delete node.bdSeq;
    else node.bdSeq = bdSeq;
    return [
      event(
        node,
        'node-birth',
        `NBIRTH with ${table.byName.size} metrics, bdSeq ${bdSeq ?? 'none'}, seq ${seq ?? 'none'}`,
      ),
      ...actions,
    ];
  }

  private nodeDeath(node: NodeState, message: EdgeNodeMessage): HostAction[] {
    if (!node.alive) return [];
    const deathBdSeq = bdSeqOf(message.payload);
    if (deathBdSeq !== undefined && node.bdSeq !== undefined && deathBdSeq !== node.bdSeq) {
      return [
        event(
          node,
          'old-death-ignored',
          `NDEATH bdSeq ${deathBdSeq} does not match NBIRTH bdSeq ${node.bdSeq}`,
        ),
      ];
    }
    node.alive = false;
    node.held.clear();
    delete node.expectedSeq;
    const actions: HostAction[] = [event(node, 'node-death', `NDEATH bdSeq ${deathBdSeq ?? 'none'}`)];
    actions.push(...staleSamples(sourceIdOf(node), node.metrics, message.receiveTimeUs, undefined));
    for (const [deviceId, device] of node.devices) {
      if (!device.alive) continue;
      device.alive = false;
      actions.push(
        ...staleSamples(sourceIdOf(node, deviceId), device.metrics, message.receiveTimeUs, undefined),
      );
    }
    return actions;
  }

  private sequenced(node: NodeState, message: EdgeNodeMessage, nowMs: number): HostAction[] {
    if (!node.alive) {
      return [
        event(node, 'no-birth', `${message.type} before NBIRTH`, message.deviceId),
        reject(
          message,
          'no-birth',
          `${message.type} from ${node.groupId}/${node.edgeNodeId} before its NBIRTH`,
        ),
        ...this.rebirth(node, nowMs, `${message.type} before NBIRTH`),
      ];
    }
    const seq = message.payload.seq;
    if (seq === undefined || node.expectedSeq === undefined) {
      if (seq !== undefined) node.expectedSeq = (seq + 1) % SEQ_MODULUS;
      return this.process(node, message, nowMs);
    }
    if (seq !== node.expectedSeq) {
      if (distance(seq, node.expectedSeq) <= LATE_WINDOW) {
        // Just behind: a message that arrived after its gap was declared, or a QoS 1 redelivery. Its samples
        // carry their own times, so they are emitted; the expectation stays.
        return this.process(node, message, nowMs);
      }
      // Ahead of the expected seq: wait a little for the missing message.
      node.held.set(seq, { message, seq, heldAtMs: nowMs });
      return [];
    }
    node.expectedSeq = (seq + 1) % SEQ_MODULUS;
    const actions = this.process(node, message, nowMs);
    actions.push(...this.drainHeld(node, nowMs));
    return actions;
  }

  private drainHeld(node: NodeState, nowMs: number): HostAction[] {
    const actions: HostAction[] = [];
    for (;;) {
      const expected = node.expectedSeq;
      if (expected === undefined) break;
      const next = node.held.get(expected);
      if (next === undefined) break;
      node.held.delete(expected);
      node.expectedSeq = (expected + 1) % SEQ_MODULUS;
      actions.push(...this.process(node, next.message, nowMs));
      // A birth or death processed on the way may have reset the node.
      if (!node.alive) break;
    }
    return actions;
  }

  private declareGap(node: NodeState, nowMs: number): HostAction[] {
    const expected = node.expectedSeq ?? 0;
    const held = [...node.held.values()].sort(
      (a, b) => distance(expected, a.seq) - distance(expected, b.seq),
    );
    node.held.clear();
    const first = held[0];
    const actions: HostAction[] = [
      event(node, 'seq-gap', `expected seq ${expected}, next received ${first?.seq ?? 'none'}`),
      ...this.rebirth(node, nowMs, `seq gap: expected ${expected}, got ${first?.seq ?? 'none'}`),
    ];
    for (const entry of held) {
      node.expectedSeq = (entry.seq + 1) % SEQ_MODULUS;
      actions.push(...this.process(node, entry.message, nowMs));
      if (!node.alive) break;
    }
    return actions;
  }

  private process(node: NodeState, message: EdgeNodeMessage, nowMs: number): HostAction[] {
    const deviceId = message.deviceId;
    switch (message.type) {
      case 'DBIRTH': {
        if (deviceId === undefined) return [];
        const { table, actions } = this.birthTable(node, message);
        node.devices.set(deviceId, { alive: true, metrics: table });
        return [
          event(node, 'device-birth', `DBIRTH with ${table.byName.size} metrics`, deviceId),
          ...actions,
        ];
      }
      case 'DDEATH': {
        const device = deviceId === undefined ? undefined : node.devices.get(deviceId);
        if (deviceId === undefined || device === undefined || !device.alive) return [];
        device.alive = false;
        // A death whose timestamp no database holds still marks the metrics stale, at the receive time.
        const stampedUs = microsOf(message.payload.timestampMs);
        const sourceTimeUs =
          stampedUs === undefined || timeProblem(stampedUs) !== undefined ? undefined : stampedUs;
        return [
          event(node, 'device-death', 'DDEATH', deviceId),
          ...staleSamples(sourceIdOf(node, deviceId), device.metrics, message.receiveTimeUs, sourceTimeUs),
        ];
      }
      case 'NDATA':
        return this.data(node, node.metrics, message, sourceIdOf(node), nowMs);
      case 'DDATA': {
        const device = deviceId === undefined ? undefined : node.devices.get(deviceId);
        if (deviceId === undefined || device === undefined || !device.alive) {
          return [
            event(node, 'no-birth', 'DDATA before DBIRTH', deviceId),
            reject(message, 'no-birth', `DDATA from ${message.topic} before its DBIRTH`),
            ...this.rebirth(node, nowMs, `DDATA of ${deviceId ?? '?'} before DBIRTH`),
          ];
        }
        return this.data(node, device.metrics, message, sourceIdOf(node, deviceId), nowMs);
      }
      default:
        return [];
    }
  }

  private birthTable(
    node: NodeState,
    message: EdgeNodeMessage,
  ): { table: MetricTable; actions: HostAction[] } {
    const table = emptyTable();
    const samples: Sample[] = [];
    const unsupported: string[] = [];
    const problems = new MetricProblems();
    for (const metric of message.payload.metrics) {
      if (metric.name === undefined || metric.datatype === undefined) {
        problems.add(
          'wrong-type',
          `metric ${metric.name === undefined ? `alias ${metric.alias ?? '?'}` : `"${clip(metric.name)}"`} has no ${metric.name === undefined ? 'name' : 'datatype'}`,
        );
        continue;
      }
      const known: KnownMetric = { name: metric.name, datatype: metric.datatype };
      table.byName.set(known.name, known);
      if (metric.alias !== undefined) table.byAlias.set(metric.alias, known);
      if (!isSupportedDataType(known.datatype)) {
        unsupported.push(`${clip(known.name)} (${dataTypeName(known.datatype)})`);
        continue;
      }
      const read = readSample(known, metric, message);
      if (read.sample !== undefined) samples.push(read.sample);
      if (read.problem !== undefined) problems.add(read.problem.cause, read.problem.text);
    }
    const sourceId = sourceIdOf(node, message.deviceId);
    const actions: HostAction[] = [];
    if (samples.length > 0) actions.push({ kind: 'emit', sourceId, samples });
    if (unsupported.length > 0) {
      actions.push(
        event(node, 'unsupported-metrics', `no samples for ${unsupported.join(', ')}`, message.deviceId),
      );
    }
    actions.push(...problems.rejections(message));
    return { table, actions };
  }

  private data(
    node: NodeState,
    table: MetricTable,
    message: EdgeNodeMessage,
    sourceId: string,
    nowMs: number,
  ): HostAction[] {
    const samples: Sample[] = [];
    const unknown: string[] = [];
    const problems = new MetricProblems();
    for (const metric of message.payload.metrics) {
      const known =
        metric.alias !== undefined
          ? table.byAlias.get(metric.alias)
          : metric.name === undefined
            ? undefined
            : table.byName.get(metric.name);
      if (known === undefined) {
        unknown.push(
          metric.alias !== undefined ? `alias ${metric.alias}` : `name "${clip(metric.name ?? '')}"`,
        );
        continue;
      }
      if (!isSupportedDataType(known.datatype)) continue;
      const read = readSample(known, metric, message);
      if (read.sample !== undefined) samples.push(read.sample);
      if (read.problem !== undefined) problems.add(read.problem.cause, read.problem.text);
    }
    const actions: HostAction[] = [];
    if (samples.length > 0) actions.push({ kind: 'emit', sourceId, samples });
    if (unknown.length > 0) {
      const detail = `${message.type} on ${message.topic} has ${unknown.join(', ')}, not defined by the birth`;
      actions.push(event(node, 'unknown-alias', detail, message.deviceId));
      actions.push(reject(message, 'unknown-alias', detail));
      actions.push(...this.rebirth(node, nowMs, `unknown ${unknown.join(', ')}`));
    }
    actions.push(...problems.rejections(message));
    return actions;
  }

  private rebirth(node: NodeState, nowMs: number, reason: string): HostAction[] {
    const last = node.lastRebirthMs;
    if (last !== undefined && nowMs - last < this.options.rebirthMinIntervalMs) return [];
    node.lastRebirthMs = nowMs;
    return [{ kind: 'rebirth', groupId: node.groupId, edgeNodeId: node.edgeNodeId, reason }];
  }
}

/** `sparkplug/<group>/<edge node>` for node metrics, `.../<device>` for device metrics. */
export function sourceIdOf(node: { groupId: string; edgeNodeId: string }, deviceId?: string): string {
  const base = `sparkplug/${node.groupId}/${node.edgeNodeId}`;
  return deviceId === undefined ? base : `${base}/${deviceId}`;
}

function readSample(
  known: KnownMetric,
  metric: SparkplugMetric,
  message: EdgeNodeMessage,
): { sample?: Sample; problem?: { cause: MetricProblemCause; text: string } } {
  // A null metric has no value to report; its last value stays for a later death.
  if (metric.isNull) return {};
  const name = clip(known.name);
  const datatype = metric.datatype ?? known.datatype;
  const read = toSampleValue(datatype, metric.value);
  if (!read.ok) return { problem: { cause: 'wrong-type', text: `${name}: ${read.error}` } };
  const timestampMs = metric.timestampMs ?? message.payload.timestampMs;
  const sourceTimeUs = microsOf(timestampMs);
  const base = {
    tag: known.name,
    value: read.value,
    quality: 'good' as const,
    statusCode: 0,
    receiveTimeUs: message.receiveTimeUs,
  };
  const sample: Sample = sourceTimeUs === undefined ? base : { ...base, sourceTimeUs };
  const problem = sampleProblem(sample);
  if (problem !== undefined) {
    const stamped = problem.field === 'sourceTimeUs' ? ` (timestamp ${timestampMs} ms)` : '';
    return { problem: { cause: CAUSE_OF_FIELD[problem.field], text: `${problem.message}${stamped}` } };
  }
  known.lastValue = read.value;
  return { sample };
}

function staleSamples(
  sourceId: string,
  table: MetricTable,
  receiveTimeUs: number,
  sourceTimeUs: number | undefined,
): HostAction[] {
  const samples: Sample[] = [];
  for (const metric of table.byName.values()) {
    if (metric.lastValue === undefined) continue;
    const base = {
      tag: metric.name,
      value: metric.lastValue,
      quality: 'bad' as const,
      statusCode: 0,
      receiveTimeUs,
    };
    samples.push(sourceTimeUs === undefined ? base : { ...base, sourceTimeUs });
  }
  return samples.length === 0 ? [] : [{ kind: 'emit', sourceId, samples }];
}

function bdSeqOf(payload: SparkplugPayload): bigint | undefined {
  const metric = payload.metrics.find((candidate) => candidate.name === 'bdSeq');
  if (metric === undefined) return undefined;
  if (metric.value.field === 'long') return metric.value.value;
  if (metric.value.field === 'int') return BigInt(metric.value.value);
  return undefined;
}

function integerValue(value: SampleValue | undefined): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return undefined;
}

function oldestHeldMs(node: NodeState): number | undefined {
  let oldest: number | undefined;
  for (const entry of node.held.values()) {
    if (oldest === undefined || entry.heldAtMs < oldest) oldest = entry.heldAtMs;
  }
  return oldest;
}

/** How far `seq` is ahead of `from`, modulo 256. */
function distance(from: number, seq: number): number {
  return (seq - from + SEQ_MODULUS) % SEQ_MODULUS;
}

function microsOf(timestampMs: number | undefined): number | undefined {
  return timestampMs === undefined ? undefined : timestampMs * 1000;
}

type MetricProblemCause = 'wrong-type' | (typeof CAUSE_OF_FIELD)[keyof typeof CAUSE_OF_FIELD];

/** Metrics of one message that could not be read, one rejection per cause (a DLQ header and metric label each). */
class MetricProblems {
  private readonly byCause = new Map<MetricProblemCause, string[]>();

  add(cause: MetricProblemCause, text: string): void {
    const texts = this.byCause.get(cause);
    if (texts === undefined) this.byCause.set(cause, [text]);
    else texts.push(text);
  }

  rejections(message: EdgeNodeMessage): HostAction[] {
    return [...this.byCause].map(([cause, texts]) =>
      reject(message, cause, `${message.type}: ${texts.join('; ')}`),
    );
  }
}

function emptyTable(): MetricTable {
  return { byAlias: new Map(), byName: new Map() };
}

function event(node: NodeState, kind: HostEventKind, detail: string, deviceId?: string): HostAction {
  return deviceId === undefined
    ? { kind: 'event', event: kind, groupId: node.groupId, edgeNodeId: node.edgeNodeId, detail }
    : { kind: 'event', event: kind, groupId: node.groupId, edgeNodeId: node.edgeNodeId, deviceId, detail };
}

function reject(message: EdgeNodeMessage, cause: string, error: string): HostAction {
  return {
    kind: 'reject',
    input: {
      sourceId: sourceIdOf(message, message.deviceId),
      cause,
      error,
      payload: message.raw,
      origin: message.topic,
    },
  };
}
