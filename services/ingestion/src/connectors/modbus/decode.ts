// Register words to values: pure, no I/O. Modbus itself only knows 16-bit registers sent high byte first
// (application protocol v1.1b3, 4.2); how a device lays a 32/64-bit value or a text over several registers is
// its own convention, described per device (and per register) by byteOrder and wordOrder.
import type { SampleQuality, SampleValue } from '../types';
import type { ByteOrder, ModbusValueType } from './config';
import type { ReadRange } from './plan';

export interface ValueLayout {
  readonly type: ModbusValueType;
  /** Order of the two bytes inside each register. */
  readonly byteOrder: ByteOrder;
  /** Order of the registers of a multi-register number: big = high word first (ABCD), little = CDAB. */
  readonly wordOrder: ByteOrder;
  /** For `bool` in a register: the bit to read (0 = least significant); without it, any non-zero is true. */
  readonly bit?: number;
}

/**
 * Rearranges register bytes as received into one big-endian byte sequence: bytes swapped inside each
 * register for byteOrder little, registers reversed for wordOrder little.
 */
export function toBigEndian(registerBytes: Uint8Array, byteOrder: ByteOrder, wordOrder: ByteOrder): Buffer {
  const registers = registerBytes.length / 2;
  const out = Buffer.alloc(registerBytes.length);
  for (let i = 0; i < registers; i++) {
    const target = wordOrder === 'big' ? i : registers - 1 - i;
    const high = registerBytes[2 * i] ?? 0;
    const low = registerBytes[2 * i + 1] ?? 0;
    out[2 * target] = byteOrder === 'big' ? high : low;
    out[2 * target + 1] = byteOrder === 'big' ? low : high;
  }
  return out;
}

/** Decodes one value from the bytes of exactly the registers it occupies, as they came over the wire. */
export function decodeRegisters(registerBytes: Uint8Array, layout: ValueLayout): SampleValue {
  if (registerBytes.length % 2 !== 0 || registerBytes.length === 0) {
    throw new RangeError(`expected whole registers, got ${registerBytes.length} bytes`);
  }
  if (layout.type === 'string') return decodeText(toBigEndian(registerBytes, layout.byteOrder, 'big'));
  const bytes = toBigEndian(registerBytes, layout.byteOrder, layout.wordOrder);
  const need = bytesOf(layout.type);
  if (bytes.length < need) {
    throw new RangeError(`a ${layout.type} needs ${need} bytes, got ${bytes.length}`);
  }
  switch (layout.type) {
    case 'bool': {
      const word = bytes.readUInt16BE(0);
      return layout.bit === undefined ? word !== 0 : ((word >> layout.bit) & 1) === 1;
    }
    case 'int16':
      return bytes.readInt16BE(0);
    case 'uint16':
      return bytes.readUInt16BE(0);
    case 'int32':
      return bytes.readInt32BE(0);
    case 'uint32':
      return bytes.readUInt32BE(0);
    case 'float32':
      return shortestFloat32(bytes.readFloatBE(0));
    case 'int64':
      return bytes.readBigInt64BE(0);
    case 'uint64':
      return bytes.readBigUInt64BE(0);
    case 'float64':
      return bytes.readDoubleBE(0);
  }
}

/**
 * The shortest decimal that reads back as the same float32: a device's 123.456 is stored as the float32 nearest
 * to it, whose exact value as a double is 123.45600128173828; every digit past the float32's precision (about 7
 * significant digits) is noise. Nine significant digits always suffice (IEEE 754-2019, 5.12.2), so this ends.
 */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return Number(value.toPrecision(9));
}

/** Bit `index` of coils/discrete inputs packed as Modbus sends them: first bit in the low bit of byte 0. */
export function decodeBit(packedBits: Uint8Array, index: number): boolean {
  const byte = packedBits[index >> 3];
  if (byte === undefined) throw new RangeError(`bit ${index} lies past ${packedBits.length} bytes`);
  return ((byte >> (index & 7)) & 1) === 1;
}

/**
 * raw * scale + offset. 64-bit integers stay exact bigints when unscaled; scaled, they become numbers
 * (exact up to 2^53). Flags and texts pass unchanged.
 */
export function scaleValue(raw: SampleValue, scale: number, offset: number): SampleValue {
  if (scale === 1 && offset === 0) return raw;
  if (typeof raw === 'number') return raw * scale + offset;
  if (typeof raw === 'bigint') return Number(raw) * scale + offset;
  return raw;
}

export interface DecodedValue {
  readonly tag: string;
  readonly value: SampleValue;
  /** `bad` for a NaN or infinite float: what a PLC writes for a failed measurement. */
  readonly quality: SampleQuality;
}

export interface DeviceOrder {
  readonly byteOrder: ByteOrder;
  readonly wordOrder: ByteOrder;
}

/**
 * The values of every register of a range from the data a read returned: register bytes for holding/input
 * areas, packed bits for coils/discrete inputs. `data` must cover the whole range.
 */
export function decodeRange(range: ReadRange, data: Uint8Array, device: DeviceOrder): DecodedValue[] {
  return range.registers.map((register) => {
    const relative = register.address - range.start;
    let raw: SampleValue;
    if (range.area === 'coil' || range.area === 'discrete') {
      raw = decodeBit(data, relative);
    } else {
      const begin = relative * 2;
      raw = decodeRegisters(data.subarray(begin, begin + register.count * 2), {
        type: register.type,
        byteOrder: register.byteOrder ?? device.byteOrder,
        wordOrder: register.wordOrder ?? device.wordOrder,
        ...(register.bit === undefined ? {} : { bit: register.bit }),
      });
    }
    const value = scaleValue(raw, register.scale, register.offset);
    const quality: SampleQuality = typeof value === 'number' && !Number.isFinite(value) ? 'bad' : 'good';
    return { tag: register.tag, value, quality };
  });
}

function bytesOf(type: Exclude<ModbusValueType, 'string'>): number {
  switch (type) {
    case 'bool':
    case 'int16':
    case 'uint16':
      return 2;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 4;
    case 'int64':
    case 'uint64':
    case 'float64':
      return 8;
  }
}

// PLC strings are one byte per character, padded with NULs (or spaces) to the register length.
function decodeText(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes
    .subarray(0, end === -1 ? bytes.length : end)
    .toString('latin1')
    .replace(/ +$/, '');
}
