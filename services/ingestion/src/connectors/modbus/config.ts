// Configuration of one Modbus TCP connector: the devices it polls and the register map of each.
// Addresses are 0-based protocol addresses (what goes on the wire), not the 1-based "40001" notation of
// device manuals: holding register 40001 is `area: holding, address: 0`.
import { z } from 'zod';

export const MODBUS_AREAS = ['holding', 'input', 'coil', 'discrete'] as const;
export type ModbusArea = (typeof MODBUS_AREAS)[number];

export const MODBUS_VALUE_TYPES = [
  'bool',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'float32',
  'int64',
  'uint64',
  'float64',
  'string',
] as const;
export type ModbusValueType = (typeof MODBUS_VALUE_TYPES)[number];

/** 'big': high byte (or high word) first, as the Modbus specification sends it. */
const order = z.enum(['big', 'little']);
export type ByteOrder = z.infer<typeof order>;

/** Modbus application protocol v1.1b3, 6.3/6.4: at most 125 registers or 2000 bits per read. */
export const MAX_REGISTERS_PER_READ = 125;
export const MAX_BITS_PER_READ = 2000;

const registerSchema = z
  .strictObject({
    /** The tag emitted for this value (Sample.tag). */
    tag: z.string().min(1),
    area: z.enum(MODBUS_AREAS),
    /** 0-based protocol address of the first register (or bit). */
    address: z.number().int().min(0).max(65_535),
    type: z.enum(MODBUS_VALUE_TYPES),
    /** Registers a `string` occupies (two characters each). */
    length: z.number().int().min(1).max(MAX_REGISTERS_PER_READ).optional(),
    /** Emitted value = raw * scale + offset (numeric types only). */
    scale: z.number().finite().default(1),
    offset: z.number().finite().default(0),
    /** Overrides the device's word order for this value. */
    wordOrder: order.optional(),
    /** Overrides the device's byte order for this value. */
    byteOrder: order.optional(),
    /** A flag packed in a holding or input register: bit 0 is the least significant. */
    bit: z.number().int().min(0).max(15).optional(),
  })
  .superRefine((register, ctx) => {
    const bitArea = register.area === 'coil' || register.area === 'discrete';
    if (bitArea && register.type !== 'bool') {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `a ${register.area} holds one bit: expected type bool, got ${register.type}`,
      });
    }
    if (register.bit !== undefined && (bitArea || register.type !== 'bool')) {
      ctx.addIssue({
        code: 'custom',
        path: ['bit'],
        message: 'bit selects a flag inside a holding or input register: only with type bool',
      });
    }
    if (register.type === 'string' && register.length === undefined) {
      ctx.addIssue({ code: 'custom', path: ['length'], message: 'a string needs length (registers)' });
    }
    if (register.type !== 'string' && register.length !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['length'], message: 'length is only for type string' });
    }
    if (
      (register.type === 'bool' || register.type === 'string') &&
      (register.scale !== 1 || register.offset !== 0)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['scale'],
        message: `scale and offset apply to numbers, not to type ${register.type}`,
      });
    }
    const last = register.address + registerCount(register.type, register.length) - 1;
    if (last > 65_535) {
      ctx.addIssue({
        code: 'custom',
        path: ['address'],
        message: `${register.tag} would end at address ${last}, past 65535`,
      });
    }
  });

export type ModbusRegisterConfig = z.infer<typeof registerSchema>;

const deviceSchema = z
  .strictObject({
    /** Part of the source id: `modbus/<connector id>/<device id>`. */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-"'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).default(502),
    /** The unit identifier (slave id behind a gateway; 1 or 255 for most TCP devices). */
    unitId: z.number().int().min(0).max(255).default(1),
    pollIntervalMs: z.number().int().min(10).default(1000),
    /** How long a connect or a single read may take before the device counts as down. */
    timeoutMs: z.number().int().min(10).default(2000),
    /** Reconnect delays: doubling from initialMs up to maxMs. */
    backoff: z
      .strictObject({
        initialMs: z.number().int().min(1).default(1000),
        maxMs: z.number().int().min(1).default(30_000),
      })
      .default({ initialMs: 1000, maxMs: 30_000 }),
    /** Byte order inside one 16-bit register. */
    byteOrder: order.default('big'),
    /** Order of the registers of a 32/64-bit value: big = high word first (ABCD), little = CDAB. */
    wordOrder: order.default('big'),
    /** Unused registers a read may span to merge two ranges into one request. */
    maxGapRegisters: z.number().int().min(0).max(MAX_REGISTERS_PER_READ).default(8),
    /** Unused coils/discrete inputs a read may span to merge two ranges into one request. */
    maxGapBits: z.number().int().min(0).max(MAX_BITS_PER_READ).default(64),
    /** Lower than 125 for devices that cannot answer a full-size read. */
    maxRegistersPerRead: z.number().int().min(1).max(MAX_REGISTERS_PER_READ).default(MAX_REGISTERS_PER_READ),
    maxBitsPerRead: z.number().int().min(1).max(MAX_BITS_PER_READ).default(MAX_BITS_PER_READ),
    registers: z.array(registerSchema).min(1),
  })
  .superRefine((device, ctx) => {
    if (device.backoff.maxMs < device.backoff.initialMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['backoff', 'maxMs'],
        message: `maxMs (${device.backoff.maxMs}) is below initialMs (${device.backoff.initialMs})`,
      });
    }
    const seen = new Set<string>();
    device.registers.forEach((register, index) => {
      if (seen.has(register.tag)) {
        ctx.addIssue({
          code: 'custom',
          path: ['registers', index, 'tag'],
          message: `tag ${register.tag} appears twice in device ${device.id}`,
        });
      }
      seen.add(register.tag);
      const count = registerCount(register.type, register.length);
      if (register.area !== 'coil' && register.area !== 'discrete' && count > device.maxRegistersPerRead) {
        ctx.addIssue({
          code: 'custom',
          path: ['registers', index, 'length'],
          message: `${register.tag} spans ${count} registers, more than maxRegistersPerRead (${device.maxRegistersPerRead})`,
        });
      }
    });
  });

export type ModbusDeviceConfig = z.infer<typeof deviceSchema>;

export const modbusConnectorConfigSchema = z
  .strictObject({
    kind: z.literal('modbus'),
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-"'),
    devices: z.array(deviceSchema).min(1),
  })
  .superRefine((connector, ctx) => {
    const seen = new Set<string>();
    connector.devices.forEach((device, index) => {
      if (seen.has(device.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices', index, 'id'],
          message: `device id ${device.id} appears twice in connector ${connector.id}`,
        });
      }
      seen.add(device.id);
    });
  });

export type ModbusConnectorConfig = z.infer<typeof modbusConnectorConfigSchema>;
export type ModbusConnectorConfigInput = z.input<typeof modbusConnectorConfigSchema>;

/** Registers a value of this type occupies (1 for bits and 16-bit values). */
export function registerCount(type: ModbusValueType, length?: number): number {
  switch (type) {
    case 'bool':
    case 'int16':
    case 'uint16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'int64':
    case 'uint64':
    case 'float64':
      return 4;
    case 'string':
      return length ?? 1;
  }
}
