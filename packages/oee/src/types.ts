// The plain input types of the OEE core. They are simpler than the protobuf messages they come from
// (see contracts-mapping.ts for the mapping); every time is UTC microseconds since the Unix epoch, an integer,
// like the contracts.
import type { MachineState } from '@kiln/contracts';

/** A half-open time range [fromUs, toUs). */
export interface TimeRange {
  readonly fromUs: number;
  readonly toUs: number;
}

/**
 * The asset entered `state` at `startUs` and stays in it until the next change; the last change is open-ended.
 * Maps from `MachineStateChange` (machine_state.proto). Time before the first change has no state and counts as
 * OFFLINE (no data).
 */
export interface StateChange {
  readonly startUs: number;
  readonly state: MachineState;
  readonly reasonCode?: string;
  readonly reasonText?: string;
}

/**
 * Parts produced, good and scrapped, over the interval (fromUs, timeUs]: they were made before `timeUs`, so the
 * range that ends at `timeUs` gets them. With `fromUs` a range that cuts the interval takes the share of its
 * time; without it the delta is a point at `timeUs` and counts in a range when fromUs < timeUs <= toUs (a count
 * stamped at a shift end belongs to that shift). Maps from `ProductionCountDelta` (production_count.proto).
 */
export interface CountDelta {
  readonly timeUs: number;
  readonly fromUs?: number;
  readonly totalCount: number;
  readonly goodCount: number;
  readonly scrapCount: number;
  /** The order the parts belong to, where the source knows it; else the order running at the time applies. */
  readonly orderId?: string;
}

/**
 * A production order running on the asset over [startUs, endUs) (open-ended without endUs). Maps from
 * `ProductionOrder` (erp.proto). idealCycleTimeS 0 means "not given": the asset's default applies.
 */
export interface OrderSpan {
  readonly orderId: string;
  readonly startUs: number;
  readonly endUs?: number;
  readonly idealCycleTimeS: number;
  readonly targetQuantity?: number;
}

export interface BreakSpan {
  readonly startUs: number;
  readonly endUs: number;
  readonly reason?: string;
}

/** One shift of the asset's calendar with its planned breaks. Maps from `Shift` (erp.proto). */
export interface ShiftSpan {
  readonly shiftId: string;
  readonly startUs: number;
  readonly endUs: number;
  readonly breaks?: readonly BreakSpan[];
}
