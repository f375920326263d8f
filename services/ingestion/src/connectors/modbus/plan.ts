// Which reads a poll makes: the registers of a device grouped into as few requests as the protocol allows.
// Every request is a round trip to a device that answers one at a time, so fewer requests mean a shorter
// poll; spanning a few unused registers is cheaper than another round trip.
import {
  MAX_BITS_PER_READ,
  MAX_REGISTERS_PER_READ,
  registerCount,
  type ModbusArea,
  type ModbusRegisterConfig,
} from './config';

export interface PlannedRegister extends ModbusRegisterConfig {
  /** Registers (or bits) the value occupies. */
  readonly count: number;
}

/** One read request: `count` registers (or bits) of `area` from `start`, and the values they carry. */
export interface ReadRange {
  readonly area: ModbusArea;
  readonly start: number;
  readonly count: number;
  readonly registers: readonly PlannedRegister[];
}

export interface PlanOptions {
  /** Unused registers one read may span between two values (default 8). */
  readonly maxGapRegisters?: number;
  /** Unused coils/discrete inputs one read may span between two values (default 64). */
  readonly maxGapBits?: number;
  /** Registers per request (default and protocol maximum 125). */
  readonly maxRegistersPerRead?: number;
  /** Bits per request (default and protocol maximum 2000). */
  readonly maxBitsPerRead?: number;
}

const AREA_ORDER: readonly ModbusArea[] = ['holding', 'input', 'coil', 'discrete'];

/**
 * Groups registers into read ranges, per area and in address order: a value joins the current range when
 * the gap before it is within the tolerance and the grown range stays within the request limit. Values
 * may overlap (several flags of one register, a 32-bit value and its low word).
 */
export function planReads(
  registers: readonly ModbusRegisterConfig[],
  options: PlanOptions = {},
): ReadRange[] {
  const ranges: ReadRange[] = [];
  for (const area of AREA_ORDER) {
    const bitArea = area === 'coil' || area === 'discrete';
    const maxGap = bitArea ? (options.maxGapBits ?? 64) : (options.maxGapRegisters ?? 8);
    const maxCount = bitArea
      ? (options.maxBitsPerRead ?? MAX_BITS_PER_READ)
      : (options.maxRegistersPerRead ?? MAX_REGISTERS_PER_READ);
    const planned = registers
      .filter((register) => register.area === area)
      .map((register) => ({
        ...register,
        count: bitArea ? 1 : registerCount(register.type, register.length),
      }))
      .sort((a, b) => a.address - b.address || b.count - a.count);

    let current: { start: number; end: number; registers: PlannedRegister[] } | undefined;
    for (const register of planned) {
      const end = register.address + register.count;
      if (register.count > maxCount) {
        throw new RangeError(
          `${register.tag} spans ${register.count} ${bitArea ? 'bits' : 'registers'}, more than ${maxCount} per read`,
        );
      }
      if (
        current !== undefined &&
        register.address - current.end <= maxGap &&
        Math.max(current.end, end) - current.start <= maxCount
      ) {
        current.end = Math.max(current.end, end);
        current.registers.push(register);
        continue;
      }
      if (current !== undefined) ranges.push(toRange(area, current));
      current = { start: register.address, end, registers: [register] };
    }
    if (current !== undefined) ranges.push(toRange(area, current));
  }
  return ranges;
}

/** One range per value: what a range that a device refused as a whole is split into, to find the culprit. */
export function splitRange(range: ReadRange): ReadRange[] {
  return range.registers.map((register) => ({
    area: range.area,
    start: register.address,
    count: register.count,
    registers: [register],
  }));
}

/** `holding 100..103` — how errors and logs name a range. */
export function describeRange(range: ReadRange): string {
  const last = range.start + range.count - 1;
  const span = last === range.start ? `${range.start}` : `${range.start}..${last}`;
  const tags = range.registers.map((register) => register.tag).join(', ');
  return `${range.area} ${span} (${tags})`;
}

function toRange(
  area: ModbusArea,
  current: { start: number; end: number; registers: PlannedRegister[] },
): ReadRange {
  return { area, start: current.start, count: current.end - current.start, registers: current.registers };
}
