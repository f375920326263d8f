// Alert lifecycle of one asset and cause: hysteresis + minimum duration so that one fault makes ONE alert.
// idle --(triggered)--> pending --(still not cleared after minDuration, triggered now)--> open --> (person
// resolves: alertClosed) --> idle. While pending, only a CLEAR (health back above clearAbove) cancels: input
// flapping around the open threshold keeps the condition pending and opens once. While open the severity only
// escalates (an update per step up), never flaps down; the alert is closed by people, not by the detector.

export type AlertSeverityName = 'info' | 'warning' | 'critical';

const SEVERITY_RANK: Readonly<Record<AlertSeverityName, number>> = { info: 0, warning: 1, critical: 2 };

export interface DetectorParams {
  /** Health below this triggers (the condition is present). */
  readonly openBelow: number;
  /** Health above this clears (the condition is gone); > openBelow. */
  readonly clearAbove: number;
  /** The condition must persist (not clear) this long before an alert opens, microseconds. */
  readonly minDurationUs: number;
}

export type DetectorState =
  | { readonly phase: 'idle' }
  | { readonly phase: 'pending'; readonly sinceUs: number }
  | { readonly phase: 'open'; readonly openedAtUs: number; readonly severity: AlertSeverityName };

export interface DetectorInput {
  readonly timeUs: number;
  readonly healthIndex: number;
  /** Extra trigger besides health < openBelow (e.g. RUL inside the horizon). */
  readonly triggered?: boolean;
  /** Severity the evidence supports now. */
  readonly severity: AlertSeverityName;
}

export interface DetectorStep {
  readonly state: DetectorState;
  readonly action: 'open' | 'update' | undefined;
  readonly severity: AlertSeverityName | undefined;
}

export const IDLE: DetectorState = { phase: 'idle' };

export function detectorStep(
  state: DetectorState,
  input: DetectorInput,
  params: DetectorParams,
): DetectorStep {
  const triggered = input.healthIndex < params.openBelow || input.triggered === true;
  const cleared = input.healthIndex > params.clearAbove && input.triggered !== true;
  switch (state.phase) {
    case 'idle':
      if (!triggered) return { state, action: undefined, severity: undefined };
      return openIfDue({ phase: 'pending', sinceUs: input.timeUs }, input, params, triggered);
    case 'pending':
      if (cleared) return { state: IDLE, action: undefined, severity: undefined };
      return openIfDue(state, input, params, triggered);
    case 'open':
      if (SEVERITY_RANK[input.severity] > SEVERITY_RANK[state.severity]) {
        return { state: { ...state, severity: input.severity }, action: 'update', severity: input.severity };
      }
      return { state, action: undefined, severity: state.severity };
  }
}

function openIfDue(
  state: { readonly phase: 'pending'; readonly sinceUs: number },
  input: DetectorInput,
  params: DetectorParams,
  triggered: boolean,
): DetectorStep {
  if (triggered && input.timeUs - state.sinceUs >= params.minDurationUs) {
    return {
      state: { phase: 'open', openedAtUs: input.timeUs, severity: input.severity },
      action: 'open',
      severity: input.severity,
    };
  }
  return { state, action: undefined, severity: undefined };
}

/** A person resolved the alert: re-arm, so the condition must be seen again for the minimum duration. */
export function detectorClosed(): DetectorState {
  return IDLE;
}

export function severityRank(severity: AlertSeverityName): number {
  return SEVERITY_RANK[severity];
}
