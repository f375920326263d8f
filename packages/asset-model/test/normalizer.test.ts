import { MachineState, Quality } from '@kiln/contracts';
import fc from 'fast-check';
import { InvalidSnapshotError, Normalizer, parsePlantConfig, type NormalizerOptions } from '../src';
import {
  batch,
  bool,
  int,
  num,
  PLANT_YAML,
  PRESS_04,
  PRESS_05,
  ROBOT_1,
  sample,
  SECOND,
  str,
  T0,
} from './fixtures';

const plant = parsePlantConfig(PLANT_YAML, 'plant.yaml');
const create = (options: Partial<NormalizerOptions> = {}) => new Normalizer({ ...plant, ...options });

const TEMP_04 = 'ns=2;s=Line2.Press_04.OilTemp';
const RATE_04 = 'ns=2;s=Line2.Press_04.StrokeFreq';
const STATE_04 = 'ns=2;s=Line2.Press_04.State';
const TOTAL_04 = 'ns=2;s=Line2.Press_04.PartsTotal';
const REJECT_04 = 'ns=2;s=Line2.Press_04.PartsReject';
const ORDER_04 = 'ns=2;s=Line2.Press_04.OrderNo';
const at = (seconds: number) => T0 + seconds * SECOND;

describe('Normalizer: telemetry', () => {
  it('converts units, keeps quality and groups points per asset', () => {
    const result = create().process(
      batch([
        sample(TEMP_04, num(212), at(0)),
        sample('ns=2;s=Line2.Press_05.OilTemp', num(32), at(0), { quality: Quality.QUALITY_UNCERTAIN }),
        sample(RATE_04, num(0.5), at(0), { quality: Quality.QUALITY_UNSPECIFIED, statusCode: 0x80000000 }),
      ]),
    );
    expect(result.telemetry).toEqual([
      {
        assetId: PRESS_04,
        points: [
          {
            signal: 'oil-temperature',
            value: num(100),
            quality: Quality.QUALITY_GOOD,
            timeUs: at(0),
            receiveTimeUs: at(0) + 1000,
            unit: 'Cel',
          },
          expect.objectContaining({
            signal: 'stroke-rate',
            value: num(30),
            quality: Quality.QUALITY_BAD,
            unit: '1/min',
          }),
        ],
      },
      {
        assetId: PRESS_05,
        points: [expect.objectContaining({ value: num(0), quality: Quality.QUALITY_UNCERTAIN })],
      },
    ]);
  });

  it('sends a value only when it leaves the deadband of the last sent one (or its quality changes)', () => {
    const normalizer = create();
    const values = [212, 212.5, 212.9, 213, 213, 214.2];
    const sent = values.map(
      (f, i) => normalizer.process(batch([sample(TEMP_04, num(f), at(i))])).telemetry.length,
    );
    // 0.5 Cel deadband: 212 [degF] = 100 Cel; 212.9 = 100.5 (not beyond); 213 = 100.56 (beyond), 214.2 = 101.2
    expect(sent).toEqual([1, 0, 0, 1, 0, 1]);
    const bad = normalizer.process(
      batch([sample(TEMP_04, num(214.2), at(9), { quality: Quality.QUALITY_BAD })]),
    );
    expect(bad.telemetry).toHaveLength(1);
    expect(normalizer.stats().deadbandSuppressed).toBe(3);
  });

  it('drops duplicates (same signal, time and value), also when they come back late', () => {
    const normalizer = create();
    normalizer.process(batch([sample(TEMP_04, num(100), at(0)), sample(TEMP_04, num(150), at(1))]));
    const replay = normalizer.process(
      batch([
        sample(TEMP_04, num(100), at(0)),
        sample(TEMP_04, num(150), at(1)),
        sample(TEMP_04, num(101), at(0)),
      ]),
    );
    expect(replay.stats.duplicates).toBe(2);
    // Same time, other value: not a duplicate; older than the newest: accepted out of order.
    expect(replay.telemetry[0]?.points.map((p) => p.timeUs)).toEqual([at(0)]);
    expect(replay.stats.outOfOrder).toBe(1);
  });

  it('accepts out-of-order samples without touching the deadband reference', () => {
    const normalizer = create();
    normalizer.process(batch([sample(TEMP_04, num(212), at(10))]));
    const late = normalizer.process(batch([sample(TEMP_04, num(212.1), at(5))]));
    expect(late.telemetry[0]?.points[0]?.timeUs).toBe(at(5));
    expect(normalizer.process(batch([sample(TEMP_04, num(212.5), at(11))])).telemetry).toEqual([]);
  });

  it('falls back to the receive time when the source clock is off by more than the skew, and counts it', () => {
    const normalizer = create({ maxClockSkewMs: 60_000 });
    const result = normalizer.process(
      batch([
        sample(TEMP_04, num(212), at(0), { receiveTimeUs: at(0) + 61 * SECOND }),
        sample(RATE_04, num(1), 0, { receiveTimeUs: at(1) }),
        sample('ns=2;s=Line2.Press_05.OilTemp', num(212), at(0), { receiveTimeUs: at(59) }),
      ]),
    );
    expect(result.telemetry.flatMap((b) => b.points.map((p) => p.timeUs))).toEqual([at(61), at(1), at(0)]);
    expect(result.stats).toMatchObject({ skewFallbacks: 1, missingSourceTime: 1 });
  });

  it('keeps the source time of a historical sample however old (Sparkplug is_historical, store and forward)', () => {
    const normalizer = create({ maxClockSkewMs: 60_000 });
    const hourLater = at(0) + 3600 * SECOND;
    const result = normalizer.process(
      batch([
        sample(TEMP_04, num(212), at(0), { receiveTimeUs: hourLater, historical: true }),
        sample(RATE_04, num(1), at(0), { receiveTimeUs: hourLater }),
      ]),
    );
    expect(result.telemetry.flatMap((b) => b.points.map((p) => p.timeUs))).toEqual([at(0), hourLater]);
    expect(result.stats).toMatchObject({ skewFallbacks: 1 });
  });

  it('rejects mapped samples it cannot use and carries on with the batch', () => {
    const result = create().process(
      batch([sample(TEMP_04, str('hot'), at(0)), sample(RATE_04, num(1), at(0))]),
    );
    expect(result.rejected).toEqual([
      {
        sourceId: 'opcua/line-2-plc',
        tag: TEMP_04,
        assetId: PRESS_04,
        reason: "a string value cannot feed number signal 'oil-temperature'",
      },
    ]);
    expect(result.telemetry[0]?.points).toHaveLength(1);
  });

  it('sends booleans and signal names captured from Sparkplug metric names', () => {
    const result = create().process(
      batch([sample('Robot1/Gripper-Closed', bool(true), at(0))], 'sparkplug/plant1/edge-3/robot-1'),
    );
    expect(result.telemetry).toEqual([
      {
        assetId: ROBOT_1,
        points: [expect.objectContaining({ signal: 'gripper-closed', value: bool(true), unit: '' })],
      },
    ]);
  });
});

