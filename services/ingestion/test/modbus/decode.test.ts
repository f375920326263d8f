import fc from 'fast-check';
import {
  decodeBit,
  decodeRange,
  decodeRegisters,
  scaleValue,
  toBigEndian,
} from '../../src/connectors/modbus/decode';
import { planReads } from '../../src/connectors/modbus/plan';
import type { ValueLayout } from '../../src/connectors/modbus/decode';

/** Register words as they travel on the wire (each high byte first). */
function words(...values: number[]): Buffer {
  const bytes = Buffer.alloc(values.length * 2);
  values.forEach((value, i) => bytes.writeUInt16BE(value, i * 2));
  return bytes;
}

const abcd: Omit<ValueLayout, 'type'> = { byteOrder: 'big', wordOrder: 'big' };
const cdab: Omit<ValueLayout, 'type'> = { byteOrder: 'big', wordOrder: 'little' };

describe('decodeRegisters', () => {
  it('reads 123.456 as float32 with the high word first (ABCD)', () => {
    const value = decodeRegisters(words(0x42f6, 0xe979), { type: 'float32', ...abcd });
    expect(value).toBeCloseTo(123.456, 4);
  });

  it('reads 123.456 as float32 with the low word first (CDAB)', () => {
    const value = decodeRegisters(words(0xe979, 0x42f6), { type: 'float32', ...cdab });
    expect(value).toBeCloseTo(123.456, 4);
  });

  it('reads float32 with bytes swapped inside each register (BADC) and fully reversed (DCBA)', () => {
    expect(
      decodeRegisters(words(0xf642, 0x79e9), { type: 'float32', byteOrder: 'little', wordOrder: 'big' }),
    ).toBeCloseTo(123.456, 4);
    expect(
      decodeRegisters(words(0x79e9, 0xf642), { type: 'float32', byteOrder: 'little', wordOrder: 'little' }),
    ).toBeCloseTo(123.456, 4);
  });

  it('gives a float32 as the shortest decimal that reads back as the same float32, not its double expansion', () => {
    // 0x42f6e979 is the float32 nearest 123.456; as a double it is 123.45600128173828.
    expect(decodeRegisters(words(0x42f6, 0xe979), { type: 'float32', ...abcd })).toBe(123.456);
    expect(decodeRegisters(words(0x3dcc, 0xcccd), { type: 'float32', ...abcd })).toBe(0.1);
    expect(decodeRegisters(words(0x4b18, 0x9680), { type: 'float32', ...abcd })).toBe(1e7);
    expect(Object.is(decodeRegisters(words(0x8000, 0x0000), { type: 'float32', ...abcd }), -0)).toBe(true);
    expect(decodeRegisters(words(0x7f80, 0x0000), { type: 'float32', ...abcd })).toBe(Infinity);
    expect(decodeRegisters(words(0x7fc0, 0x0000), { type: 'float32', ...abcd })).toBeNaN();
  });

  it('keeps every float32 exact: the decimal reads back as the same float32 and no shorter one does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (bits) => {
        const wire = Buffer.alloc(4);
        wire.writeUInt32BE(bits);
        const stored = wire.readFloatBE(0);
        const value = decodeRegisters(wire, { type: 'float32', ...abcd });
        if (typeof value !== 'number') return false;
        if (Number.isNaN(stored)) return Number.isNaN(value);
        if (!Object.is(Math.fround(value), stored)) return false;
        if (!Number.isFinite(stored) || stored === 0) return true;
        const digits = value.toExponential().replace(/^-/, '').split('e')[0]?.replace('.', '').length ?? 0;
        return digits === 1 || Math.fround(Number(stored.toPrecision(digits - 1))) !== stored;
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads int16 and uint16 from one register', () => {
    expect(decodeRegisters(words(0xfffe), { type: 'int16', ...abcd })).toBe(-2);
    expect(decodeRegisters(words(0xfffe), { type: 'uint16', ...abcd })).toBe(65534);
    expect(decodeRegisters(words(0x3412), { type: 'uint16', byteOrder: 'little', wordOrder: 'big' })).toBe(
      0x1234,
    );
  });

  it('reads int32 and uint32 in both word orders', () => {
    const minus100k = Buffer.alloc(4);
    minus100k.writeInt32BE(-100_000);
    const high = minus100k.readUInt16BE(0);
    const low = minus100k.readUInt16BE(2);
    expect(decodeRegisters(words(high, low), { type: 'int32', ...abcd })).toBe(-100_000);
    expect(decodeRegisters(words(low, high), { type: 'int32', ...cdab })).toBe(-100_000);
    expect(decodeRegisters(words(0xdead, 0xbeef), { type: 'uint32', ...abcd })).toBe(0xdeadbeef);
    expect(decodeRegisters(words(0xbeef, 0xdead), { type: 'uint32', ...cdab })).toBe(0xdeadbeef);
  });

  it('reads int64 and uint64 exactly, as bigints, in both word orders', () => {
    expect(decodeRegisters(words(0xffff, 0xffff, 0xffff, 0xfffb), { type: 'int64', ...abcd })).toBe(-5n);
    expect(decodeRegisters(words(0xfffb, 0xffff, 0xffff, 0xffff), { type: 'int64', ...cdab })).toBe(-5n);
    expect(decodeRegisters(words(0x0123, 0x4567, 0x89ab, 0xcdef), { type: 'uint64', ...abcd })).toBe(
      0x0123456789abcdefn,
    );
    expect(decodeRegisters(words(0xcdef, 0x89ab, 0x4567, 0x0123), { type: 'uint64', ...cdab })).toBe(
      0x0123456789abcdefn,
    );
  });

  it('reads float64 in both word orders', () => {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(-9876.54321);
    const w = [0, 2, 4, 6].map((offset) => bytes.readUInt16BE(offset));
    expect(decodeRegisters(words(...w), { type: 'float64', ...abcd })).toBe(-9876.54321);
    expect(decodeRegisters(words(...w.reverse()), { type: 'float64', ...cdab })).toBe(-9876.54321);
  });

  it('reads a flag as any non-zero register, or as one bit of it', () => {
    expect(decodeRegisters(words(0x0100), { type: 'bool', ...abcd })).toBe(true);
    expect(decodeRegisters(words(0), { type: 'bool', ...abcd })).toBe(false);
    expect(decodeRegisters(words(0b1000), { type: 'bool', ...abcd, bit: 3 })).toBe(true);
    expect(decodeRegisters(words(0b1000), { type: 'bool', ...abcd, bit: 2 })).toBe(false);
    expect(decodeRegisters(words(0x8000), { type: 'bool', ...abcd, bit: 15 })).toBe(true);
  });

  it('reads a text two characters per register, up to the first NUL, without trailing blanks', () => {
    expect(decodeRegisters(words(0x4142, 0x4344, 0x4500), { type: 'string', ...abcd })).toBe('ABCDE');
    expect(
      decodeRegisters(words(0x4241, 0x4443), { type: 'string', byteOrder: 'little', wordOrder: 'big' }),
    ).toBe('ABCD');
    expect(decodeRegisters(words(0x4f4b, 0x2020), { type: 'string', ...abcd })).toBe('OK');
    // Word order does not reorder a text: characters run in register order.
    expect(decodeRegisters(words(0x4142, 0x4344), { type: 'string', ...cdab })).toBe('ABCD');
  });

  it('refuses too few registers for the type', () => {
    expect(() => decodeRegisters(words(0x42f6), { type: 'float32', ...abcd })).toThrow(/needs 4 bytes/);
  });
});

