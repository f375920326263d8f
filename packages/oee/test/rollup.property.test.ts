// Roll-ups by ideal time over random mixes of assets, products and windows: at every level A x P x Q = OEE and
// OEE = sum(good x ideal cycle time) / sum(PBT), the good x ideal cycle time summed here count by count from the
// inputs (not from the core's totals); and a roll-up of roll-ups equals the flat roll-up of the same leaves.
import fc from 'fast-check';
import { MachineState } from '@kiln/contracts';
import {
  computeOee,
  rollUp,
  rollUpByPathPrefix,
  type CountDelta,
  type OeeComputation,
  type OeeInput,
  type OeeRollUp,
  type OrderSpan,
} from '../src';
import { DAY0_US, S } from './fixtures';

const DAY_S = 86_400;
const usAt = (seconds: number): number => DAY0_US + seconds * S;
const second = fc.integer({ min: 0, max: DAY_S - 1 });
const IDEAL_CYCLE_TIMES_S = [0, 0.1, 0.37, 0.5, 1.2, 2, 7.5] as const;

const machineState = fc.constantFrom(
  ...Object.values(MachineState).filter((value): value is MachineState => typeof value === 'number'),
);

/** Adjacent orders (none overlapping), each with its own ideal cycle time (0: the asset's default applies). */
const orders: fc.Arbitrary<OrderSpan[]> = fc
  .array(fc.tuple(second, fc.constantFrom(...IDEAL_CYCLE_TIMES_S)), { maxLength: 4 })
  .map((starts) => {
    const sorted = [...new Map(starts.map(([start, ideal]) => [start, ideal]))].sort((a, b) => a[0] - b[0]);
    return sorted.map(([start, idealCycleTimeS], i) => {
      const next = sorted[i + 1];
      return {
        orderId: `order-${i}`,
        startUs: usAt(start),
        ...(next === undefined ? {} : { endUs: usAt(next[0]) }),
        idealCycleTimeS,
      };
    });
  });

/** Point deltas: each counts in the window holding its time, under the order running then. */
const counts: fc.Arbitrary<CountDelta[]> = fc.array(
  fc
    .tuple(second, fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 300 }))
    .map(([time, good, scrap]) => ({
      timeUs: usAt(time),
      totalCount: good + scrap,
      goodCount: good,
      scrapCount: scrap,
    })),
  { maxLength: 25 },
);

const asset: fc.Arbitrary<Omit<OeeInput, 'range'>> = fc.record({
  states: fc.array(fc.record({ startUs: second.map(usAt), state: machineState }), { maxLength: 20 }),
  counts,
  orders,
  shifts: fc
    .array(fc.tuple(second, fc.integer({ min: 600, max: 12 * 3600 })), { minLength: 1, maxLength: 3 })
    .map((spans) =>
      spans.map(([start, length], i) => ({
        shiftId: `shift-${i}`,
        startUs: usAt(start),
        endUs: usAt(start + length),
        breaks: [],
      })),
    ),
  settings: fc.record({
    defaultIdealCycleTimeS: fc.constantFrom(...IDEAL_CYCLE_TIMES_S),
    microStopThresholdS: fc.constantFrom(0, 120),
    plannedStopsInAvailability: fc.boolean(),
  }),
});

/** Assets placed in a plant: enterprise/site/area/line/cell/asset, a few of each so that groups form. */
const plant = fc.array(
  fc.record({
    path: fc
      .tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 2 }))
      .map(([area, line, cell]) => `acme/site-1/area-${area}/line-${line}/cell-${cell}`),
    input: asset,
  }),
  { minLength: 1, maxLength: 6 },
);

/** Cut points of the day into adjacent windows. */
const windows = fc.array(second, { maxLength: 4 }).map((cuts) => {
  const points = [...new Set([0, ...cuts.filter((cut) => cut > 0), DAY_S])].sort((a, b) => a - b);
  return points.slice(1).map((end, i) => ({ fromUs: usAt(points[i] ?? 0), toUs: usAt(end) }));
});

/** good x ideal cycle time of one asset over a range, summed delta by delta from its inputs. */
function goodIdealTimeS(input: OeeInput): number {
  let sum = 0;
  for (const delta of input.counts ?? []) {
    // A count covers (previous time, time]: the range and the order that end at its time get it.
    if (delta.timeUs <= input.range.fromUs || delta.timeUs > input.range.toUs) continue;
    const order = (input.orders ?? []).find(
      (o) => o.startUs < delta.timeUs && (o.endUs === undefined || delta.timeUs <= o.endUs),
    );
    const ideal =
      order !== undefined && order.idealCycleTimeS > 0
        ? order.idealCycleTimeS
        : input.settings.defaultIdealCycleTimeS;
    sum += delta.goodCount * ideal;
  }
  return sum;
}

