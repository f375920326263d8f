// What one `Normalizer.process` call returns: the messages to publish and what the service logs and counts.
import type {
  MachineStateChange,
  MachineStateEvent,
  ProductionCountBatch,
  ProductionCountDelta,
  TelemetryBatch,
} from '@kiln/contracts';
import type { CounterRole } from './mapping';
import type { UnmappedReason } from './matcher';
import type { NormalizerStats } from './normalizer-snapshot';

export interface UnmappedTag {
  readonly sourceId: string;
  readonly tag: string;
  readonly reason: UnmappedReason;
  readonly detail: string;
  readonly count: number;
  readonly firstSeenUs: number;
  readonly lastSeenUs: number;
}

export interface StateChangeRecord {
  readonly assetId: string;
  readonly change: MachineStateChange;
  /** The state this change ends, with how long it lasted; undefined for the asset's first known state. */
  readonly previous?: { readonly change: MachineStateChange; readonly durationUs: number };
}

export interface CountDeltaRecord {
  readonly assetId: string;
  /**
   * The interval the delta covers, (fromTimeUs, delta.timeUs]: from the previous counter reading, or from when the
   * asset last began RUNNING if that was later (delta.intervalStartUs says the same).
   */
  readonly fromTimeUs: number;
  readonly delta: ProductionCountDelta;
}

export interface OrderChange {
  readonly assetId: string;
  /** Empty when the PLC cleared its order number. */
  readonly orderId: string;
  readonly previousOrderId: string;
  readonly timeUs: number;
}

/** A counter drop, for the service to log (a reset at warn level: parts may have been lost before it). */
export interface CounterEvent {
  readonly kind: 'reset' | 'rollover';
  readonly assetId: string;
  readonly role: CounterRole;
  readonly sourceId: string;
  readonly tag: string;
  readonly previousRaw: number;
  readonly raw: number;
  readonly timeUs: number;
  /** The increment counted for the drop (already scaled). */
  readonly delta: number;
}

/** A mapped sample that could not be used; the service counts and logs it (the batch is still processed). */
export interface RejectedSample {
  readonly sourceId: string;
  readonly tag: string;
  readonly assetId: string;
  readonly reason: string;
}

export interface NormalizeResult {
  /** One batch per asset, for kiln.telemetry.v1. */
  readonly telemetry: TelemetryBatch[];
  /** For kiln.machine-state.v1: state changes only. */
  readonly machineStateEvents: MachineStateEvent[];
  /** One batch per asset, for kiln.production-count.v1. */
  readonly productionCounts: ProductionCountBatch[];
  /** The same changes and deltas with what the topics do not carry (previous state, delta interval). */
  readonly stateChanges: StateChangeRecord[];
  readonly countDeltas: CountDeltaRecord[];
  readonly orderChanges: OrderChange[];
  readonly counterEvents: CounterEvent[];
  readonly rejected: RejectedSample[];
  /** What this batch added to `stats()`. */
  readonly stats: NormalizerStats;
}
