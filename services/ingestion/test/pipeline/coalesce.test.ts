// Entries of one key joined into one kiln.raw.v1 record (coalesce.ts): what a consumer decodes is exactly the
// samples of the joined entries, in order; entries of another source, other headers or past a bound stay apart.
import { decodeEvent, encodeEvent, eventTopics, type RawSampleBatch } from '@kiln/contracts';
import type { Entry } from '../../src/buffer/framing';
import { coalesceRawEntries, leadingPrefixBytes } from '../../src/pipeline/coalesce';
import { toRawSample } from '../../src/pipeline/raw-sample';

let nextId = 1;

function entryOf(sourceId: string, key: string, tags: readonly string[], connector = 'mqtt'): Entry {
  const batch: RawSampleBatch = {
    sourceId,
    connector,
    samples: tags.map((tag, index) =>
      toRawSample({
        tag,
        value: index + 0.5,
        quality: 'good',
        statusCode: 0,
        sourceTimeUs: 1_700_000_000_000_000 + index,
        receiveTimeUs: 1_700_000_000_000_100 + index,
      }),
    ),
  };
  const encoded = encodeEvent(eventTopics.raw, batch);
  return {
    id: nextId++,
    topic: eventTopics.raw.topic.name,
    key,
    headers: encoded.headers,
    value: encoded.value,
    samples: tags.length,
  };
}

const wide = { maxSamples: 10_000, maxValueBytes: 1_000_000 };
const decoded = (value: Uint8Array): RawSampleBatch => decodeEvent(eventTopics.raw, value);
const tagsOf = (value: Uint8Array): string[] => decoded(value).samples.map((sample) => sample.tag);

describe('coalesceRawEntries', () => {
  it('joins the entries of a key into one batch that decodes to their samples in order', () => {
    const entries = [
      entryOf('mqtt/plant', 'mqtt/plant#1', ['a', 'b']),
      entryOf('mqtt/plant', 'mqtt/plant#2', ['x']),
      entryOf('mqtt/plant', 'mqtt/plant#1', ['c']),
      entryOf('mqtt/plant', 'mqtt/plant#2', ['y', 'z']),
      entryOf('mqtt/plant', 'mqtt/plant#1', ['d']),
    ];
    const records = coalesceRawEntries(entries, wide);
    expect(records.map((record) => record.key)).toEqual(['mqtt/plant#1', 'mqtt/plant#2']);
    expect(records.map((record) => record.entries.map((entry) => entry.id))).toEqual([
      [entries[0]?.id, entries[2]?.id, entries[4]?.id],
      [entries[1]?.id, entries[3]?.id],
    ]);
    const [first, second] = records;
    expect(decoded(first?.value ?? new Uint8Array())).toEqual({
      sourceId: 'mqtt/plant',
      connector: 'mqtt',
      samples: [entries[0], entries[2], entries[4]].flatMap(
        (entry) => decoded(entry?.value ?? new Uint8Array()).samples,
      ),
    });
    expect(tagsOf(second?.value ?? new Uint8Array())).toEqual(['x', 'y', 'z']);
    // The joined value is the first whole and the others without their source and connector fields.
    const prefix = leadingPrefixBytes(entries[2]?.value ?? new Uint8Array()) ?? 0;
    expect(first?.value.byteLength).toBe(
      (entries[0]?.value.byteLength ?? 0) +
        (entries[2]?.value.byteLength ?? 0) -
        prefix +
        (entries[4]?.value.byteLength ?? 0) -
        prefix,
    );
  });

  it('keeps apart a key shared by two sources or connectors, and entries with other headers', () => {
    const entries = [
      entryOf('mqtt/a', 'shared', ['1']),
      entryOf('mqtt/b', 'shared', ['2']),
      entryOf('mqtt/b', 'shared', ['3'], 'http'),
      { ...entryOf('mqtt/b', 'shared', ['4'], 'http'), headers: { 'content-type': 'other' } },
    ];
    const records = coalesceRawEntries(entries, wide);
    expect(records).toHaveLength(4);
    expect(records.map((record) => decoded(record.value).sourceId)).toEqual([
      'mqtt/a',
      'mqtt/b',
      'mqtt/b',
      'mqtt/b',
    ]);
    // Once another source took the key, the first source's later entries start a record after it: order holds.
    const again = coalesceRawEntries([...entries.slice(0, 2), entryOf('mqtt/a', 'shared', ['5'])], wide);
    expect(again.map((record) => tagsOf(record.value))).toEqual([['1'], ['2'], ['5']]);
  });

  it('closes a record at the sample and byte bounds', () => {
    const entries = Array.from({ length: 7 }, (_, index) => entryOf('s', 'k', [`t${index}`, `u${index}`]));
    const bySamples = coalesceRawEntries(entries, { maxSamples: 5, maxValueBytes: 1_000_000 });
    expect(bySamples.map((record) => record.entries.length)).toEqual([2, 2, 2, 1]);
    expect(bySamples.flatMap((record) => tagsOf(record.value))).toEqual(
      entries.flatMap((entry) => tagsOf(entry.value)),
    );
    const one = entries[0]?.value.byteLength ?? 0;
    const byBytes = coalesceRawEntries(entries, { maxSamples: 1_000, maxValueBytes: one * 2 });
    for (const record of byBytes) expect(record.value.byteLength).toBeLessThanOrEqual(one * 2);
    expect(byBytes.length).toBeGreaterThan(1);
  });

  it('sends a value it cannot read unjoined, and never joins to it', () => {
    const garbage: Entry = { ...entryOf('s', 'k', ['a']), value: Uint8Array.from([0x08, 0x01, 0x1a, 0x00]) };
    const cut: Entry = { ...entryOf('s', 'k', ['b']), value: Uint8Array.from([0x0a, 0x7f, 0x41]) };
    const good = entryOf('s', 'k', ['c']);
    expect(leadingPrefixBytes(garbage.value)).toBeUndefined();
    expect(leadingPrefixBytes(cut.value)).toBeUndefined();
    const records = coalesceRawEntries([garbage, good, cut, good], wide);
    expect(records.map((record) => record.entries.length)).toEqual([1, 1, 1, 1]);
    expect(records[0]?.value).toBe(garbage.value);
  });
});
