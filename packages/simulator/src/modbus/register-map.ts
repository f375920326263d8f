// The Modbus register map as data: every machine owns a block of 32 registers at base = plantIndex * 32, the
// same layout in the holding and the input registers. Ingestion connector configs are generated from this.
import type { Plant, SignalName } from '../model';

export type ModbusWordOrder = 'ABCD' | 'CDAB';
export type ModbusArea = 'holding' | 'input';
export type ModbusValueType = 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32';

export interface ModbusRegisterEntry {
  readonly assetId: string;
  readonly machineId: string;
  readonly lineId: string;
  readonly signal: SignalName;
  readonly area: ModbusArea;
  /** 0-based register address (protocol address; add 40001/30001 for the 1-based convention). */
  readonly address: number;
  readonly type: ModbusValueType;
  /** Number of 16-bit registers. */
  readonly length: 1 | 2;
  readonly wordOrder: ModbusWordOrder;
}

export const MODBUS_BLOCK_SIZE = 32;
export const MODBUS_MAX_MACHINES = Math.floor(65536 / MODBUS_BLOCK_SIZE);

/** Offsets inside a machine's block. Registers 18-31 are reserved (read as 0). */
export const MODBUS_BLOCK_LAYOUT: readonly { signal: SignalName; offset: number; type: ModbusValueType }[] = [
  { signal: 'state', offset: 0, type: 'uint16' },
  { signal: 'faultCode', offset: 1, type: 'uint16' },
  { signal: 'totalCount', offset: 2, type: 'uint32' },
  { signal: 'rejectCount', offset: 4, type: 'uint32' },
  { signal: 'temperature', offset: 6, type: 'float32' },
  { signal: 'motorCurrent', offset: 8, type: 'float32' },
  { signal: 'vibration', offset: 10, type: 'float32' },
  { signal: 'idealCycleTime', offset: 12, type: 'float32' },
  { signal: 'cycleTime', offset: 14, type: 'float32' },
  { signal: 'speed', offset: 16, type: 'float32' },
];

const LENGTH: Readonly<Record<ModbusValueType, 1 | 2>> = {
  uint16: 1,
  int16: 1,
  uint32: 2,
  int32: 2,
  float32: 2,
};

export function modbusRegisterMap(
  plant: Pick<Plant, 'machines'>,
  wordOrder: ModbusWordOrder,
): ModbusRegisterEntry[] {
  const entries: ModbusRegisterEntry[] = [];
  for (const area of ['holding', 'input'] as const) {
    for (const machine of plant.machines) {
      const { assetId, lineId, machineId, plantIndex } = machine.identity;
      for (const { signal, offset, type } of MODBUS_BLOCK_LAYOUT) {
        const address = plantIndex * MODBUS_BLOCK_SIZE + offset;
        entries.push({
          assetId,
          lineId,
          machineId,
          signal,
          area,
          address,
          type,
          length: LENGTH[type],
          wordOrder,
        });
      }
    }
  }
  return entries;
}

/** Writes `value` at register `address` of a big-endian register buffer, in the given word order. */
export function encodeRegisters(
  buffer: Buffer,
  address: number,
  type: ModbusValueType,
  value: number,
  wordOrder: ModbusWordOrder,
): void {
  const at = address * 2;
  if (type === 'uint16') return void buffer.writeUInt16BE(value & 0xffff, at);
  if (type === 'int16') return void buffer.writeInt16BE(value, at);
  const scratch = Buffer.alloc(4);
  if (type === 'uint32') scratch.writeUInt32BE(value >>> 0, 0);
  else if (type === 'int32') scratch.writeInt32BE(value | 0, 0);
  else scratch.writeFloatBE(value, 0);
  if (wordOrder === 'ABCD') scratch.copy(buffer, at);
  else {
    scratch.copy(buffer, at, 2, 4);
    scratch.copy(buffer, at + 2, 0, 2);
  }
}

/** Reads a value back from registers (for clients and tests). */
export function decodeRegisters(
  buffer: Buffer,
  address: number,
  type: ModbusValueType,
  wordOrder: ModbusWordOrder,
): number {
  const at = address * 2;
  if (type === 'uint16') return buffer.readUInt16BE(at);
  if (type === 'int16') return buffer.readInt16BE(at);
  const scratch = Buffer.alloc(4);
  if (wordOrder === 'ABCD') buffer.copy(scratch, 0, at, at + 4);
  else {
    buffer.copy(scratch, 0, at + 2, at + 4);
    buffer.copy(scratch, 2, at, at + 2);
  }
  if (type === 'uint32') return scratch.readUInt32BE(0);
  if (type === 'int32') return scratch.readInt32BE(0);
  return scratch.readFloatBE(0);
}