describe('toBigEndian', () => {
  it('reverses registers for the low word first and swaps bytes for little byte order', () => {
    expect([...toBigEndian(words(0x0102, 0x0304), 'big', 'little')]).toEqual([3, 4, 1, 2]);
    expect([...toBigEndian(words(0x0102, 0x0304), 'little', 'big')]).toEqual([2, 1, 4, 3]);
  });
});

describe('decodeBit', () => {
  it('reads coils packed low bit first', () => {
    const packed = Uint8Array.of(0b0000_0101, 0b1000_0000);
    expect([0, 1, 2, 15].map((i) => decodeBit(packed, i))).toEqual([true, false, true, true]);
    expect(() => decodeBit(packed, 16)).toThrow(RangeError);
  });
});

describe('scaleValue', () => {
  it('applies raw * scale + offset to numbers', () => {
    expect(scaleValue(1234, 0.1, -20)).toBeCloseTo(103.4, 10);
    expect(scaleValue(7, 1, 0)).toBe(7);
  });

  it('keeps unscaled 64-bit integers exact and turns scaled ones into numbers', () => {
    expect(scaleValue(2n ** 60n, 1, 0)).toBe(2n ** 60n);
    expect(scaleValue(1000n, 0.001, 0)).toBe(1);
  });

  it('leaves flags and texts alone', () => {
    expect(scaleValue(true, 2, 1)).toBe(true);
    expect(scaleValue('A', 2, 1)).toBe('A');
  });
});

describe('decodeRange', () => {
  it('decodes every value of a range from its offset, with per-register order overrides and scaling', () => {
    const [range] = planReads([
      { tag: 'temp', area: 'holding', address: 10, type: 'int16', scale: 0.1, offset: 0 },
      {
        tag: 'flow',
        area: 'holding',
        address: 11,
        type: 'float32',
        scale: 1,
        offset: 0,
        wordOrder: 'little',
      },
      { tag: 'nan', area: 'holding', address: 13, type: 'float32', scale: 1, offset: 0 },
    ]);
    if (range === undefined) throw new Error('expected one range');
    const data = words(0xff9c, 0xe979, 0x42f6, 0x7fc0, 0x0000);
    const values = decodeRange(range, data, { byteOrder: 'big', wordOrder: 'big' });
    expect(values.map((v) => v.tag)).toEqual(['temp', 'flow', 'nan']);
    expect(values[0]?.value).toBeCloseTo(-10, 10);
    expect(values[1]?.value).toBe(123.456);
    expect(values[2]).toEqual({ tag: 'nan', value: NaN, quality: 'bad' });
  });

  it('decodes coils relative to the range start', () => {
    const [range] = planReads([
      { tag: 'a', area: 'coil', address: 3, type: 'bool', scale: 1, offset: 0 },
      { tag: 'b', area: 'coil', address: 12, type: 'bool', scale: 1, offset: 0 },
    ]);
    if (range === undefined) throw new Error('expected one range');
    // Coils 3..12: coil 3 is bit 0, coil 12 is bit 9.
    const values = decodeRange(range, Uint8Array.of(0b0000_0001, 0b0000_0010), {
      byteOrder: 'big',
      wordOrder: 'big',
    });
    expect(values.map((v) => v.value)).toEqual([true, true]);
  });
});
