import { DEFAULT_PDM_CONFIG, matchesPattern, signalPolicy, type PdmConfig } from '../src';

describe('monitored signals', () => {
  it('monitors every signal with a condition unit by default, never the operating gate', () => {
    expect(signalPolicy(DEFAULT_PDM_CONFIG, 'vibration', 'mm/s')).toEqual({
      monitored: true,
      direction: 'up',
      failureLevel: undefined,
      velocity: true,
    });
    expect(signalPolicy(DEFAULT_PDM_CONFIG, 'motor-current', 'A').monitored).toBe(true);
    expect(signalPolicy(DEFAULT_PDM_CONFIG, 'speed', '1/min').monitored).toBe(false);
    expect(signalPolicy(DEFAULT_PDM_CONFIG, 'totalCount', '{count}').monitored).toBe(false);
  });

  it('applies the first matching rule: extra signals, exclusions, direction and failure level', () => {
    const config: PdmConfig = {
      ...DEFAULT_PDM_CONFIG,
      signals: {
        units: DEFAULT_PDM_CONFIG.signals.units,
        rules: [
          { pattern: 'ambient-*', monitored: false },
          { pattern: '*pressure', direction: 'down', failureLevel: 2 },
        ],
      },
    };
    expect(signalPolicy(config, 'ambient-temperature', 'Cel').monitored).toBe(false);
    expect(signalPolicy(config, 'hydraulic-pressure', 'bar')).toMatchObject({
      monitored: true,
      direction: 'down',
      failureLevel: 2,
    });
  });

  it('matches * patterns on the whole name and treats other characters literally', () => {
    expect(matchesPattern('bearing.de.vibration', 'bearing.*')).toBe(true);
    expect(matchesPattern('bearingXde', 'bearing.*')).toBe(false);
    expect(matchesPattern('vibration-x', 'vibration')).toBe(false);
  });
});
