import { computeOee, rollUp, rollUpByPathPrefix, type OeeInput } from '../src';
import { BREAKDOWN, RUNNING, at, expectClose, parts, plainShift, state } from './fixtures';

// A line of two machines with different ideal cycle times, worked by hand (issue 15, defect 2):
//   shift 06:00-14:00 on both, no breaks: PBT = 28,800 s each, 57,600 s for the line
//   M1, 0.5 s a part: runs the whole shift (APT 28,800 s); 40,000 parts, 36,000 good
//       ideal time 40,000 x 0.5 = 20,000 s; good ideal time 36,000 x 0.5 = 18,000 s; OEE 18,000 / 28,800 = 0.625
//   M2, 2 s a part: 1 h breakdown (APT 25,200 s); 10,000 parts, 9,900 good
//       ideal time 10,000 x 2 = 20,000 s; good ideal time 9,900 x 2 = 19,800 s; OEE 19,800 / 28,800 = 0.6875
//   line: A = 54,000 / 57,600 = 0.9375
//         P = (20,000 + 20,000) / 54,000 = 0.740740...
//         Q = (18,000 + 19,800) / (20,000 + 20,000) = 37,800 / 40,000 = 0.945
//         OEE = A x P x Q = 37,800 / 57,600 = 0.65625 (the machines' good output time over their PBT)
//   Counting parts alike would give Q = 45,900 / 50,000 = 0.918 and OEE = 40,000 / 57,600 x 0.918 = 0.6375:
//   a figure that moves with the product mix, not with the line's output.
const LINE = 'acme/plant-1/pressing/line-2';
const SHIFT = plainShift('early', at(6), at(14));

function machine(idealCycleTimeS: number, total: number, good: number, breakdownMinutes: number): OeeInput {
  return {
    range: { fromUs: at(6), toUs: at(14) },
    states:
      breakdownMinutes === 0
        ? [state(at(6), RUNNING)]
        : [state(at(6), RUNNING), state(at(9), BREAKDOWN), state(at(9, breakdownMinutes), RUNNING)],
    counts: [parts(at(13), total, total - good)],
    shifts: [SHIFT],
    settings: { defaultIdealCycleTimeS: idealCycleTimeS },
  };
}

describe('a line of a 0.5 s machine and a 2 s machine', () => {
  const m1 = computeOee(machine(0.5, 40_000, 36_000, 0));
  const m2 = computeOee(machine(2, 10_000, 9_900, 60));
  const line = rollUp([m1, m2]);

  it("keeps each machine's own figures", () => {
    expectClose(m1.quality, 0.9);
    expectClose(m1.oee, 0.625);
    expectClose(m2.quality, 0.99);
    expectClose(m2.oee, 0.6875);
  });

  it("gives the line's OEE as its machines' good output time over their planned busy time", () => {
    expectClose(line.oee, 37_800 / 57_600);
    expect(line.oee).toBeCloseTo(0.65625, 12);
  });

  it('weights quality by ideal time, so that A x P x Q = OEE', () => {
    expectClose(line.availability, 54_000 / 57_600);
    expectClose(line.performance, 40_000 / 54_000);
    expectClose(line.quality, 37_800 / 40_000);
    expectClose((line.availability ?? NaN) * (line.performance ?? NaN) * (line.quality ?? NaN), 0.65625);
  });

  it('still reports the plain counts', () => {
    expect(line.totalCount).toBe(50_000);
    expect(line.goodCount).toBe(45_900);
    expect(line.idealProductionTimeS).toBe(40_000);
  });

  it('gives the same line from cells, and from its assets grouped by path', () => {
    const fromCells = rollUp([rollUp([m1]), rollUp([m2])]);
    expectClose(fromCells.oee, 0.65625);
    expectClose(fromCells.quality, 0.945);
    const byPath = rollUpByPathPrefix(
      [
        { assetId: `${LINE}/press-01`, result: m1 },
        { assetId: `${LINE}/press-02`, result: m2 },
      ],
      4,
    );
    expectClose(byPath.get(LINE)?.oee, 0.65625);
  });

  it('gives the same line over two four-hour halves rolled up again', () => {
    const half = (input: OeeInput, fromH: number, toH: number) =>
      computeOee({ ...input, range: { fromUs: at(fromH), toUs: at(toH) } });
    const halves = [6, 10].flatMap((fromH) => [
      half(machine(0.5, 40_000, 36_000, 0), fromH, fromH + 4),
      half(machine(2, 10_000, 9_900, 60), fromH, fromH + 4),
    ]);
    const again = rollUp([rollUp(halves.slice(0, 2)), rollUp(halves.slice(2))]);
    expectClose(again.oee, 0.65625);
    expectClose(again.quality, 0.945);
  });
});

// One machine that makes both products in one shift (two orders) is the same mix inside one asset's window:
//   06:00-10:00 order A at 0.5 s: 20,000 parts, 18,000 good (ideal 10,000 s, good ideal 9,000 s)
//   10:00-14:00 order B at 2 s:    5,000 parts,  4,950 good (ideal 10,000 s, good ideal 9,900 s)
//   PBT 28,800 s, no stop: A = 1, P = 20,000 / 28,800, Q = 18,900 / 20,000 = 0.945, OEE = 18,900 / 28,800
describe('one machine making a 0.5 s and a 2 s product in one shift', () => {
  const input: OeeInput = {
    range: { fromUs: at(6), toUs: at(14) },
    states: [state(at(6), RUNNING)],
    counts: [parts(at(9), 20_000, 2_000), parts(at(13), 5_000, 50)],
    orders: [
      { orderId: 'A', startUs: at(6), endUs: at(10), idealCycleTimeS: 0.5 },
      { orderId: 'B', startUs: at(10), endUs: at(14), idealCycleTimeS: 2 },
    ],
    shifts: [SHIFT],
    settings: { defaultIdealCycleTimeS: 1 },
  };
  const shift = computeOee(input);

  it('gives OEE = good x ideal cycle time / PBT, and the shift equals its hours rolled up', () => {
    expectClose(shift.quality, 18_900 / 20_000);
    expectClose(shift.oee, 18_900 / 28_800);
    const hours = Array.from({ length: 8 }, (_, i) =>
      computeOee({ ...input, range: { fromUs: at(6 + i), toUs: at(7 + i) } }),
    );
    expectClose(rollUp(hours).oee, 18_900 / 28_800);
    expectClose(rollUp(hours).quality, 18_900 / 20_000);
  });
});
