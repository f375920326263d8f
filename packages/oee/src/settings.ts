// The choices vendors disagree on (docs/architecture.md section 6), each an explicit setting. Every result carries the
// resolved settings that produced it.
import { OeeInputError } from './errors';

export interface OeeSettings {
  /** Seconds per part when the running order gives none (ERP standard value 0 or no order). */
  readonly defaultIdealCycleTimeS: number;
  /** A stop shorter than this (strictly) stays inside actual production time as a small stop. */
  readonly microStopThresholdS: number;
  /** NO_ORDER counts as a planned stop (outside planned busy time) rather than an unplanned stop. */
  readonly noOrderIsPlanned: boolean;
  /**
   * Planned stops (breaks of the shift calendar, PLANNED_STOP, NO_ORDER when planned) stay inside planned busy
   * time and lower availability, instead of being taken out of it.
   */
  readonly plannedStopsInAvailability: boolean;
  /** Scrap within this many seconds after an order starts counts as start-up rejects; 0 turns them off. */
  readonly startupPeriodS: number;
}

export type OeeSettingsInput = Pick<OeeSettings, 'defaultIdealCycleTimeS'> & Partial<OeeSettings>;

export const DEFAULT_MICRO_STOP_THRESHOLD_S = 120;

/** The defaults of docs/architecture.md section 6 (the ideal cycle time has none: it belongs to the asset). */
export const DEFAULT_OEE_SETTINGS: Omit<OeeSettings, 'defaultIdealCycleTimeS'> = {
  microStopThresholdS: DEFAULT_MICRO_STOP_THRESHOLD_S,
  noOrderIsPlanned: true,
  plannedStopsInAvailability: false,
  startupPeriodS: 0,
};

function nonNegativeFinite(value: number, key: keyof OeeSettings): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new OeeInputError(`expected a finite number >= 0, got ${String(value)}`, `settings.${key}`);
  }
  return value;
}

/** Fills in the defaults and validates; throws OeeInputError naming the setting. */
export function resolveOeeSettings(input: OeeSettingsInput): OeeSettings {
  const merged: OeeSettings = { ...DEFAULT_OEE_SETTINGS, ...stripUndefined(input) };
  return {
    defaultIdealCycleTimeS: nonNegativeFinite(merged.defaultIdealCycleTimeS, 'defaultIdealCycleTimeS'),
    microStopThresholdS: nonNegativeFinite(merged.microStopThresholdS, 'microStopThresholdS'),
    noOrderIsPlanned: merged.noOrderIsPlanned,
    plannedStopsInAvailability: merged.plannedStopsInAvailability,
    startupPeriodS: nonNegativeFinite(merged.startupPeriodS, 'startupPeriodS'),
  };
}

function stripUndefined(input: OeeSettingsInput): OeeSettingsInput {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) if (value !== undefined) out[key] = value;
  return out as OeeSettingsInput;
}

export function sameSettings(a: OeeSettings, b: OeeSettings): boolean {
  return (
    a.defaultIdealCycleTimeS === b.defaultIdealCycleTimeS &&
    a.microStopThresholdS === b.microStopThresholdS &&
    a.noOrderIsPlanned === b.noOrderIsPlanned &&
    a.plannedStopsInAvailability === b.plannedStopsInAvailability &&
    a.startupPeriodS === b.startupPeriodS
  );
}
