import { formatPath } from '@kiln/service-kit';
import { modbusConnectorConfigSchema } from '../../src/connectors/modbus/config';

const minimal = {
  kind: 'modbus',
  id: 'press-hall',
  devices: [
    {
      id: 'press-04',
      host: '10.0.0.5',
      registers: [{ tag: 'force', area: 'holding', address: 0, type: 'float32' }],
    },
  ],
};

function issuesOf(config: unknown): string[] {
  const result = modbusConnectorConfigSchema.safeParse(config);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

function withRegister(register: Record<string, unknown>) {
  return { ...minimal, devices: [{ ...minimal.devices[0], registers: [register] }] };
}

describe('modbusConnectorConfigSchema', () => {
  it('fills the defaults of a device and a register', () => {
    const config = modbusConnectorConfigSchema.parse(minimal);
    expect(config.devices[0]).toMatchObject({
      port: 502,
      unitId: 1,
      pollIntervalMs: 1000,
      timeoutMs: 2000,
      backoff: { initialMs: 1000, maxMs: 30_000 },
      byteOrder: 'big',
      wordOrder: 'big',
      maxGapRegisters: 8,
      maxRegistersPerRead: 125,
    });
    expect(config.devices[0]?.registers[0]).toMatchObject({ scale: 1, offset: 0 });
  });

  it('names the offending key of an impossible register', () => {
    expect(issuesOf(withRegister({ tag: 'x', area: 'coil', address: 0, type: 'float32' }))).toEqual([
      'devices[0].registers[0].type: a coil holds one bit: expected type bool, got float32',
    ]);
    expect(issuesOf(withRegister({ tag: 'x', area: 'holding', address: 0, type: 'string' }))).toEqual([
      'devices[0].registers[0].length: a string needs length (registers)',
    ]);
    expect(issuesOf(withRegister({ tag: 'x', area: 'holding', address: 0, type: 'uint16', bit: 3 }))).toEqual(
      [
        'devices[0].registers[0].bit: bit selects a flag inside a holding or input register: only with type bool',
      ],
    );
    expect(issuesOf(withRegister({ tag: 'x', area: 'holding', address: 65_535, type: 'int32' }))).toEqual([
      'devices[0].registers[0].address: x would end at address 65536, past 65535',
    ]);
    expect(issuesOf(withRegister({ tag: 'x', area: 'holding', address: 0, type: 'bool', scale: 2 }))).toEqual(
      ['devices[0].registers[0].scale: scale and offset apply to numbers, not to type bool'],
    );
    expect(
      issuesOf(withRegister({ tag: 'x', area: 'holding', address: 0, type: 'int16', unit: 'Cel' })),
    ).toEqual(['devices[0].registers[0]: Unrecognized key: "unit"']);
  });

  it('refuses duplicate tags and devices', () => {
    const register = { tag: 'force', area: 'holding', address: 0, type: 'int16' };
    const device = { id: 'd', host: 'h', registers: [register, { ...register, address: 1 }] };
    expect(issuesOf({ ...minimal, devices: [device, device] })).toEqual([
      'devices[0].registers[1].tag: tag force appears twice in device d',
      'devices[1].registers[1].tag: tag force appears twice in device d',
      'devices[1].id: device id d appears twice in connector press-hall',
    ]);
  });
});
