// Raw samples (kiln.raw.v1) -> telemetry, machine-state changes and production-count deltas, keyed by asset id.
// Stateful (counter baselines, current states, deadbands) but pure: no I/O and no clock; every time comes from
// the samples. The service persists `snapshot()` and feeds batches in partition order.
import {
  Quality,
  type MachineStateChange,
  type ProductionCountBatch,
  type ProductionCountDelta,
  type RawSample,
  type RawSampleBatch,
  type TelemetryPoint,
  type Value,
} from '@kiln/contracts';
import { counterStep, type CounterReading } from './counter';
import { DuplicateWindow } from './duplicate-window';
import { eventTimeOf } from './event-time';
import { machineStateOf, type MachineStateName, type StateTarget } from './machine-state';
import type { CounterRole, MappingRuleSet } from './mapping';
import { MappingMatcher, type ResolvedMapping, type UnmappedReason } from './matcher';
import type { AssetModel } from './model';
import {
  emptyStats,
  InvalidSnapshotError,
  normalizerSnapshotSchema,
  type NormalizerSnapshot,
  type NormalizerStats,
} from './normalizer-snapshot';
import type {
  CountDeltaRecord,
  CounterEvent,
  NormalizeResult,
  OrderChange,
  RejectedSample,
  StateChangeRecord,
  UnmappedTag,
} from './normalize-result';
import {
  deriveCounts,
  emptyLedger,
  type CounterIncrements,
  type ProductionLedger,
} from './production-ledger';
import { effectiveQuality } from './quality';
import { codeOf, convertToSignal, numericOf, textOf } from './sample-value';

export interface NormalizerOptions {
  readonly model: AssetModel;
  readonly mappings: MappingRuleSet;
  /** Source clocks further off the receive time than this are not trusted (docs/architecture.md section 5). Default 5 min. */
  readonly maxClockSkewMs?: number;
  /**
   * Recent (time, value) pairs remembered per signal to drop duplicates that arrive out of order: a whole number
   * >= 0. Default 64.
   */
  readonly duplicateWindow?: number;
  /** Distinct unmapped tags listed; more are still counted in `stats().unmapped`. Default 10 000. */
  readonly maxUnmappedTags?: number;
  /** Tag -> mapping cache entries. Default 100 000. */
  readonly mappingCacheSize?: number;
}

interface ChannelState {
  /** Latest event time processed for this signal; older samples are out of order. */
  lastTimeUs: number;
  counter?: CounterReading;
  emitted?: { value: number; quality: Quality; timeUs: number };
  recent: DuplicateWindow;
}

interface MachineStatus {
  state: MachineStateName;
  change: MachineStateChange;
}

interface AssetState {
  machine?: MachineStatus;
  order?: { orderId: string; sinceUs: number };
  ledger: ProductionLedger;
}

interface PendingCount {
  readonly assetId: string;
  readonly timeUs: number;
  fromTimeUs: number;
  readonly orderId: string;
  readonly increments: CounterIncrements;
}

/** Per-batch working set. */
class BatchOutput {
  readonly telemetry = new Map<string, TelemetryPoint[]>();
  readonly pendingCounts = new Map<string, PendingCount>();
  readonly stateChanges: StateChangeRecord[] = [];
  readonly orderChanges: OrderChange[] = [];
  readonly counterEvents: CounterEvent[] = [];
  readonly rejected: RejectedSample[] = [];
  readonly stats = emptyStats();

  addPoint(assetId: string, point: TelemetryPoint): void {
    const points = this.telemetry.get(assetId);
    if (points === undefined) this.telemetry.set(assetId, [point]);
    else points.push(point);
  }
}

/** One sample on its way through, after mapping and timing. */
interface SampleContext {
  readonly sourceId: string;
  readonly sample: RawSample;
  readonly mapping: ResolvedMapping;
  readonly timeUs: number;
  readonly receiveTimeUs: number;
  readonly quality: Quality;
  readonly channel: ChannelState;
  readonly outOfOrder: boolean;
}