const TOLERANCE = 1e-12;

function close(actual: number | undefined, expected: number | undefined): boolean {
  if (actual === undefined || expected === undefined) return actual === expected;
  return Math.abs(actual - expected) <= TOLERANCE * Math.max(1, Math.abs(expected));
}

/** A x P x Q = OEE wherever all four are defined; OEE = the good ideal time given over PBT. */
function holdsAtLevel(result: OeeComputation | OeeRollUp, expectedGoodIdealTimeS: number): boolean {
  const { availability: a, performance: p, quality: q, oee } = result;
  const product = a === undefined || p === undefined || q === undefined ? undefined : a * p * q;
  const apq = product === undefined || close(product, oee);
  const pbtS = result.plannedBusyTimeS;
  const byDefinition = pbtS > 0 ? expectedGoodIdealTimeS / pbtS : undefined;
  return apq && close(oee, byDefinition);
}

describe('roll-ups by ideal time', () => {
  it('keep A x P x Q = OEE = sum(good x ideal cycle time) / sum(PBT) at every level, nested or flat', () => {
    fc.assert(
      fc.property(plant, windows, (assets, ranges) => {
        const leaves = assets.flatMap(({ path, input }, i) =>
          ranges.map((range) => {
            const full: OeeInput = { ...input, range };
            return {
              assetId: `${path}/asset-${i}`,
              result: computeOee(full),
              goodIdealTimeS: goodIdealTimeS(full),
            };
          }),
        );
        const expectedUnder = (prefix: string): number =>
          leaves
            .filter((leaf) => leaf.assetId.startsWith(`${prefix}/`))
            .reduce((sum, leaf) => sum + leaf.goodIdealTimeS, 0);
        if (!leaves.every((leaf) => holdsAtLevel(leaf.result, leaf.goodIdealTimeS))) return false;
        // Cell (5 path segments), line (4), area (3), site (2), enterprise (1), each from the level below.
        let level = rollUpByPathPrefix(leaves, 5);
        for (const segments of [4, 3, 2, 1]) {
          for (const [prefix, result] of level) {
            if (!holdsAtLevel(result, expectedUnder(prefix))) return false;
          }
          level = rollUpByPathPrefix(
            [...level].map(([prefix, result]) => ({ assetId: prefix, result })),
            segments,
          );
        }
        const [nested] = [...level.values()];
        const flat = rollUp(leaves.map((leaf) => leaf.result));
        const enterprise = expectedUnder('acme');
        return (
          nested !== undefined &&
          holdsAtLevel(nested, enterprise) &&
          holdsAtLevel(flat, enterprise) &&
          (['availability', 'performance', 'quality', 'oee', 'teep'] as const).every((kpi) =>
            close(nested[kpi], flat[kpi]),
          ) &&
          close(nested.totals.goodIdealTimeS, flat.totals.goodIdealTimeS)
        );
      }),
    );
  });

  it("leave one machine's one-product window bit for bit as ISO 22400-2's good / total gave it", () => {
    fc.assert(
      fc.property(asset, windows, (input, ranges) =>
        ranges.every((range) => {
          const result = computeOee({ ...input, orders: [], range });
          const pbtS = result.plannedBusyTimeS;
          const quality = result.totalCount > 0 ? result.goodCount / result.totalCount : undefined;
          const oee =
            pbtS > 0
              ? quality === undefined
                ? 0
                : (result.idealProductionTimeS / pbtS) * quality
              : undefined;
          return result.quality === quality && result.oee === oee;
        }),
      ),
    );
  });

  it("leave a roll-up of one product's parts with quality good / total, as before", () => {
    fc.assert(
      fc.property(plant, windows, fc.constantFrom(...IDEAL_CYCLE_TIMES_S), (assets, ranges, ideal) => {
        const parts = assets.flatMap(({ input }) =>
          ranges.map((range) =>
            computeOee({
              ...input,
              orders: [],
              settings: { ...input.settings, defaultIdealCycleTimeS: ideal },
              range,
            }),
          ),
        );
        const line = rollUp(parts);
        const good = parts.reduce((sum, part) => sum + part.goodCount, 0);
        const total = parts.reduce((sum, part) => sum + part.totalCount, 0);
        return line.quality === (total > 0 ? good / total : undefined);
      }),
    );
  });
});