describe('Normalizer: unmapped tags', () => {
  it('counts and lists unmapped tags with first and last seen, never dropping them silently', () => {
    const normalizer = create();
    normalizer.process(batch([sample('ns=2;s=Line2.Press_04.Mystery', num(1), at(0))]));
    const result = normalizer.process(
      batch([
        sample('ns=2;s=Line2.Press_04.Mystery', num(2), at(5)),
        sample('ns=2;s=Line2.Press_99.OilTemp', num(1), at(5)),
      ]),
    );
    expect(result.stats.unmapped).toBe(2);
    expect(normalizer.stats().unmapped).toBe(3);
    expect(normalizer.unmapped()).toEqual([
      {
        sourceId: 'opcua/line-2-plc',
        tag: 'ns=2;s=Line2.Press_04.Mystery',
        reason: 'no-rule',
        detail: 'no mapping rule matches',
        count: 2,
        firstSeenUs: at(0) + 1000,
        lastSeenUs: at(5) + 1000,
      },
      expect.objectContaining({ tag: 'ns=2;s=Line2.Press_99.OilTemp', reason: 'unknown-asset', count: 1 }),
    ]);
  });
});

describe('Normalizer: machine states', () => {
  it('maps PLC codes to canonical states with reasons and emits changes only', () => {
    const normalizer = create();
    const result = normalizer.process(
      batch([
        sample(STATE_04, int(1), at(0)),
        sample(STATE_04, int(1), at(1)),
        sample(STATE_04, int(10), at(2)),
        sample(STATE_04, int(11), at(3)),
        sample(STATE_04, int(1), at(10)),
      ]),
    );
    expect(
      result.machineStateEvents.map((e) => (e.event?.$case === 'change' ? e.event.value : undefined)),
    ).toEqual([
      {
        state: MachineState.MACHINE_STATE_RUNNING,
        startTimeUs: at(0),
        reasonCode: '',
        reasonText: '',
        sourceCode: '1',
      },
      {
        state: MachineState.MACHINE_STATE_BREAKDOWN,
        startTimeUs: at(2),
        reasonCode: 'E-HYD',
        reasonText: 'Hydraulic pressure low',
        sourceCode: '10',
      },
      expect.objectContaining({
        state: MachineState.MACHINE_STATE_BREAKDOWN,
        reasonCode: 'E-DIE',
        startTimeUs: at(3),
      }),
      expect.objectContaining({ state: MachineState.MACHINE_STATE_RUNNING, startTimeUs: at(10) }),
    ]);
    expect(result.machineStateEvents[0]?.assetId).toBe(PRESS_04);
    expect(result.stateChanges[3]?.previous?.durationUs).toBe(7 * SECOND);
  });

  it('maps an unknown code to UNKNOWN_STOP with reason "code <n>"', () => {
    const result = create().process(batch([sample(STATE_04, int(77), at(0))]));
    expect(result.stateChanges[0]?.change).toEqual({
      state: MachineState.MACHINE_STATE_UNKNOWN_STOP,
      startTimeUs: at(0),
      reasonCode: 'code 77',
      reasonText: 'PLC state code 77 is not mapped',
      sourceCode: '77',
    });
  });

  it('ignores late and bad-quality state readings for the current state', () => {
    const normalizer = create();
    normalizer.process(batch([sample(STATE_04, int(1), at(10))]));
    const result = normalizer.process(
      batch([
        sample(STATE_04, int(10), at(5)),
        sample(STATE_04, int(2), at(11), { quality: Quality.QUALITY_BAD }),
      ]),
    );
    expect(result.stateChanges).toEqual([]);
    expect(normalizer.currentState(PRESS_04)?.state).toBe(MachineState.MACHINE_STATE_RUNNING);
  });
});