export class Normalizer {
  private matcher: MappingMatcher;
  private readonly maxClockSkewUs: number;
  private readonly duplicateWindow: number;
  private readonly maxUnmappedTags: number;
  private readonly mappingCacheSize: number;
  private channels = new Map<string, ChannelState>();
  private assets = new Map<string, AssetState>();
  private unmappedTags = new Map<string, UnmappedTag>();
  private totals = emptyStats();

  constructor(options: NormalizerOptions) {
    this.maxClockSkewUs = (options.maxClockSkewMs ?? 300_000) * 1000;
    this.duplicateWindow = options.duplicateWindow ?? 64;
    if (!Number.isSafeInteger(this.duplicateWindow) || this.duplicateWindow < 0)
      throw new RangeError(`duplicateWindow must be a whole number >= 0, got ${this.duplicateWindow}`);
    this.maxUnmappedTags = options.maxUnmappedTags ?? 10_000;
    this.mappingCacheSize = options.mappingCacheSize ?? 100_000;
    this.matcher = new MappingMatcher(options.model, options.mappings, { cacheSize: this.mappingCacheSize });
  }

  /** Applies a reloaded model and mapping; counter baselines and states are kept, the unmapped list restarts. */
  reconfigure(model: AssetModel, mappings: MappingRuleSet): void {
    this.matcher = new MappingMatcher(model, mappings, { cacheSize: this.mappingCacheSize });
    this.unmappedTags.clear();
  }

  process(batch: RawSampleBatch): NormalizeResult {
    const out = new BatchOutput();
    for (const sample of batch.samples) this.processSample(batch.sourceId, sample, out);
    const countDeltas = this.finishCounts(out);
    addStats(this.totals, out.stats);
    return {
      telemetry: [...out.telemetry].map(([assetId, points]) => ({ assetId, points })),
      machineStateEvents: out.stateChanges.map(({ assetId, change }) => ({
        assetId,
        event: { $case: 'change', value: change },
      })),
      productionCounts: groupDeltas(countDeltas),
      stateChanges: out.stateChanges,
      countDeltas,
      orderChanges: out.orderChanges,
      counterEvents: out.counterEvents,
      rejected: out.rejected,
      stats: out.stats,
    };
  }

  /** Tags no rule maps (or that map to an asset or signal the model lacks), for the API. */
  unmapped(): UnmappedTag[] {
    return [...this.unmappedTags.values()];
  }

  /** Counts since start (or since the restored snapshot), for metrics. */
  stats(): NormalizerStats {
    return { ...this.totals };
  }

  /** The current machine state of an asset, if one is known. */
  currentState(assetId: string): MachineStateChange | undefined {
    return this.assets.get(assetId)?.machine?.change;
  }

  private processSample(sourceId: string, sample: RawSample, out: BatchOutput): void {
    out.stats.samples += 1;
    const receiveTimeUs = sample.receiveTimeUs > 0 ? sample.receiveTimeUs : sample.sourceTimeUs;
    const mapping = this.matcher.resolve(sourceId, sample.tag);
    if (mapping.kind === 'unmapped') {
      out.stats.unmapped += 1;
      this.recordUnmapped(sourceId, sample.tag, mapping.reason, mapping.detail, receiveTimeUs);
      return;
    }
    out.stats.mapped += 1;
    if (receiveTimeUs <= 0)
      return reject(out, sourceId, sample, mapping, 'the sample has neither a source nor a receive time');
    if (sample.value?.kind === undefined)
      return reject(out, sourceId, sample, mapping, 'the sample has no value');

    // A historical sample (Sparkplug is_historical: store and forward) was sent late on purpose: its source time
    // is not a skewed clock, however far it lies from the receive time.
    const maxSkewUs = sample.historical === true ? Number.POSITIVE_INFINITY : this.maxClockSkewUs;
    const time = eventTimeOf(sample.sourceTimeUs, receiveTimeUs, maxSkewUs);
    if (time.basis === 'receive-skew') out.stats.skewFallbacks += 1;
    if (time.basis === 'receive-missing') out.stats.missingSourceTime += 1;

    const channel = this.channel(mapping.channel);
    if (channel.recent.holds(time.timeUs, sample.value)) {
      out.stats.duplicates += 1;
      return;
    }
    channel.recent.remember(time.timeUs, sample.value);
    const outOfOrder = time.timeUs < channel.lastTimeUs;
    if (outOfOrder) out.stats.outOfOrder += 1;
    else channel.lastTimeUs = time.timeUs;

    const context: SampleContext = {
      sourceId,
      sample,
      mapping,
      timeUs: time.timeUs,
      receiveTimeUs,
      quality: effectiveQuality(sample.quality, sample.statusCode),
      channel,
      outOfOrder,
    };
    const problem = this.applyRole(context, out);
    if (problem !== undefined) reject(out, sourceId, sample, mapping, problem);
  }

