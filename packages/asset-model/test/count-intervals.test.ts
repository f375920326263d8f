// Issue 15, part 1: a counter delta covers exactly the time between the two PLC reads it is computed from, and
// says so (ProductionCountDelta.interval_start_us), so that OEE can share it between the windows it straddles.
import { Normalizer, parsePlantConfig } from '../src';
import { PLANT_YAML, PRESS_04, SECOND, T0, batch, int, sample } from './fixtures';

const plant = parsePlantConfig(PLANT_YAML, 'plant.yaml');
const TOTAL_04 = 'ns=2;s=Line2.Press_04.PartsTotal';
const REJECT_04 = 'ns=2;s=Line2.Press_04.PartsReject';
const STATE_04 = 'ns=2;s=Line2.Press_04.State';
const RUNNING = 1;
const BREAKDOWN = 10;
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

  it('starts no earlier than the asset last began RUNNING: a stopped machine makes no parts', () => {
    // A source reporting changes only: the counter is quiet through a 10-minute breakdown and the first part after
    // it is reported 30 s after the restart. Spread over the breakdown it would fall into a window with no run.
    const normalizer = new Normalizer(plant);
    normalizer.process(batch([sample(STATE_04, int(RUNNING), at(0)), sample(TOTAL_04, int(100), at(0))]));
    normalizer.process(batch([sample(TOTAL_04, int(110), at(60)), sample(STATE_04, int(BREAKDOWN), at(61))]));
    const restarted = normalizer.process(
      batch([sample(STATE_04, int(RUNNING), at(661)), sample(TOTAL_04, int(113), at(691))]),
    );
    expect(restarted.productionCounts[0]?.deltas[0]).toMatchObject({
      timeUs: at(691),
      intervalStartUs: at(661),
      totalCount: 3,
    });
    // Still running: the previous reading starts the next one.
    const next = normalizer.process(batch([sample(TOTAL_04, int(120), at(700))]));
    expect(next.productionCounts[0]?.deltas[0]).toMatchObject({ intervalStartUs: at(691) });
  });

  it('keeps the previous reading as the start when the asset stopped after it (the last parts before a stop)', () => {
    const normalizer = new Normalizer(plant);
    normalizer.process(batch([sample(STATE_04, int(RUNNING), at(0)), sample(TOTAL_04, int(100), at(0))]));
    const stopping = normalizer.process(
      batch([sample(STATE_04, int(BREAKDOWN), at(50)), sample(TOTAL_04, int(105), at(51))]),
    );
    expect(stopping.productionCounts[0]?.deltas[0]).toMatchObject({ intervalStartUs: at(0) });
  });
});