describe('Normalizer: production counts', () => {
  const totals = (normalizer: Normalizer, readings: [number, number][]) =>
    readings.map(([seconds, raw]) => normalizer.process(batch([sample(TOTAL_04, int(raw), at(seconds))])));
  const deltaSum = (results: ReturnType<Normalizer['process']>[]) =>
    results.flatMap((r) => r.countDeltas).reduce((sum, d) => sum + d.delta.totalCount, 0);

  it('turns a rollover into the exact delta', () => {
    const normalizer = create();
    const results = totals(normalizer, [
      [0, 65530],
      [1, 65535],
      [2, 3],
    ]);
    expect(results.map((r) => r.countDeltas.map((d) => d.delta.totalCount))).toEqual([[], [5], [4]]);
    expect(results[2]?.countDeltas[0]).toMatchObject({ assetId: PRESS_04, fromTimeUs: at(1) });
    expect(results[2]?.counterEvents[0]).toMatchObject({
      kind: 'rollover',
      previousRaw: 65535,
      raw: 3,
      delta: 4,
    });
  });

  it('turns a reset into the count since the reset and reports it for the log', () => {
    const normalizer = create();
    const results = totals(normalizer, [
      [0, 1000],
      [1, 1010],
      [2, 4],
      [3, 9],
    ]);
    expect(deltaSum(results)).toBe(10 + 4 + 5);
    expect(results[2]?.counterEvents).toEqual([
      {
        kind: 'reset',
        assetId: PRESS_04,
        role: 'total-counter',
        sourceId: 'opcua/line-2-plc',
        tag: TOTAL_04,
        previousRaw: 1010,
        raw: 4,
        timeUs: at(2),
        delta: 4,
      },
    ]);
    expect(normalizer.stats().counterResets).toBe(1);
  });

  it('gives exact deltas with out-of-order and duplicate counter readings', () => {
    const normalizer = create();
    const results = totals(normalizer, [
      [0, 100],
      [2, 120],
      [1, 110], // late: ignored for counting
      [2, 120], // duplicate
      [3, 125],
      [3, 125], // duplicate
    ]);
    expect(results.map((r) => r.countDeltas.map((d) => d.delta.totalCount))).toEqual([
      [],
      [20],
      [],
      [],
      [5],
      [],
    ]);
    expect(normalizer.stats()).toMatchObject({ duplicates: 2, outOfOrder: 1 });
    // The raw counter still goes to telemetry, late sample included.
    expect(results[2]?.telemetry[0]?.points[0]).toMatchObject({ signal: 'parts-total', value: int(110) });
  });

  it('derives good = total - scrap for an asset with total and reject counters, carrying early rejects', () => {
    const normalizer = create();
    normalizer.process(batch([sample(TOTAL_04, int(100), at(0)), sample(REJECT_04, int(10), at(0))]));
    const together = normalizer.process(
      batch([sample(TOTAL_04, int(110), at(1)), sample(REJECT_04, int(12), at(1))]),
    );
    expect(together.productionCounts).toEqual([
      {
        assetId: PRESS_04,
        deltas: [
          { timeUs: at(1), totalCount: 10, goodCount: 8, scrapCount: 2, orderId: '', intervalStartUs: at(0) },
        ],
      },
    ]);
    const rejectFirst = normalizer.process(
      batch([sample(REJECT_04, int(15), at(2)), sample(TOTAL_04, int(112), at(3))]),
    );
    expect(rejectFirst.countDeltas.map((d) => d.delta)).toEqual([
      { timeUs: at(2), totalCount: 0, goodCount: 0, scrapCount: 3, orderId: '', intervalStartUs: at(1) },
      { timeUs: at(3), totalCount: 2, goodCount: 0, scrapCount: 0, orderId: '', intervalStartUs: at(1) },
    ]);
    const next = normalizer.process(batch([sample(TOTAL_04, int(120), at(4))]));
    expect(next.countDeltas[0]?.delta).toMatchObject({ totalCount: 8, goodCount: 7 });
  });

  it('attaches the current order number to deltas and reports order changes', () => {
    const normalizer = create();
    const result = normalizer.process(
      batch([
        sample(TOTAL_04, int(5), at(0)),
        sample(ORDER_04, str('4711'), at(0)),
        sample(TOTAL_04, int(9), at(1)),
        sample(ORDER_04, int(4712), at(2)),
        sample(TOTAL_04, int(10), at(3)),
      ]),
    );
    expect(result.orderChanges).toEqual([
      { assetId: PRESS_04, orderId: '4711', previousOrderId: '', timeUs: at(0) },
      { assetId: PRESS_04, orderId: '4712', previousOrderId: '4711', timeUs: at(2) },
    ]);
    expect(result.countDeltas.map((d) => [d.delta.totalCount, d.delta.orderId])).toEqual([
      [4, '4711'],
      [1, '4712'],
    ]);
    expect(
      result.telemetry[0]?.points.filter((p) => p.signal === 'order-number').map((p) => p.value),
    ).toEqual([str('4711'), str('4712')]);
  });

  it('sums production deltas to the true count for any delivery with rollovers and late duplicates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30000 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (increments, replays) => {
          const normalizer = create();
          let raw = 65000;
          const readings = [sample(TOTAL_04, int(raw), at(0))];
          increments.forEach((increment, i) => {
            raw = (raw + increment) % 65536;
            readings.push(sample(TOTAL_04, int(raw), at(i + 1)));
          });
          let total = 0;
          readings.forEach((reading, i) => {
            const late = replays
              .filter((r) => r % readings.length < i)
              .map((r) => readings[r % readings.length]);
            const result = normalizer.process(batch([reading, ...late.filter((s) => s !== undefined)]));
            for (const d of result.countDeltas) {
              expect(d.delta.totalCount).toBeGreaterThanOrEqual(0);
              total += d.delta.totalCount;
            }
          });
          expect(total).toBe(increments.reduce((a, b) => a + b, 0));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('Normalizer: snapshot and restore', () => {
  it('carries counter baselines, states, orders and deadbands across a restart as plain JSON', () => {
    const before = create();
    before.process(
      batch([
        sample(TOTAL_04, int(65530), at(0)),
        sample(STATE_04, int(1), at(0)),
        sample(ORDER_04, str('4711'), at(0)),
        sample(TEMP_04, num(212), at(0)),
        sample('ns=2;s=Line2.Press_04.Mystery', num(1), at(0)),
      ]),
    );
    const stored: unknown = JSON.parse(JSON.stringify(before.snapshot()));

    const after = create();
    after.restore(stored);
    const result = after.process(
      batch([
        sample(TOTAL_04, int(4), at(1)),
        sample(STATE_04, int(1), at(1)),
        sample(TEMP_04, num(212.2), at(1)),
      ]),
    );
    expect(result.countDeltas.map((d) => d.delta)).toEqual([
      {
        timeUs: at(1),
        totalCount: 10,
        goodCount: 10,
        scrapCount: 0,
        orderId: '4711',
        intervalStartUs: at(0),
      },
    ]);
    expect(result.stateChanges).toEqual([]);
    expect(result.telemetry.flatMap((b) => b.points.map((p) => p.signal))).toEqual(['parts-total']);
    expect(after.unmapped()).toEqual(before.unmapped());
    expect(after.currentState(PRESS_04)).toEqual(before.currentState(PRESS_04));
    expect(after.snapshot().stats.samples).toBe(8);
  });

  it('refuses state that is not a snapshot', () => {
    expect(() => create().restore({ version: 2 })).toThrow(InvalidSnapshotError);
  });

  it('keeps its state when the plant file is reloaded', () => {
    const normalizer = create();
    normalizer.process(batch([sample(TOTAL_04, int(100), at(0))]));
    normalizer.reconfigure(plant.model, plant.mappings);
    expect(normalizer.process(batch([sample(TOTAL_04, int(101), at(1))])).countDeltas).toHaveLength(1);
  });
});