  /** Returns why the sample cannot be used, or undefined. */
  private applyRole(context: SampleContext, out: BatchOutput): string | undefined {
    const role = context.mapping.rule.role;
    if (role === 'measurement') return this.emitTelemetry(context, out, true);
    const roleProblem =
      role === 'machine-state'
        ? this.applyMachineState(context, out)
        : role === 'order-number'
          ? this.applyOrderNumber(context, out)
          : this.applyCounter(context, role, out);
    if (roleProblem !== undefined) return roleProblem;
    return this.emitTelemetry(context, out, false);
  }

  private emitTelemetry(context: SampleContext, out: BatchOutput, useDeadband: boolean): string | undefined {
    const { mapping, channel, quality, timeUs } = context;
    const signal = mapping.signal;
    if (signal === undefined) return undefined;
    const converted = convertToSignal(context.sample.value, signal, mapping.toSignalValue);
    if (!converted.ok) return converted.reason;
    if (useDeadband && !context.outOfOrder && converted.numeric !== undefined) {
      if (withinDeadband(mapping, channel, converted.numeric, quality)) {
        out.stats.deadbandSuppressed += 1;
        return undefined;
      }
    }
    if (!context.outOfOrder && converted.numeric !== undefined) {
      // Updated in place: one object per signal, not one per sample (snapshot() copies it).
      const emitted = channel.emitted;
      if (emitted === undefined) channel.emitted = { value: converted.numeric, quality, timeUs };
      else {
        emitted.value = converted.numeric;
        emitted.quality = quality;
        emitted.timeUs = timeUs;
      }
    }
    const unit =
      signal.type === 'number' || signal.type === 'integer' || signal.type === 'array' ? signal.unit : '';
    out.addPoint(mapping.assetId, {
      signal: signal.name,
      value: converted.value,
      quality,
      timeUs,
      receiveTimeUs: context.receiveTimeUs,
      unit,
    });
    return undefined;
  }

  private applyMachineState(context: SampleContext, out: BatchOutput): string | undefined {
    const code = codeOf(context.sample.value);
    if (code === undefined) return `a machine state code must be a number, flag or text`;
    // A bad reading says nothing about the machine; an older reading cannot change the current state.
    if (context.quality === Quality.QUALITY_BAD) {
      out.stats.badQualityIgnored += 1;
      return undefined;
    }
    if (context.outOfOrder) return undefined;
    const rule = context.mapping.rule;
    const target: StateTarget = rule.states.get(code) ?? {
      state: rule.unknownState.state,
      reason: rule.unknownState.reason ?? {
        code: `code ${code}`,
        text: `PLC state code ${code} is not mapped`,
      },
    };
    const asset = this.asset(context.mapping.assetId);
    const current = asset.machine;
    const reasonCode = target.reason?.code ?? '';
    if (current !== undefined && current.state === target.state && current.change.reasonCode === reasonCode) {
      return undefined;
    }
    const change: MachineStateChange = {
      state: machineStateOf(target.state),
      startTimeUs: context.timeUs,
      reasonCode,
      reasonText: target.reason?.text ?? '',
      sourceCode: code,
    };
    asset.machine = { state: target.state, change };
    const previous =
      current === undefined
        ? undefined
        : { change: current.change, durationUs: context.timeUs - current.change.startTimeUs };
    out.stateChanges.push({
      assetId: context.mapping.assetId,
      change,
      ...(previous === undefined ? {} : { previous }),
    });
    return undefined;
  }

