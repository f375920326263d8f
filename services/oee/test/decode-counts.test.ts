// The rules a count record must meet before the core sees it: an interval start after the count's time would make
// the core refuse every window the count reaches, so the record goes to the dead-letter topic instead.
import { encodeEvent, eventTopics, RuleError, type ProductionCountDelta } from '@kiln/contracts';
import { decodeRecord } from '../src/decode';

const TIME_US = Date.UTC(2026, 2, 2, 14) * 1000;

function record(delta: Partial<ProductionCountDelta>) {
  const encoded = encodeEvent(eventTopics.productionCount, {
    assetId: 'acme/plant-1/area/line/m1',
    deltas: [{ timeUs: TIME_US, totalCount: 10, goodCount: 10, scrapCount: 0, orderId: '', ...delta }],
  });
  return {
    ...encoded,
    topic: eventTopics.productionCount.topic.name,
    partition: 0,
    offset: '0',
    timestamp: 0,
  };
}

describe('count records', () => {
  it('take an interval start up to the count time, and none', () => {
    for (const intervalStartUs of [undefined, TIME_US - 60_000_000, TIME_US]) {
      expect(decodeRecord(record({ intervalStartUs }))).toMatchObject({ kind: 'count' });
    }
  });

  it('refuse an interval start after the count time, naming the delta', () => {
    expect(() => decodeRecord(record({ intervalStartUs: TIME_US + 1 }))).toThrow(RuleError);
    expect(() => decodeRecord(record({ intervalStartUs: TIME_US + 1 }))).toThrow(
      /count delta 0 of asset "acme\/plant-1\/area\/line\/m1": intervalStartUs .* after its time/,
    );
  });
});
