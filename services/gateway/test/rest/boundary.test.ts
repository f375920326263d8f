// Validation at the REST boundary (issue 13): text with NUL or other control characters, implausible times and
// out-of-range numbers are refused with 400 naming the field, counted, and publish nothing; the valid request
// next to them goes through.
import { topics } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { restHarness, type RestHarness } from '../support/harness';

const ASSET = 'acme/plant-1/press/line-1/press-1';
const NOW_MS = Date.UTC(2026, 11, 6, 12);
const iso = (ms: number): string => new Date(ms).toISOString();

describeWith(['postgres', 'redis'], 'REST input validation', () => {
  let h: RestHarness;

  beforeAll(async () => {
    h = await restHarness({ now: () => NOW_MS });
  });

  afterAll(async () => {
    await h?.stop();
  });

  const published = (topic: string): number =>
    h.bus.partitionStats(topic).reduce((sum, partition) => sum + partition.endOffset, 0);

  it('refuses a machine state event with U+0000 in reasonText (issue 13, defect 4) and publishes nothing', async () => {
    const before = published(topics.machineState.name);
    const response = await h.call('POST', '/api/v1/events/machine-states', {
      body: {
        events: [
          {
            assetId: ASSET,
            state: 'BREAKDOWN',
            startTime: iso(NOW_MS - 60_000),
            reasonCode: 'M-01',
            reasonText: 'motor\u0000overload',
          },
        ],
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      status: 400,
      field: 'events[0].reasonText',
      detail: expect.stringMatching(/^events\[0\]\.reasonText: holds the character U\+0000/),
    });
    expect(published(topics.machineState.name)).toBe(before);

    const valid = await h.call('POST', '/api/v1/events/machine-states', {
      body: {
        events: [
          {
            assetId: ASSET,
            state: 'BREAKDOWN',
            startTime: iso(NOW_MS - 60_000),
            reasonText: 'motor overload\nsecond line',
          },
        ],
      },
    });
    expect(valid.statusCode).toBe(202);
    expect(published(topics.machineState.name)).toBe(before + 1);
  });
});