  private applyOrderNumber(context: SampleContext, out: BatchOutput): string | undefined {
    const orderId = textOf(context.sample.value);
    if (orderId === undefined) return 'an order number must be a text or a number';
    if (context.quality === Quality.QUALITY_BAD) {
      out.stats.badQualityIgnored += 1;
      return undefined;
    }
    if (context.outOfOrder) return undefined;
    const asset = this.asset(context.mapping.assetId);
    const previousOrderId = asset.order?.orderId ?? '';
    if (asset.order !== undefined && previousOrderId === orderId) return undefined;
    asset.order = { orderId, sinceUs: context.timeUs };
    out.orderChanges.push({
      assetId: context.mapping.assetId,
      orderId,
      previousOrderId,
      timeUs: context.timeUs,
    });
    return undefined;
  }

  private applyCounter(context: SampleContext, role: CounterRole, out: BatchOutput): string | undefined {
    const raw = numericOf(context.sample.value);
    if (raw === undefined || !Number.isFinite(raw) || raw < 0) {
      return `a counter reading must be a number >= 0, got ${describeRaw(context.sample.value)}`;
    }
    if (context.quality === Quality.QUALITY_BAD) {
      out.stats.badQualityIgnored += 1;
      return undefined;
    }
    const { channel, mapping } = context;
    const last = channel.counter;
    const reading: CounterReading = { timeUs: context.timeUs, raw };
    const step = counterStep(last, reading, mapping.rule.counter);
    if (step.kind === 'duplicate') out.stats.duplicates += 1;
    if (step.kind === 'duplicate' || step.kind === 'out-of-order') return undefined;
    channel.counter = reading;
    const asset = this.asset(mapping.assetId);
    asset.ledger.roles.add(role);
    if (step.kind === 'baseline' || last === undefined) return undefined;
    const delta = step.delta * mapping.rule.scale;
    if (step.kind === 'reset' || step.kind === 'rollover') {
      out.stats[step.kind === 'reset' ? 'counterResets' : 'counterRollovers'] += 1;
      out.counterEvents.push({
        kind: step.kind,
        assetId: mapping.assetId,
        role,
        sourceId: context.sourceId,
        tag: context.sample.tag,
        previousRaw: last.raw,
        raw,
        timeUs: context.timeUs,
        delta,
      });
    }
    if (delta > 0) {
      const fromTimeUs = productionStartUs(asset, last.timeUs, context.timeUs);
      this.addIncrement(out, mapping.assetId, role, delta, fromTimeUs, context.timeUs, asset);
    }
    return undefined;
  }

  /** Increments of one asset at one event time (total and reject read together) become one delta. */
  private addIncrement(
    out: BatchOutput,
    assetId: string,
    role: CounterRole,
    delta: number,
    fromTimeUs: number,
    timeUs: number,
    asset: AssetState,
  ): void {
    const key = `${assetId}\u0000${timeUs}`;
    let pending = out.pendingCounts.get(key);
    if (pending === undefined) {
      pending = {
        assetId,
        timeUs,
        fromTimeUs,
        orderId: asset.order?.orderId ?? '',
        increments: { total: 0, good: 0, reject: 0 },
      };
      out.pendingCounts.set(key, pending);
    }
    pending.fromTimeUs = Math.min(pending.fromTimeUs, fromTimeUs);
    const field = role === 'total-counter' ? 'total' : role === 'good-counter' ? 'good' : 'reject';
    pending.increments[field] += delta;
  }

