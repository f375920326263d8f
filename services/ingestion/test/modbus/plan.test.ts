import type { ModbusRegisterConfig } from '../../src/connectors/modbus/config';
import { describeRange, planReads, splitRange } from '../../src/connectors/modbus/plan';

function reg(
  tag: string,
  area: ModbusRegisterConfig['area'],
  address: number,
  type: ModbusRegisterConfig['type'] = 'uint16',
  length?: number,
): ModbusRegisterConfig {
  return { tag, area, address, type, scale: 1, offset: 0, ...(length === undefined ? {} : { length }) };
}

const spans = (ranges: ReturnType<typeof planReads>) => ranges.map((r) => [r.area, r.start, r.count]);

describe('planReads', () => {
  it('merges contiguous and nearby registers of one area into one read', () => {
    const ranges = planReads([
      reg('a', 'holding', 0),
      reg('b', 'holding', 1, 'float32'),
      reg('c', 'holding', 10),
    ]);
    expect(spans(ranges)).toEqual([['holding', 0, 11]]);
    expect(ranges[0]?.registers.map((r) => r.tag)).toEqual(['a', 'b', 'c']);
  });

  it('starts a new read when the gap exceeds the tolerance', () => {
    const registers = [reg('a', 'holding', 0), reg('b', 'holding', 10)];
    expect(spans(planReads(registers, { maxGapRegisters: 8 }))).toEqual([
      ['holding', 0, 1],
      ['holding', 10, 1],
    ]);
    expect(spans(planReads(registers, { maxGapRegisters: 9 }))).toEqual([['holding', 0, 11]]);
    expect(spans(planReads(registers, { maxGapRegisters: 0 }))).toEqual([
      ['holding', 0, 1],
      ['holding', 10, 1],
    ]);
  });

  it('keeps areas apart and sorts by address', () => {
    const ranges = planReads([
      reg('i2', 'input', 5),
      reg('h', 'holding', 3),
      reg('i1', 'input', 4),
      reg('c', 'coil', 0, 'bool'),
      reg('d', 'discrete', 7, 'bool'),
    ]);
    expect(spans(ranges)).toEqual([
      ['holding', 3, 1],
      ['input', 4, 2],
      ['coil', 0, 1],
      ['discrete', 7, 1],
    ]);
  });

  it('never exceeds 125 registers per read', () => {
    const registers = Array.from({ length: 100 }, (_, i) => reg(`f${i}`, 'input', i * 2, 'float32'));
    const ranges = planReads(registers);
    expect(spans(ranges)).toEqual([
      ['input', 0, 124],
      ['input', 124, 76],
    ]);
    expect(ranges.every((r) => r.count <= 125)).toBe(true);
  });

  it('honours a lower per-device limit and 2000 bits per coil read', () => {
    const registers = Array.from({ length: 10 }, (_, i) => reg(`h${i}`, 'holding', i));
    expect(planReads(registers, { maxRegistersPerRead: 4 }).map((r) => r.count)).toEqual([4, 4, 2]);
    const coils = [
      reg('c0', 'coil', 0, 'bool'),
      reg('c1', 'coil', 1999, 'bool'),
      reg('c2', 'coil', 2000, 'bool'),
    ];
    expect(spans(planReads(coils, { maxGapBits: 5000 }))).toEqual([
      ['coil', 0, 2000],
      ['coil', 2000, 1],
    ]);
  });

  it('lets values overlap (flags of one register, a text covering several registers)', () => {
    const ranges = planReads([
      { ...reg('run', 'holding', 20, 'bool'), bit: 0 },
      { ...reg('fault', 'holding', 20, 'bool'), bit: 1 },
      reg('name', 'holding', 18, 'string', 4),
    ]);
    expect(spans(ranges)).toEqual([['holding', 18, 4]]);
  });

  it('refuses a value wider than one read', () => {
    expect(() => planReads([reg('s', 'holding', 0, 'string', 10)], { maxRegistersPerRead: 8 })).toThrow(
      /s spans 10/,
    );
  });
});

describe('splitRange', () => {
  it('makes one read per value', () => {
    const [range] = planReads([reg('a', 'holding', 0), reg('b', 'holding', 2, 'int32')]);
    if (range === undefined) throw new Error('expected a range');
    expect(describeRange(range)).toBe('holding 0..3 (a, b)');
    expect(spans(splitRange(range))).toEqual([
      ['holding', 0, 1],
      ['holding', 2, 2],
    ]);
  });
});
