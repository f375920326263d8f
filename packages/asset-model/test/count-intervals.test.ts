// Issue 15, part 1: a counter delta covers exactly the time between the two PLC reads it is computed from, and
// says so (ProductionCountDelta.interval_start_us), so that OEE can share it between the windows it straddles.
import { Normalizer, parsePlantConfig } from '../src';
import { PLANT_YAML, PRESS_04, SECOND, T0, batch, int, sample } from './fixtures';

const plant = parsePlantConfig(PLANT_YAML, 'plant.yaml');
const TOTAL_04 = 'ns=2;s=Line2.Press_04.PartsTotal';
const REJECT_04 = 'ns=2;s=Line2.Press_04.PartsReject';
const at = (seconds: number): number => T0 + seconds * SECOND;

describe('Normalizer: the interval a counter delta covers', () => {
  it('starts the interval at the previous reading of the counter', () => {
    const normalizer = new Normalizer(plant);
    normalizer.process(batch([sample(TOTAL_04, int(100), at(0))]));
    const first = normalizer.process(batch([sample(TOTAL_04, int(160), at(60))]));
    const second = normalizer.process(batch([sample(TOTAL_04, int(175), at(75))]));
    expect(first.productionCounts).toEqual([
      {
        assetId: PRESS_04,
        deltas: [
          {
            timeUs: at(60),
            intervalStartUs: at(0),
            totalCount: 60,
            goodCount: 60,
            scrapCount: 0,
            orderId: '',
          },
        ],
      },
    ]);
    expect(second.productionCounts[0]?.deltas[0]).toMatchObject({ timeUs: at(75), intervalStartUs: at(60) });
  });

  it('skips a late reading: the next delta still starts at the last reading counted', () => {
    const normalizer = new Normalizer(plant);
    normalizer.process(batch([sample(TOTAL_04, int(100), at(0))]));
    normalizer.process(batch([sample(TOTAL_04, int(120), at(20))]));
    normalizer.process(batch([sample(TOTAL_04, int(110), at(10))]));
    const next = normalizer.process(batch([sample(TOTAL_04, int(130), at(30))]));
    expect(next.productionCounts[0]?.deltas[0]).toMatchObject({ intervalStartUs: at(20), totalCount: 10 });
  });

  it('covers the longer of the intervals when total and reject counters read together end at one time', () => {
    const normalizer = new Normalizer(plant);
    normalizer.process(batch([sample(TOTAL_04, int(100), at(0)), sample(REJECT_04, int(10), at(0))]));
    normalizer.process(batch([sample(REJECT_04, int(11), at(30))]));
    const together = normalizer.process(
      batch([sample(TOTAL_04, int(160), at(60)), sample(REJECT_04, int(12), at(60))]),
    );
    expect(together.countDeltas.map((record) => record.delta.intervalStartUs)).toEqual([at(0)]);
    expect(together.countDeltas[0]?.fromTimeUs).toBe(at(0));
  });
});
