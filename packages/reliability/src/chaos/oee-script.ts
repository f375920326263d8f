// The fixed OEE input of one phase: one hour of machine states and counters of one asset, the same for every
// phase, so the OEE service must compute the same hour for each phase's asset as for the fault-free reference.

/** PLC state codes of the chaos plant's state rule (plant-file.ts). */
export const STATE_CODES = { RUNNING: 1, IDLE: 2, BREAKDOWN: 10, PLANNED_STOP: 20 } as const;

export interface OeeInput {
  /** `state`, `total` or `reject`: the tag is `oee/<asset>/<kind>`. */
  readonly kind: 'state' | 'total' | 'reject';
  readonly value: number;
  readonly timeUs: number;
}

const MINUTE_US = 60_000_000;

/** The state in minute `minute` of the hour: a 5 min breakdown, a 1 min idle (a micro-stop), a 5 min break. */
function stateAt(minute: number): number {
  if (minute >= 20 && minute < 25) return STATE_CODES.BREAKDOWN;
  if (minute === 40) return STATE_CODES.IDLE;
  if (minute >= 50 && minute < 55) return STATE_CODES.PLANNED_STOP;
  return STATE_CODES.RUNNING;
}

/**
 * One reading per minute from the window's start through its end (61 minutes, the last one closes the hour):
 * the state, the total counter (5 parts in each running minute) and the reject counter (one every 10 minutes).
 */
export function oeeInputs(windowStartUs: number): OeeInput[] {
  const inputs: OeeInput[] = [];
  let total = 1000;
  let rejects = 50;
  for (let minute = 0; minute <= 60; minute += 1) {
    const timeUs = windowStartUs + minute * MINUTE_US;
    const state = stateAt(minute);
    inputs.push({ kind: 'state', value: state, timeUs });
    inputs.push({ kind: 'total', value: total, timeUs: timeUs + 1 });
    inputs.push({ kind: 'reject', value: rejects, timeUs: timeUs + 2 });
    if (state === STATE_CODES.RUNNING) total += 5;
    if (minute % 10 === 9) rejects += 1;
  }
  return inputs;
}

/** The start of the UTC hour `hoursBack` hours before `nowMs`: a window closed long before the run. */
export function closedHourStartUs(nowMs: number, hoursBack: number): number {
  const hourMs = 3_600_000;
  return (Math.floor(nowMs / hourMs) - hoursBack) * hourMs * 1000;
}
