// Acceptance: two simulated Modbus TCP devices, one sending 32-bit values high word first (ABCD), one low word
// first (CDAB), polled by ingestion's Modbus connector configured from the simulator's own register map.
// With the plant's clock paused, every decoded value in kiln.raw.v1 equals the plant's value: exactly for
// codes and counters, to float32 precision for the analog values.
// node-opcua (loaded with the simulator) prints warnings on import: silenced first.
import '../opcua/support/node-opcua-in-jest';
import {
  modbusRegisterMapOf,
  parseSimulatorConfig,
  startSimulator,
  type ModbusRegisterEntry,
  type SimulatorConfig,
  type SimulatorHandle,
} from '@kiln/simulator';
import { describeWith, uniqueName, waitUntil } from '@kiln/test-infra';
import type { ModbusConnectorConfigInput, ModbusRegisterConfig } from '../../src/connectors/modbus/config';
import { startIngestionInProcess, type IngestionInProcess } from '../support/ingestion-in-process';
import { startTopicReader, type TopicReader } from '../support/topic-reader';

jest.setTimeout(90_000);

const POLL_INTERVAL_MS = 200;
const WORD_ORDERS = ['ABCD', 'CDAB'] as const;
type WordOrder = (typeof WORD_ORDERS)[number];

function simulatorConfig(wordOrder: WordOrder, seed: number): SimulatorConfig {
  return parseSimulatorConfig({
    seed,
    startTime: '2025-03-03T05:00:00.000Z',
    // 2 lines x 4 machines: 8 blocks of registers, in holding and input registers alike.
    plant: { lines: 2, machinesPerLine: 4, plannedStops: [] },
    opcua: { enabled: false },
    mqtt: { enabled: false },
    modbus: { host: '127.0.0.1', port: 0, wordOrder },
  });
}

/** The tag a register map entry is read as: `holding/line-1/machine-2/temperature`. */
function tagOf(entry: Pick<ModbusRegisterEntry, 'area' | 'lineId' | 'machineId' | 'signal'>): string {
  return `${entry.area}/${entry.lineId}/${entry.machineId}/${entry.signal}`;
}

/** A connector register from a simulator register map entry; the word order is the device's, said per value. */
function registerOf(entry: ModbusRegisterEntry): ModbusRegisterConfig {
  return {
    tag: tagOf(entry),
    area: entry.area,
    address: entry.address,
    type: entry.type,
    wordOrder: entry.wordOrder === 'ABCD' ? 'big' : 'little',
    byteOrder: 'big',
    scale: 1,
    offset: 0,
  };
}

describeWith(['kafka'], 'acceptance: Modbus TCP to kiln.raw.v1', () => {
  const connectorId = uniqueName('modbus-acceptance');
  const sourceIdOf = (wordOrder: WordOrder): string => `modbus/${connectorId}/${wordOrder.toLowerCase()}`;
  const simulators: SimulatorHandle[] = [];
  let running: IngestionInProcess | undefined;
  let reader: TopicReader | undefined;

  afterAll(async () => {
    await running?.stop();
    await reader?.close();
    for (const simulator of simulators) await simulator.stop();
  }, 30_000);

  it('reads the plant values in word orders ABCD and CDAB, exact for counters and float32-exact for analog values', async () => {
    const configs = { ABCD: simulatorConfig('ABCD', 21), CDAB: simulatorConfig('CDAB', 22) };
    const devices: ModbusConnectorConfigInput['devices'] = [];
    const maps = new Map<WordOrder, ModbusRegisterEntry[]>();
    const handles = new Map<WordOrder, SimulatorHandle>();
    for (const wordOrder of WORD_ORDERS) {
      const config = configs[wordOrder];
      const simulator = await startSimulator(config, { manualClock: true });
      simulators.push(simulator);
      handles.set(wordOrder, simulator);
      const modbus = simulator.modbus;
      if (modbus === undefined) throw new Error(`the ${wordOrder} simulator started without Modbus`);
      const map = modbusRegisterMapOf(config);
      expect(map.every((entry) => entry.wordOrder === wordOrder)).toBe(true);
      maps.set(wordOrder, map);
      devices.push({
        id: wordOrder.toLowerCase(),
        host: '127.0.0.1',
        port: modbus.port,
        pollIntervalMs: POLL_INTERVAL_MS,
        backoff: { initialMs: 200, maxMs: 1000 },
        registers: map.map(registerOf),
      });
    }

    const sourceIds = new Set(WORD_ORDERS.map(sourceIdOf));
    reader = await startTopicReader('modbus-acceptance', { keepSource: (id) => sourceIds.has(id) });
    running = await startIngestionInProcess('modbus-acceptance', [
      { kind: 'modbus', id: connectorId, devices },
    ]);
    const kafka = reader;

    // Two rounds: the plant runs on (clock of the test), then stands still while ingestion polls it.
    for (const [round, advanceMs] of [
      [1, 20 * 60_000],
      [2, 45 * 60_000],
    ] as const) {
      for (const simulator of handles.values()) simulator.plant.advance(advanceMs);
      // Only polls sent after the advance count: a response already on its way carries the old values.
      const pausedAtUs = (Date.now() + POLL_INTERVAL_MS * 2) * 1000;
      const latest = (wordOrder: WordOrder): Map<string, number | undefined> => {
        const values = new Map<string, number | undefined>();
        for (const sample of kafka.samplesOf(sourceIdOf(wordOrder))) {
          if (sample.receiveTimeUs <= pausedAtUs) continue;
          values.set(sample.tag, typeof sample.value === 'number' ? sample.value : undefined);
        }
        return values;
      };
      await waitUntil(
        () =>
          WORD_ORDERS.every((wordOrder) => latest(wordOrder).size === (maps.get(wordOrder)?.length ?? -1)),
        {
          timeoutMs: 20_000,
          what: `a complete poll of both devices after round ${round}`,
          describe: () =>
            WORD_ORDERS.map((wordOrder) => `${wordOrder}: ${latest(wordOrder).size}`).join(', '),
        },
      );

      for (const wordOrder of WORD_ORDERS) {
        const plant = handles.get(wordOrder)?.plant;
        if (plant === undefined) throw new Error(`no ${wordOrder} simulator`);
        const read = latest(wordOrder);
        const expected: Record<string, number> = {};
        const actual: Record<string, number | undefined> = {};
        for (const entry of maps.get(wordOrder) ?? []) {
          const value = plant.value(entry.assetId, entry.signal);
          if (typeof value !== 'number') throw new Error(`${entry.signal} is not a number on Modbus`);
          const tag = tagOf(entry);
          const got = read.get(tag);
          // A float32 arrives as its shortest decimal (decode.test.ts): the same float32 once read back as one.
          expected[tag] = entry.type === 'float32' ? Math.fround(value) : value;
          actual[tag] = entry.type === 'float32' && got !== undefined ? Math.fround(got) : got;
        }
        // 8 machines x 10 signals x (holding + input) = 160 values per device.
        expect(Object.keys(expected)).toHaveLength(160);
        expect(actual).toEqual(expected);
      }
    }
  });
});
