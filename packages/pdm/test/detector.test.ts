import {
  DETECTOR_IDLE,
  detectorClosed,
  detectorStep,
  type AlertSeverityName,
  type DetectorState,
} from '../src';

const PARAMS = { openBelow: 70, clearAbove: 85, minDurationUs: 60 * 60_000_000 };
const WINDOW_US = 10 * 60_000_000;

function run(
  healths: readonly number[],
  severities?: readonly AlertSeverityName[],
  start: DetectorState = DETECTOR_IDLE,
) {
  let state = start;
  const actions: { action: string; severity: string; i: number }[] = [];
  healths.forEach((healthIndex, i) => {
    const step = detectorStep(
      state,
      { timeUs: i * WINDOW_US, healthIndex, severity: severities?.[i] ?? 'info' },
      PARAMS,
    );
    state = step.state;
    if (step.action !== undefined) actions.push({ action: step.action, severity: step.severity ?? '', i });
  });
  return { state, actions };
}

describe('alert detector', () => {
  it('opens ONE alert for input flapping around the open threshold (hysteresis)', () => {
    const flapping = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? 69 : 72));
    const { actions } = run(flapping);
    expect(actions).toEqual([{ action: 'open', severity: 'info', i: 6 }]);
  });

  it('opens nothing for a spike shorter than the minimum duration', () => {
    const { actions } = run([95, 95, 40, 30, 40, 95, 95, 95, 95, 95, 95, 95]);
    expect(actions).toEqual([]);
  });

  it('escalates the same alert with updates, never de-escalates', () => {
    const healths = [60, 60, 60, 60, 60, 60, 60, 45, 45, 20, 45, 60];
    const severities: AlertSeverityName[] = [
      'info',
      'info',
      'info',
      'info',
      'info',
      'info',
      'info',
      'warning',
      'warning',
      'critical',
      'warning',
      'info',
    ];
    const { actions, state } = run(healths, severities);
    expect(actions.map((a) => `${a.action}:${a.severity}`)).toEqual([
      'open:info',
      'update:warning',
      'update:critical',
    ]);
    expect(state).toMatchObject({ phase: 'open', severity: 'critical' });
  });

  it('stays open when the condition clears until a person closes it, then re-arms', () => {
    const first = run([60, 60, 60, 60, 60, 60, 60, 95, 95, 60, 60, 60, 60, 60, 60, 60]);
    expect(first.actions.filter((a) => a.action === 'open')).toHaveLength(1);
    const rearmed = run([60, 60, 60, 60, 60, 60, 60], undefined, detectorClosed());
    expect(rearmed.actions.map((a) => a.action)).toEqual(['open']);
  });
});
