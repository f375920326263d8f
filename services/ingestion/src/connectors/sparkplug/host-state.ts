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
// - Every metric value becomes a sample or a rejection with its cause (metric-reader.ts, metric-value.ts): none
//   is dropped unseen. Template instances become one sample per member, `<metric>/<member>`; Template
//   definitions are kept per edge node; transient values are counted (`skipped`), not emitted.
import { timeProblem } from '@kiln/contracts';
import { clip } from '../sample-problems';
import type { RejectedInput, Sample, SampleValue } from '../types';
import {
  defineMetric,
  lastValues,
  MetricReading,
  readMetric,
  templateDefinitionOf,
  type KnownMetric,
  type ReadScope,
  type TemplateDefinition,
} from './metric-reader';
import { DEFAULT_VALUE_LIMITS, type ValueLimits } from './metric-value';
import type { SparkplugPayload } from './payload-codec';
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
  | 'no-birth';

export type HostAction =
  | { readonly kind: 'emit'; readonly sourceId: string; readonly samples: readonly Sample[] }
  | { readonly kind: 'reject'; readonly input: RejectedInput }
  /** Values read but deliberately not emitted (transient metrics), counted by cause. */
  | {
      readonly kind: 'skipped';
      readonly sourceId: string;
      readonly cause: 'transient';
      readonly values: number;
    }
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
  /** Text limits of values (base64 Bytes, JSON DataSet); the sample rules' maxTextLength by default. */
  readonly limits?: ValueLimits;
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
  /** The NBIRTH's Template definitions, by name. */
  readonly templates: Map<string, TemplateDefinition>;
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

  /** The Template definitions of an edge node's current NBIRTH, by name. */
  templateDefinitions(groupId: string, edgeNodeId: string): ReadonlyMap<string, TemplateDefinition> {
    return this.nodes.get(`${groupId}/${edgeNodeId}`)?.templates ?? new Map();
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
        templates: new Map(),
      };
      this.nodes.set(key, node);
    }
    return node;
  }

  private nodeBirth(node: NodeState, message: EdgeNodeMessage): HostAction[] {
    node.alive = true;
    node.held.clear();
    node.devices.clear();
    node.templates.clear();
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
        `NBIRTH with ${table.byName.size} metrics, ${node.templates.size} Template definitions, bdSeq ${bdSeq ?? 'none'}, seq ${seq ?? 'none'}`,
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
    const reading = new MetricReading();
    // Definitions first: an instance may come before its definition in the same NBIRTH.
    for (const metric of message.payload.metrics) {
      const definition = templateDefinitionOf(metric);
      if (definition !== undefined && metric.name !== undefined) node.templates.set(metric.name, definition);
    }
    const scope = this.scopeOf(node, message);
    for (const metric of message.payload.metrics) {
      if (templateDefinitionOf(metric) !== undefined) continue;
      if (metric.name === undefined || metric.datatype === undefined) {
        reading.problem(
          'wrong-type',
          `metric ${metric.name === undefined ? `alias ${metric.alias ?? '?'}` : `"${clip(metric.name)}"`} has no ${metric.name === undefined ? 'name' : 'datatype'}`,
        );
        continue;
      }
      const known = defineMetric(metric.name, metric.datatype, metric, node.templates);
      table.byName.set(known.name, known);
      if (metric.alias !== undefined) table.byAlias.set(metric.alias, known);
      readMetric(known, metric, scope, reading);
    }
    return { table, actions: readingActions(sourceIdOf(node, message.deviceId), reading, message) };
  }

  private data(
    node: NodeState,
    table: MetricTable,
    message: EdgeNodeMessage,
    sourceId: string,
    nowMs: number,
  ): HostAction[] {
    const reading = new MetricReading();
    const unknown: string[] = [];
    const scope = this.scopeOf(node, message);
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
      readMetric(known, metric, scope, reading);
    }
    const actions = readingActions(sourceId, reading, message);
    if (unknown.length > 0) {
      const detail = `${message.type} on ${message.topic} has ${unknown.join(', ')}, not defined by the birth`;
      // After the samples, before the metric problems, as before: the unknown alias is the message's problem.
      const firstReject = actions.findIndex((action) => action.kind === 'reject');
      const at = firstReject < 0 ? actions.length : firstReject;
      actions.splice(
        at,
        0,
        event(node, 'unknown-alias', detail, message.deviceId),
        reject(message, 'unknown-alias', detail),
        ...this.rebirth(node, nowMs, `unknown ${unknown.join(', ')}`),
      );
    }
    return actions;
  }

  private scopeOf(node: NodeState, message: EdgeNodeMessage): ReadScope {
    const { timestampMs } = message.payload;
    const base = {
      receiveTimeUs: message.receiveTimeUs,
      limits: this.options.limits ?? DEFAULT_VALUE_LIMITS,
      templates: node.templates,
    };
    return timestampMs === undefined ? base : { ...base, payloadTimestampMs: timestampMs };
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

/** What a message's metrics produced: its samples, the transient values skipped, one rejection per cause. */
function readingActions(sourceId: string, reading: MetricReading, message: EdgeNodeMessage): HostAction[] {
  const actions: HostAction[] = [];
  if (reading.samples.length > 0) actions.push({ kind: 'emit', sourceId, samples: reading.samples });
  if (reading.transientValues > 0)
    actions.push({ kind: 'skipped', sourceId, cause: 'transient', values: reading.transientValues });
  for (const [cause, texts] of reading.problems)
    actions.push(reject(message, cause, `${message.type}: ${texts.join('; ')}`));
  return actions;
}

function staleSamples(
  sourceId: string,
  table: MetricTable,
  receiveTimeUs: number,
  sourceTimeUs: number | undefined,
): HostAction[] {
  const samples: Sample[] = [];
  for (const { tag, value } of lastValues(table.byName.values())) {
    const base = { tag, value, quality: 'bad' as const, statusCode: 0, receiveTimeUs };
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
