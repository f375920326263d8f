import {
  AssetMonitor,
  CONDITION_DEGRADATION,
  DEFAULT_PDM_CONFIG,
  type AssetMonitorState,
  type MonitorOutput,
  type MonitorSample,
} from '../src';
import { HOUR_US, randomStream } from './fixtures';

const ASSET = 'acme/plant-1/line-1/machine-1';
const START_US = Date.UTC(2026, 11, 1) * 1000;
const STEP_US = 10_000_000;

interface Profile {
  /** Wear 0..1 as a function of hours since start. */
  wear: (h: number) => number;
  /** Machine running at hours since start. */
  running?: (h: number) => boolean;
}

/** Simulator-like samples: vibration 1.1 + 9 wear^3, temperature and current rising with wear^2. */
function samples(fromH: number, toH: number, profile: Profile, seed = 1): MonitorSample[] {
  const rng = randomStream(seed + Math.round(fromH * 1000));
  const out: MonitorSample[] = [];
  for (let t = START_US + fromH * HOUR_US; t < START_US + toH * HOUR_US; t += STEP_US) {
    const h = (t - START_US) / HOUR_US;
    const w = profile.wear(h);
    const running = profile.running?.(h) ?? true;
    out.push({ signal: 'speed', timeUs: t, value: running ? 6 : 0, good: true, unit: '1/min' });
    const vibration = running ? 1.1 + 9 * w ** 3 + 0.08 * rng.normal() : 0.15;
    out.push({ signal: 'vibration', timeUs: t, value: vibration, good: true, unit: 'mm/s' });
    out.push({
      signal: 'temperature',
      timeUs: t,
      value: 54 + 12 * w ** 2 + 0.15 * rng.normal(),
      good: true,
      unit: 'Cel',
    });
    out.push({
      signal: 'motor-current',
      timeUs: t,
      value: 10 + 2 * w ** 2 + 0.15 * rng.normal(),
      good: true,
      unit: 'A',
    });
  }
  return out;
}

function merge(outputs: readonly MonitorOutput[]): MonitorOutput {
  return { health: outputs.flatMap((o) => o.health), alerts: outputs.flatMap((o) => o.alerts) };
}

const healthy: Profile = { wear: () => 0.1 };
/** Healthy for 20 h, then wear grows linearly to failure at 120 h. */
const degrading: Profile = { wear: (h) => (h < 20 ? 0.1 : Math.min(1, 0.1 + (0.9 * (h - 20)) / 100)) };