  private finishCounts(out: BatchOutput): CountDeltaRecord[] {
    const records: CountDeltaRecord[] = [];
    for (const pending of out.pendingCounts.values()) {
      const counts = deriveCounts(this.asset(pending.assetId).ledger, pending.increments);
      if (counts.totalCount === 0 && counts.goodCount === 0 && counts.scrapCount === 0) continue;
      records.push({
        assetId: pending.assetId,
        fromTimeUs: pending.fromTimeUs,
        // The parts were made between the previous reading and this one: (fromTimeUs, timeUs], so a window
        // boundary between the two reads shares them by time (docs/oee.md, boundary rules).
        delta: {
          timeUs: pending.timeUs,
          ...counts,
          orderId: pending.orderId,
          intervalStartUs: pending.fromTimeUs,
        },
      });
    }
    return records;
  }

  private channel(key: string): ChannelState {
    let channel = this.channels.get(key);
    if (channel === undefined) {
      channel = { lastTimeUs: Number.NEGATIVE_INFINITY, recent: new DuplicateWindow(this.duplicateWindow) };
      this.channels.set(key, channel);
    }
    return channel;
  }

  private asset(assetId: string): AssetState {
    let asset = this.assets.get(assetId);
    if (asset === undefined) {
      asset = { ledger: emptyLedger() };
      this.assets.set(assetId, asset);
    }
    return asset;
  }

  private recordUnmapped(
    sourceId: string,
    tag: string,
    reason: UnmappedReason,
    detail: string,
    seenUs: number,
  ): void {
    const key = `${sourceId}\u0000${tag}`;
    const known = this.unmappedTags.get(key);
    if (known !== undefined) {
      this.unmappedTags.set(key, {
        ...known,
        reason,
        detail,
        count: known.count + 1,
        firstSeenUs: Math.min(known.firstSeenUs, seenUs),
        lastSeenUs: Math.max(known.lastSeenUs, seenUs),
      });
    } else if (this.unmappedTags.size < this.maxUnmappedTags) {
      this.unmappedTags.set(key, {
        sourceId,
        tag,
        reason,
        detail,
        count: 1,
        firstSeenUs: seenUs,
        lastSeenUs: seenUs,
      });
    }
  }

  /** Plain JSON of everything that must survive a restart (the recent-duplicates window does not). */
  snapshot(): NormalizerSnapshot {
    const channels: NormalizerSnapshot['channels'] = {};
    for (const [key, channel] of this.channels) {
      if (!Number.isFinite(channel.lastTimeUs)) continue;
      channels[key] = {
        lastTimeUs: channel.lastTimeUs,
        ...(channel.counter === undefined ? {} : { counter: { ...channel.counter } }),
        ...(channel.emitted === undefined ? {} : { emitted: { ...channel.emitted } }),
      };
    }
    const assets: NormalizerSnapshot['assets'] = {};
    for (const [assetId, asset] of this.assets) {
      const machine = asset.machine;
      assets[assetId] = {
        ...(machine === undefined
          ? {}
          : {
              machine: {
                state: machine.state,
                reasonCode: machine.change.reasonCode,
                reasonText: machine.change.reasonText,
                sourceCode: machine.change.sourceCode,
                startTimeUs: machine.change.startTimeUs,
              },
            }),
        ...(asset.order === undefined ? {} : { order: { ...asset.order } }),
        counterRoles: [...asset.ledger.roles],
        pendingScrap: asset.ledger.pendingScrap,
      };
    }
    return { version: 1, channels, assets, unmapped: this.unmapped(), stats: this.stats() };
  }

