// The binary COPY encoder byte for byte (PostgreSQL docs, sql-copy "Binary Format"): pure, no database.
import { MAX_TIME_US } from '@kiln/contracts';
import { InvalidArgumentError } from '../src';
import { POSTGRES_EPOCH_US, TelemetryCopyEncoder } from '../src/binary-copy';

const HEADER = '5047434f50590aff0d0a00' + '00000000' + '00000000';
const TRAILER = 'ffff';

const hex = (pages: readonly Buffer[]): string => Buffer.concat(pages).toString('hex');

/** µs since 2000 as int64 big-endian, through BigInt: the oracle the encoder's two int32 halves must match. */
function sincePostgresEpoch(unixUs: number): string {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(Math.round(unixUs)) - BigInt(POSTGRES_EPOCH_US));
  return buffer.toString('hex');
}

describe('TelemetryCopyEncoder', () => {
  it('writes the header and the trailer around no tuples', () => {
    expect(hex(new TelemetryCopyEncoder().finish())).toBe(HEADER + TRAILER);
  });

  it('writes a tuple as five length-prefixed fields: time, signal id, value, text, quality', () => {
    const encoder = new TelemetryCopyEncoder();
    encoder.add(7, POSTGRES_EPOCH_US + 1, 1.5, 'é', 1);
    const tuple = [
      '0005', // five fields
      '00000008' + '0000000000000001', // timestamptz: µs since 2000-01-01
      '00000004' + '00000007', // int4 signal id
      '00000008' + '3ff8000000000000', // float8 1.5
      '00000002' + 'c3a9', // text: its UTF-8 bytes counted, not its characters
      '00000002' + '0001', // int2 quality
    ];
    expect(hex(encoder.finish())).toBe(HEADER + tuple.join('') + TRAILER);
    expect(encoder.rowCount).toBe(1);
  });

  it('writes NULL as length -1 with no bytes, and an empty text as length 0', () => {
    const encoder = new TelemetryCopyEncoder();
    encoder.add(1, POSTGRES_EPOCH_US, null, null, 3);
    encoder.add(1, POSTGRES_EPOCH_US, null, '', 3);
    const tuple = (text: string) =>
      '0005' +
      '00000008' +
      '0000000000000000' +
      '00000004' +
      '00000001' +
      'ffffffff' +
      text +
      '00000002' +
      '0003';
    expect(hex(encoder.finish())).toBe(HEADER + tuple('ffffffff') + tuple('00000000') + TRAILER);
  });

  it('writes times before 2000, before 1970, down to -MAX_TIME_US and up to MAX_TIME_US exactly', () => {
    const times = [
      0,
      -1,
      POSTGRES_EPOCH_US - 1,
      POSTGRES_EPOCH_US + 2 ** 32,
      -MAX_TIME_US,
      MAX_TIME_US,
      1.4,
      -2.6,
    ];
    for (let k = 0; k < 1000; k++) times.push(Math.round((Math.random() * 2 - 1) * MAX_TIME_US));
    for (const timeUs of times) {
      const encoder = new TelemetryCopyEncoder();
      encoder.add(1, timeUs, null, null, 1);
      const fields = hex(encoder.finish()).slice(HEADER.length + 4 + 8, HEADER.length + 4 + 8 + 16);
      expect([timeUs, fields]).toEqual([timeUs, sincePostgresEpoch(timeUs)]);
    }
  });

  it('writes NaN and infinities as IEEE 754 and -0 as 0, as the text parameters did', () => {
    const valueOf = (value: number): string => {
      const encoder = new TelemetryCopyEncoder();
      encoder.add(1, 0, value, null, 1);
      const at = HEADER.length + 4 + 24 + 16 + 8;
      return hex(encoder.finish()).slice(at, at + 16);
    };
    expect(valueOf(Number.NaN)).toBe('7ff8000000000000');
    expect(valueOf(Infinity)).toBe('7ff0000000000000');
    expect(valueOf(-Infinity)).toBe('fff0000000000000');
    expect(valueOf(-0)).toBe('0000000000000000');
  });

  it('spreads tuples over pages without splitting one, and gives a long text a page of its own', () => {
    const encoder = new TelemetryCopyEncoder(64);
    const long = 'ü'.repeat(100);
    encoder.add(1, 0, 1, null, 1);
    encoder.add(2, 0, null, long, 1);
    encoder.add(3, 0, 2, null, 1);
    const pages = encoder.finish();
    expect(pages.length).toBeGreaterThan(1);
    const whole = new TelemetryCopyEncoder(1 << 16);
    whole.add(1, 0, 1, null, 1);
    whole.add(2, 0, null, long, 1);
    whole.add(3, 0, 2, null, 1);
    expect(hex(pages)).toBe(hex(whole.finish()));
  });

  it('refuses a time that is not a finite number of µs within ±2^53, naming the signal', () => {
    const encoder = new TelemetryCopyEncoder();
    expect(() => encoder.add(42, Number.NaN, 1, null, 1)).toThrow(InvalidArgumentError);
    expect(() => encoder.add(42, Infinity, 1, null, 1)).toThrow(/time of signal 42/);
    expect(() => encoder.add(42, 2 ** 60, 1, null, 1)).toThrow(InvalidArgumentError);
    expect(encoder.rowCount).toBe(0);
  });

  it('takes no rows after finish and finishes once', () => {
    const encoder = new TelemetryCopyEncoder();
    const pages = encoder.finish();
    expect(encoder.finish()).toBe(pages);
    expect(() => encoder.add(1, 0, 1, null, 1)).toThrow(/after finish/);
  });
});