describe('AssetMonitor', () => {
  it('learns for 8 operating hours (health 100, baselineReady false), then reports one update per window', () => {
    const monitor = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG);
    const out = monitor.ingest(samples(0, 12, healthy));
    const learning = out.health.filter((u) => !u.baselineReady);
    expect(learning.length).toBeGreaterThanOrEqual(47);
    expect(learning.every((u) => u.healthIndex === 100)).toBe(true);
    const ready = out.health.filter((u) => u.baselineReady);
    expect(ready.length).toBeGreaterThan(20);
    expect(ready.every((u) => u.healthIndex > 85)).toBe(true);
    expect(ready[0]?.signals.map((s) => s.signal).sort()).toEqual([
      'motor-current',
      'temperature',
      'vibration',
    ]);
    expect(ready[0]?.signals.find((s) => s.signal === 'vibration')?.zone).toBe('A');
    expect(out.alerts).toEqual([]);
  });

  it('raises no alert on a healthy machine over three days', () => {
    const monitor = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG);
    const out = merge([0, 24, 48].map((h) => monitor.ingest(samples(h, h + 24, healthy, h))));
    expect(out.alerts).toEqual([]);
  });

  it('gives a degrading bearing ONE alert, opened well before failure, that escalates', () => {
    const monitor = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG);
    const out = merge([0, 30, 60, 90].map((h) => monitor.ingest(samples(h, h + 30, degrading, h))));
    const opens = out.alerts.filter((a) => a.action === 'open');
    expect(opens).toHaveLength(1);
    expect(opens[0]?.cause).toBe(CONDITION_DEGRADATION);
    expect(opens[0]?.signal).toBe('vibration');
    const openedH = ((opens[0]?.timeUs ?? 0) - START_US) / HOUR_US;
    expect(120 - openedH).toBeGreaterThan(24);
    const severities = out.alerts.map((a) => a.severity);
    expect(severities[severities.length - 1]).toBe('critical');
    expect(out.alerts.every((a) => a.cause === CONDITION_DEGRADATION)).toBe(true);
    const withRul = out.health.filter((u) => u.rul !== undefined);
    expect(withRul.length).toBeGreaterThan(0);
  });

  it('re-arms after a person closes the alert: a persisting condition opens a new alert', () => {
    const monitor = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG);
    const first = merge([0, 30, 60, 90].map((h) => monitor.ingest(samples(h, h + 30, degrading, h))));
    expect(first.alerts.filter((a) => a.action === 'open')).toHaveLength(1);
    monitor.alertClosed(CONDITION_DEGRADATION, START_US + 120 * HOUR_US);
    const again = monitor.ingest(samples(120, 123, { wear: () => 1 }, 5));
    expect(again.alerts.filter((a) => a.action === 'open')).toHaveLength(1);
  });

  it('counts only operating time: samples while speed is 0 neither feed features nor advance the clock', () => {
    const monitor = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG);
    const out = monitor.ingest(samples(0, 12, { wear: () => 0.1, running: (h) => h < 4 }));
    const hours = out.health.map((u) => u.operatingHours ?? 0);
    expect(Math.max(...hours)).toBeLessThanOrEqual(4.01);
    expect(out.health.every((u) => !u.baselineReady)).toBe(true);
  });

  it('treats everything as operating when the asset has no gate signal', () => {
    const monitor = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG);
    const out = monitor.ingest(samples(0, 10, healthy).filter((s) => s.signal !== 'speed'));
    expect(out.health.some((u) => u.baselineReady)).toBe(true);
  });

  it('restores identical behaviour from a JSON round trip of its snapshot', () => {
    const original = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG);
    original.ingest(samples(0, 70, degrading));
    const state = JSON.parse(JSON.stringify(original.snapshot())) as AssetMonitorState;
    const restored = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG, state);
    const rest = samples(70, 110, degrading, 2);
    expect(restored.ingest(rest)).toEqual(original.ingest(rest));
    expect(restored.snapshot()).toEqual(original.snapshot());
  });

  it('ignores replayed and late samples: an at-least-once replay changes nothing', () => {
    const monitor = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG);
    const batch = samples(0, 30, degrading);
    monitor.ingest(batch.slice(0, 20_000));
    const before = monitor.snapshot();
    const replay = monitor.ingest(batch.slice(15_000, 20_000));
    expect(replay).toEqual({ health: [], alerts: [] });
    expect(monitor.snapshot()).toEqual(before);
  });

  it('ignores bad-quality samples', () => {
    const a = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG);
    const b = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG);
    const good = samples(0, 10, healthy);
    const noisy = good.flatMap((s) => [{ ...s, timeUs: s.timeUs - 1, value: 1e6, good: false }, s]);
    expect(b.ingest(noisy)).toEqual(a.ingest(good));
  });

  it('learns from a configured healthy period instead of the first operating hours', () => {
    const config = {
      ...DEFAULT_PDM_CONFIG,
      baseline: {
        ...DEFAULT_PDM_CONFIG.baseline,
        healthyPeriod: { startUs: START_US + 2 * HOUR_US, endUs: START_US + 6 * HOUR_US },
      },
    };
    const out = new AssetMonitor(ASSET, config).ingest(samples(0, 8, healthy));
    const firstReady = out.health.find((u) => u.baselineReady);
    expect(firstReady?.timeUs).toBe(START_US + 6 * HOUR_US);
  });

  it('watches a signal that degrades downwards when a rule says so', () => {
    const config = {
      ...DEFAULT_PDM_CONFIG,
      signals: {
        ...DEFAULT_PDM_CONFIG.signals,
        rules: [{ pattern: 'oil-pressure', direction: 'down' as const, failureLevel: 1 }],
      },
    };
    const monitor = new AssetMonitor(ASSET, config);
    const rng = randomStream(4);
    const pressure = (fromH: number, toH: number, level: (h: number) => number): MonitorSample[] => {
      const out: MonitorSample[] = [];
      for (let t = START_US + fromH * HOUR_US; t < START_US + toH * HOUR_US; t += STEP_US) {
        const h = (t - START_US) / HOUR_US;
        out.push({
          signal: 'oil-pressure',
          timeUs: t,
          value: level(h) + 0.02 * rng.normal(),
          good: true,
          unit: 'bar',
        });
      }
      return out;
    };
    const healthyOut = monitor.ingest(pressure(0, 12, () => 4));
    expect(healthyOut.alerts).toEqual([]);
    const failing = monitor.ingest(pressure(12, 30, (h) => Math.max(1, 4 - 0.25 * (h - 12))));
    expect(failing.alerts.filter((a) => a.action === 'open').map((a) => a.signal)).toEqual(['oil-pressure']);
  });

  it('refuses the state of another asset', () => {
    const state = new AssetMonitor(ASSET, DEFAULT_PDM_CONFIG).snapshot();
    expect(() => new AssetMonitor('acme/other', DEFAULT_PDM_CONFIG, state)).toThrow(/acme\/other/);
  });
});
