import { Socket } from 'node:net';
import { ModbusTCPClient } from 'jsmodbus';
import { DEFAULT_PLANT_CONFIG, Plant } from '../src/model';
import { startModbusServer, type ModbusServerHandle } from '../src/modbus/modbus-server';
import { decodeRegisters, MODBUS_BLOCK_SIZE, type ModbusWordOrder } from '../src/modbus/register-map';

const START = Date.parse('2025-03-03T05:00:00Z');

async function connect(port: number) {
  const socket = new Socket();
  const client = new ModbusTCPClient(socket, 1);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
    socket.connect({ host: '127.0.0.1', port });
  });
  return { client, socket };
}

async function readBlock(
  client: ModbusTCPClient,
  area: 'holding' | 'input',
  start: number,
  count: number,
): Promise<Buffer> {
  // A Modbus read returns at most 125 registers: read in chunks of 100.
  const parts: Buffer[] = [];
  for (let at = start; at < start + count; at += 100) {
    const n = Math.min(100, start + count - at);
    const result =
      area === 'holding' ? await client.readHoldingRegisters(at, n) : await client.readInputRegisters(at, n);
    parts.push(Buffer.from(result.response.body.valuesAsBuffer));
  }
  return Buffer.concat(parts);
}

describe.each<ModbusWordOrder>(['ABCD', 'CDAB'])('the Modbus TCP server in %s word order', (wordOrder) => {
  let plant: Plant;
  let server: ModbusServerHandle;

  beforeAll(async () => {
    plant = new Plant(
      { ...DEFAULT_PLANT_CONFIG, counters: { ...DEFAULT_PLANT_CONFIG.counters, rollover: 2 ** 32 } },
      { seed: 12, startTimeMs: START },
    );
    plant.advance(10 * 60_000);
    server = await startModbusServer(plant, { host: '127.0.0.1', port: 0, wordOrder });
  });
  afterAll(async () => server.stop());

  it('serves every machine block as documented by the register map, equal to the model', async () => {
    const { client, socket } = await connect(server.port);
    try {
      const holding = server.registerMap.filter((entry) => entry.area === 'holding');
      expect(holding).toHaveLength(8 * 10);
      for (const area of ['holding', 'input'] as const) {
        const image = await readBlock(client, area, 0, 8 * MODBUS_BLOCK_SIZE);
        for (const entry of server.registerMap.filter((e) => e.area === area)) {
          const expected = Number(plant.value(entry.assetId, entry.signal));
          const actual = decodeRegisters(image, entry.address, entry.type, wordOrder);
          expect({ ...entry, value: actual }).toEqual({
            ...entry,
            value: entry.type === 'float32' ? Math.fround(expected) : expected,
          });
        }
      }
    } finally {
      socket.destroy();
    }
  });

  it('follows the model as it runs, with 32-bit counters and floats in the configured word order', async () => {
    plant.advance(30 * 60_000);
    const { client, socket } = await connect(server.port);
    try {
      const machine = plant.machines[5];
      if (machine === undefined) throw new Error('no sixth machine');
      const base = machine.identity.plantIndex * MODBUS_BLOCK_SIZE;
      const block = await readBlock(client, 'holding', base, 18);
      expect(decodeRegisters(block, 0, 'uint16', wordOrder)).toBe(machine.value('state'));
      expect(decodeRegisters(block, 2, 'uint32', wordOrder)).toBe(machine.value('totalCount'));
      expect(decodeRegisters(block, 6, 'float32', wordOrder)).toBe(
        Math.fround(Number(machine.value('temperature'))),
      );
      // The raw words: high word first for ABCD, low word first for CDAB.
      const total = Number(machine.value('totalCount'));
      const high = block.readUInt16BE(4);
      const low = block.readUInt16BE(6);
      if (wordOrder === 'ABCD') expect([high, low]).toEqual([Math.floor(total / 65536), total % 65536]);
      else expect([high, low]).toEqual([total % 65536, Math.floor(total / 65536)]);
    } finally {
      socket.destroy();
    }
  });
});
