// Which saved offset still protects against replays: only one that names, in the log read now, the record that
// was handled there. Everything else is discarded, so that no record of a new log is skipped as handled.
import type { BusRecord } from '@kiln/bus';
import {
  continuity,
  recordDigest,
  resumeDecision,
  type CurrentLog,
  type SavedPosition,
} from '../src/replay-guard';

const CLUSTER = 'kafka:Jp2sZ4fqQ3uW0xk1l6y7Aw';

function record(offset: number, body = `tick ${offset}`, key = 'source-1'): BusRecord {
  return {
    topic: 'kiln.raw.v1',
    partition: 0,
    offset: String(offset),
    key,
    value: Buffer.from(body),
    headers: {},
    timestamp: 1_767_600_000_000 + offset,
  };
}

function saved(lastOffset: number, logId: string | undefined, handled = record(lastOffset)): SavedPosition {
  return { lastOffset: BigInt(lastOffset), logId, lastRecordDigest: recordDigest(handled) };
}

function log(startOffset: number, endOffset: number, logId = CLUSTER): CurrentLog {
  return { logId, startOffset: BigInt(startOffset), endOffset: BigInt(endOffset) };
}

describe('resumeDecision', () => {
  it('asks for proof of an offset inside the log it was saved in', () => {
    expect(resumeDecision(saved(59, CLUSTER), log(0, 100))).toEqual({
      kind: 'verify',
      offset: 59n,
      digest: recordDigest(record(59)),
    });
  });

  it('asks for proof of the last record of the log too', () => {
    expect(resumeDecision(saved(99, CLUSTER), log(0, 100)).kind).toBe('verify');
  });

  it('discards an offset at or beyond the end of the log: the log holds fewer records than were handled', () => {
    expect(resumeDecision(saved(59, CLUSTER), log(0, 59))).toEqual({ kind: 'discard', reason: 'beyond-end' });
    expect(resumeDecision(saved(59, CLUSTER), log(0, 40))).toEqual({ kind: 'discard', reason: 'beyond-end' });
    expect(resumeDecision(saved(0, CLUSTER), log(0, 0))).toEqual({ kind: 'discard', reason: 'beyond-end' });
  });

  it('keeps an offset below the start of the log, where retention removed the record: nothing at or below it is left', () => {
    expect(resumeDecision(saved(59, CLUSTER), log(60, 900))).toEqual({ kind: 'keep', offset: 59n });
  });

  it('discards an offset saved in another Kafka cluster, or a broker whose data was replaced', () => {
    expect(resumeDecision(saved(59, 'kafka:other-cluster'), log(0, 100))).toEqual({
      kind: 'discard',
      reason: 'another-log',
    });
  });

  it('discards an offset saved under an in-process bus that is gone, or under another kind of bus', () => {
    expect(resumeDecision(saved(59, 'in-process:a'), log(0, 100, 'in-process:b')).kind).toBe('discard');
    expect(resumeDecision(saved(59, 'in-process:a'), log(0, 100))).toEqual({
      kind: 'discard',
      reason: 'another-log',
    });
    expect(resumeDecision(saved(59, CLUSTER), log(0, 100, 'in-process:a')).kind).toBe('discard');
  });

  it('discards an offset saved before logs were kept, which cannot say which log it meant', () => {
    expect(resumeDecision(saved(59, undefined), log(0, 100))).toEqual({
      kind: 'discard',
      reason: 'unknown-log',
    });
  });

  it('keeps a row of the old format (the constant Kafka id, no digest) on the offset checks alone', () => {
    const legacy: SavedPosition = { lastOffset: 59n, logId: 'kafka', lastRecordDigest: undefined };
    expect(resumeDecision(legacy, log(0, 100))).toEqual({ kind: 'keep', offset: 59n });
    expect(resumeDecision(legacy, log(0, 40))).toEqual({ kind: 'discard', reason: 'beyond-end' });
    expect(resumeDecision(legacy, log(0, 100, 'in-process:a'))).toEqual({
      kind: 'discard',
      reason: 'another-log',
    });
  });

  it('asks for proof of an old-format Kafka row that has a digest, like any other', () => {
    expect(resumeDecision(saved(59, 'kafka'), log(0, 100)).kind).toBe('verify');
  });
});

describe('continuity', () => {
  const expected = { offset: 59n, digest: recordDigest(record(59)) };
  const batch = (from: number, to: number, body?: (offset: number) => string): BusRecord[] =>
    Array.from({ length: to - from + 1 }, (_, i) => record(from + i, body?.(from + i)));

  it('keeps the offset when the first batch holds the very record handled there', () => {
    expect(continuity(expected, batch(55, 70))).toEqual({ kind: 'keep' });
    expect(continuity(expected, batch(59, 59))).toEqual({ kind: 'keep' });
    expect(continuity(expected, batch(0, 59))).toEqual({ kind: 'keep' });
  });

  it('keeps the offset when the batch starts after it: no record at or below it comes', () => {
    expect(continuity(expected, batch(60, 80))).toEqual({ kind: 'keep' });
  });

  it('discards the offset when another record stands there: the log was replaced', () => {
    expect(
      continuity(
        expected,
        batch(0, 99, (offset) => `new log ${offset}`),
      ),
    ).toEqual({
      kind: 'discard',
      reason: 'record-differs',
    });
  });

  it('tells records apart by key as well as value', () => {
    const sameValueOtherKey = [record(59, 'tick 59', 'source-2')];
    expect(continuity(expected, sameValueOtherKey)).toEqual({ kind: 'discard', reason: 'record-differs' });
  });

  it('discards the offset when the batch spans it without a record there', () => {
    const gap = [...batch(50, 58), ...batch(60, 70)];
    expect(continuity(expected, gap)).toEqual({ kind: 'discard', reason: 'record-missing' });
  });

  it('discards the offset when the first batch ends before it, since nothing proves it', () => {
    expect(continuity(expected, batch(0, 6))).toEqual({ kind: 'discard', reason: 'unprovable' });
    expect(continuity(expected, batch(58, 58))).toEqual({ kind: 'discard', reason: 'unprovable' });
  });
});

describe('recordDigest', () => {
  it('depends on key and value only, not on timestamp or headers', () => {
    const copy = { ...record(59), timestamp: 1, headers: { traceparent: 'x' } };
    expect(recordDigest(copy)).toBe(recordDigest(record(59)));
    expect(recordDigest(record(59))).toMatch(/^[0-9a-f]{32}$/);
  });

  it('does not let bytes move between key and value unnoticed', () => {
    expect(recordDigest({ key: 'ab', value: Buffer.from('c') })).not.toBe(
      recordDigest({ key: 'a', value: Buffer.from('bc') }),
    );
  });
});