  /** Replaces the state with a snapshot (e.g. read from Redis). Throws InvalidSnapshotError on a bad shape. */
  restore(snapshot: unknown): void {
    const parsed = normalizerSnapshotSchema.safeParse(snapshot);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first === undefined ? '' : ` at ${first.path.map(String).join('.')}: ${first.message}`;
      throw new InvalidSnapshotError(`not a Normalizer snapshot (version 1)${where}`);
    }
    const data = parsed.data;
    this.channels = new Map(
      Object.entries(data.channels).map(([key, channel]) => [
        key,
        {
          lastTimeUs: channel.lastTimeUs,
          ...(channel.counter === undefined ? {} : { counter: channel.counter }),
          ...(channel.emitted === undefined
            ? {}
            : { emitted: { ...channel.emitted, quality: toQuality(channel.emitted.quality) } }),
          recent: new DuplicateWindow(this.duplicateWindow),
        },
      ]),
    );
    this.assets = new Map(
      Object.entries(data.assets).map(([assetId, asset]) => {
        const state: AssetState = {
          ledger: { roles: new Set(asset.counterRoles), pendingScrap: asset.pendingScrap },
        };
        if (asset.order !== undefined) state.order = asset.order;
        if (asset.machine !== undefined) {
          const { state: name, ...rest } = asset.machine;
          state.machine = { state: name, change: { state: machineStateOf(name), ...rest } };
        }
        return [assetId, state];
      }),
    );
    this.unmappedTags = new Map(data.unmapped.map((tag) => [`${tag.sourceId}\u0000${tag.tag}`, tag]));
    this.totals = { ...data.stats };
  }
}

function reject(
  out: BatchOutput,
  sourceId: string,
  sample: RawSample,
  mapping: ResolvedMapping,
  reason: string,
): void {
  out.stats.rejected += 1;
  out.rejected.push({ sourceId, tag: sample.tag, assetId: mapping.assetId, reason });
}

function withinDeadband(
  mapping: ResolvedMapping,
  channel: ChannelState,
  value: number,
  quality: Quality,
): boolean {
  const deadband = mapping.rule.deadband;
  const last = channel.emitted;
  if (deadband === undefined || last === undefined || last.quality !== quality) return false;
  const threshold =
    deadband.kind === 'absolute' ? deadband.value : (Math.abs(last.value) * deadband.value) / 100;
  return Math.abs(value - last.value) <= threshold;
}

/**
 * Where the interval of a counter delta starts: the previous reading, or the later moment the asset began RUNNING
 * when it did so after that reading. A source reporting changes only (MQTT, OPC UA subscriptions) is quiet through
 * a stop; the parts of its first change after it were made after the restart, not over the stop.
 */
function productionStartUs(asset: AssetState, previousReadUs: number, timeUs: number): number {
  const machine = asset.machine;
  if (machine === undefined || machine.state !== 'RUNNING') return previousReadUs;
  const startUs = machine.change.startTimeUs;
  return startUs > previousReadUs && startUs <= timeUs ? startUs : previousReadUs;
}

function groupDeltas(records: readonly CountDeltaRecord[]): ProductionCountBatch[] {
  const byAsset = new Map<string, ProductionCountDelta[]>();
  for (const record of records) {
    const deltas = byAsset.get(record.assetId);
    if (deltas === undefined) byAsset.set(record.assetId, [record.delta]);
    else deltas.push(record.delta);
  }
  return [...byAsset].map(([assetId, deltas]) => ({ assetId, deltas }));
}

function addStats(total: NormalizerStats, batch: NormalizerStats): void {
  for (const key of Object.keys(total) as (keyof NormalizerStats)[]) total[key] += batch[key];
}

function toQuality(value: number): Quality {
  return value === Quality.QUALITY_GOOD ||
    value === Quality.QUALITY_UNCERTAIN ||
    value === Quality.QUALITY_BAD
    ? value
    : Quality.QUALITY_UNSPECIFIED;
}

function describeRaw(value: Value | undefined): string {
  const kind = value?.kind;
  if (kind === undefined) return 'no value';
  return kind.$case === 'arrayValue' ? 'an array' : JSON.stringify(kind.value);
}
