import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  modbusConnectorConfigSchema,
  type ModbusConnectorConfigInput,
} from '../../src/connectors/modbus/config';
import { createModbusConnector } from '../../src/connectors/modbus/modbus-connector';
import type { Connector } from '../../src/connectors/types';
import { collectingContext, type CollectingContext } from '../support/collecting-context';
import {
  startModbusTestDevice,
  unusedPort,
  waitFor,
  writeFloat32,
  type ModbusTestDevice,
} from './modbus-test-server';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function device(options?: Parameters<typeof startModbusTestDevice>[0]): Promise<ModbusTestDevice> {
  const started = await startModbusTestDevice(options);
  cleanups.push(() => started.close());
  return started;
}

async function run(config: ModbusConnectorConfigInput, context = collectingContext('modbus-test')) {
  const connector: Connector = createModbusConnector(modbusConnectorConfigSchema.parse(config));
  await connector.start(context);
  cleanups.push(() => connector.stop());
  return { connector, context };
}

function lastValue(context: CollectingContext, tag: string) {
  return context.samplesOf(tag).at(-1)?.value;
}

describe('Modbus TCP connector', () => {
  it('decodes a register map read from a device: both word orders, signed, unsigned, flags, text, scaling', async () => {
    const plc = await device();
    writeFloat32(plc.holding, 0, 123.456, 'big');
    writeFloat32(plc.holding, 2, 123.456, 'little');
    plc.holding.writeInt16BE(-1234, 4 * 2);
    plc.holding.writeUInt32BE(4_000_000_000, 5 * 2);
    plc.holding.writeInt32BE(-70_000, 7 * 2);
    plc.holding.write('PRESS-04', 10 * 2, 'latin1');
    plc.holding.writeUInt16BE(655, 20 * 2);
    plc.holding.writeUInt16BE(0b1000, 21 * 2);
    plc.input.writeUInt16BE(1500, 3 * 2);
    plc.coils.writeUInt8(0b0010_0000, 0); // coil 5
    plc.discrete.writeUInt8(0b0000_0100, 1); // discrete input 10

    const before = Date.now() * 1000;
    const { context } = await run({
      kind: 'modbus',
      id: 'press-hall',
      devices: [
        {
          id: 'press-04',
          host: '127.0.0.1',
          port: plc.port,
          pollIntervalMs: 100,
          registers: [
            { tag: 'force_abcd', area: 'holding', address: 0, type: 'float32' },
            { tag: 'force_cdab', area: 'holding', address: 2, type: 'float32', wordOrder: 'little' },
            { tag: 'offset', area: 'holding', address: 4, type: 'int16' },
            { tag: 'strokes', area: 'holding', address: 5, type: 'uint32' },
            { tag: 'position', area: 'holding', address: 7, type: 'int32' },
            { tag: 'recipe', area: 'holding', address: 10, type: 'string', length: 5 },
            { tag: 'oil_temp', area: 'holding', address: 20, type: 'uint16', scale: 0.1, offset: -40 },
            { tag: 'fault', area: 'holding', address: 21, type: 'bool', bit: 3 },
            { tag: 'ready', area: 'holding', address: 21, type: 'bool', bit: 2 },
            { tag: 'speed', area: 'input', address: 3, type: 'uint16' },
            { tag: 'running', area: 'coil', address: 5, type: 'bool' },
            { tag: 'idle', area: 'coil', address: 4, type: 'bool' },
            { tag: 'door_closed', area: 'discrete', address: 10, type: 'bool' },
          ],
        },
      ],
    });

    await waitFor(() => context.samplesOf('door_closed').length > 0, 5000, 'a first poll');
    expect(lastValue(context, 'force_abcd')).toBeCloseTo(123.456, 4);
    expect(lastValue(context, 'force_cdab')).toBeCloseTo(123.456, 4);
    expect(lastValue(context, 'offset')).toBe(-1234);
    expect(lastValue(context, 'strokes')).toBe(4_000_000_000);
    expect(lastValue(context, 'position')).toBe(-70_000);
    expect(lastValue(context, 'recipe')).toBe('PRESS-04');
    expect(lastValue(context, 'oil_temp')).toBeCloseTo(25.5, 10);
    expect(lastValue(context, 'fault')).toBe(true);
    expect(lastValue(context, 'ready')).toBe(false);
    expect(lastValue(context, 'speed')).toBe(1500);
    expect(lastValue(context, 'running')).toBe(true);
    expect(lastValue(context, 'idle')).toBe(false);
    expect(lastValue(context, 'door_closed')).toBe(true);

    const first = context.samples[0];
    expect(first?.sourceId).toBe('modbus/press-hall/press-04');
    expect(first?.sample).toMatchObject({ quality: 'good', statusCode: 0 });
    expect(first?.sample.sourceTimeUs).toBeUndefined();
    expect(first?.sample.receiveTimeUs).toBeGreaterThanOrEqual(before);
    expect(first?.sample.receiveTimeUs).toBeLessThanOrEqual(Date.now() * 1000 + 1000);
    expect(context.currentState()).toBe('connected');
    expect(context.rejected).toEqual([]);

    // Every poll emits every value, changed or not; a change shows in the next poll.
    plc.holding.writeInt16BE(42, 4 * 2);
    await waitFor(() => lastValue(context, 'offset') === 42, 3000, 'the changed value');
    expect(context.samplesOf('recipe').length).toBeGreaterThan(1);
  });

  it('dead-letters a range the device refuses with an exception and still reads the others', async () => {
    const plc = await device({ holdingRegisters: 100 });
    plc.holding.writeUInt16BE(7, 95 * 2);
    plc.input.writeUInt16BE(9, 0);
    const { context } = await run({
      kind: 'modbus',
      id: 'line-1',
      devices: [
        {
          id: 'plc-1',
          host: '127.0.0.1',
          port: plc.port,
          pollIntervalMs: 50,
          registers: [
            { tag: 'counter', area: 'holding', address: 95, type: 'uint16' },
            // Registers 98..101: the device has only 100.
            { tag: 'beyond', area: 'holding', address: 98, type: 'float64' },
            { tag: 'level', area: 'input', address: 0, type: 'uint16' },
          ],
        },
      ],
    });

    await waitFor(() => context.samplesOf('counter').length >= 3, 5000, 'three polls');
    expect(lastValue(context, 'counter')).toBe(7);
    expect(lastValue(context, 'level')).toBe(9);
    expect(context.samplesOf('beyond')).toEqual([]);

    // Reported once, not once per poll.
    expect(context.rejected).toHaveLength(1);
    const [rejected] = context.rejected;
    expect(rejected).toMatchObject({
      sourceId: 'modbus/line-1/plc-1',
      cause: 'modbus-exception',
      origin: 'plc-1/holding/98',
    });
    expect(String(rejected?.error)).toMatch(/exception code 2 \(ILLEGAL DATA ADDRESS\)/);
    expect(String(rejected?.error)).toMatch(/holding 98\.\.101 \(beyond\)/);
    // MBAP header (7 bytes), then function code 0x83 (read holding registers + 0x80) and exception code 2.
    expect([...(rejected?.payload ?? []).slice(7)]).toEqual([0x83, 0x02]);
    expect(context.currentState()).toBe('connected');

    // Counted per refused range and poll, with its cause and code; the polls themselves went through.
    const { polls, failures } = await pollsAndFailures(context);
    expect(failures).toEqual({ 'plc-1|modbus-exception|2': expect.any(Number) });
    const ok = polls['plc-1|ok'] ?? 0;
    expect(ok).toBeGreaterThanOrEqual(3);
    expect(failures['plc-1|modbus-exception|2']).toBeGreaterThanOrEqual(ok);
    expect(failures['plc-1|modbus-exception|2']).toBeLessThanOrEqual(ok + 1);
    expect(Object.keys(polls)).toEqual(['plc-1|ok']);
  });

  it('counts each refused range of a poll, not the poll', async () => {
    const plc = await device({ holdingRegisters: 20, inputRegisters: 20 });
    const { connector, context } = await run({
      kind: 'modbus',
      id: 'line-2',
      devices: [
        {
          id: 'plc-2',
          host: '127.0.0.1',
          port: plc.port,
          pollIntervalMs: 50,
          registers: [
            { tag: 'good', area: 'holding', address: 0, type: 'uint16' },
            { tag: 'beyond-holding', area: 'holding', address: 50, type: 'uint16' },
            { tag: 'beyond-input', area: 'input', address: 50, type: 'uint16' },
          ],
        },
      ],
    });
    await waitFor(() => context.samplesOf('good').length >= 4, 5000, 'four polls');
    await connector.stop();
    const { polls, failures } = await pollsAndFailures(context);
    const ok = polls['plc-2|ok'] ?? 0;
    expect(ok).toBeGreaterThanOrEqual(4);
    expect(polls).toEqual({ 'plc-2|ok': ok });
    // Two ranges refused in every poll (and in the one stop cut short): twice the polls, under cause and code.
    expect(Object.keys(failures)).toEqual(['plc-2|modbus-exception|2']);
    expect(failures['plc-2|modbus-exception|2']).toBeGreaterThanOrEqual(2 * ok);
    expect(failures['plc-2|modbus-exception|2']).toBeLessThanOrEqual(2 * ok + 2);
  });

  it('keeps polling a good device at its interval while a dead and a silent device back off', async () => {
    const good = await device();
    const deadPort = await unusedPort();
    const silent = await silentDevice();
    const { context } = await run({
      kind: 'modbus',
      id: 'hall',
      devices: [
        {
          id: 'good',
          host: '127.0.0.1',
          port: good.port,
          pollIntervalMs: 100,
          registers: [{ tag: 'good.value', area: 'holding', address: 0, type: 'uint16' }],
        },
        {
          id: 'dead',
          host: '127.0.0.1',
          port: deadPort,
          pollIntervalMs: 100,
          backoff: { initialMs: 200, maxMs: 400 },
          registers: [{ tag: 'dead.value', area: 'holding', address: 0, type: 'uint16' }],
        },
        {
          id: 'silent',
          host: '127.0.0.1',
          port: silent.port,
          pollIntervalMs: 100,
          timeoutMs: 300,
          backoff: { initialMs: 200, maxMs: 400 },
          registers: [{ tag: 'silent.value', area: 'holding', address: 0, type: 'uint16' }],
        },
      ],
    });

    await waitFor(() => context.samplesOf('good.value').length > 0, 5000, 'the good device');
    const polledBefore = context.samplesOf('good.value').length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const polls = context.samplesOf('good.value').length - polledBefore;
    // 15 at the nominal rate; loosely, on a busy machine.
    expect(polls).toBeGreaterThanOrEqual(8);
    // Without backoff the silent device would be reconnected after every 300 ms timeout (5 times or more).
    expect(silent.connections()).toBeLessThanOrEqual(4);
    expect(context.samplesOf('dead.value')).toEqual([]);

    // The connector works while one of its devices does; the detail names those down.
    const last = context.states.at(-1);
    expect(last?.state).toBe('connected');
    expect(last?.detail).toMatch(/2 of 3 devices down/);
    expect(last?.detail).toMatch(/dead \(connect to 127\.0\.0\.1:\d+ unit 1 failed: .*ECONNREFUSED/);
    expect(last?.detail).toMatch(/silent \(/);
    const up = await context.registry.getSingleMetricAsString('kiln_modbus_device_up');
    expect(up).toMatch(/device="good"[^}]*\} 1/);
    expect(up).toMatch(/device="dead"[^}]*\} 0/);
  });

  it('resumes polling when a device that went away comes back', async () => {
    const first = await startModbusTestDevice();
    first.holding.writeUInt16BE(1, 0);
    const { context } = await run({
      kind: 'modbus',
      id: 'hall',
      devices: [
        {
          id: 'flaky',
          host: '127.0.0.1',
          port: first.port,
          pollIntervalMs: 50,
          timeoutMs: 500,
          backoff: { initialMs: 100, maxMs: 200 },
          registers: [{ tag: 'value', area: 'holding', address: 0, type: 'uint16' }],
        },
      ],
    });
    await waitFor(() => lastValue(context, 'value') === 1, 5000, 'the first value');
    expect(context.currentState()).toBe('connected');

    await first.close();
    await waitFor(() => context.currentState() === 'disconnected', 5000, 'the device to be seen down');
    await new Promise((resolve) => setTimeout(resolve, 300));

    first.holding.writeUInt16BE(2, 0);
    await device({ port: first.port, memory: first });
    await waitFor(() => lastValue(context, 'value') === 2, 5000, 'polling to resume');
    expect(context.currentState()).toBe('connected');
  });

  it('shares its metrics between connectors of one registry and reports stopped', async () => {
    const plc = await device();
    const context = collectingContext('modbus-test');
    const config = (id: string): ModbusConnectorConfigInput => ({
      kind: 'modbus',
      id,
      devices: [
        {
          id: 'plc',
          host: '127.0.0.1',
          port: plc.port,
          pollIntervalMs: 50,
          registers: [{ tag: 'value', area: 'holding', address: 0, type: 'uint16' }],
        },
      ],
    });
    const a = createModbusConnector(modbusConnectorConfigSchema.parse(config('a')));
    const b = createModbusConnector(modbusConnectorConfigSchema.parse(config('b')));
    await a.start(context);
    await b.start(context);
    await waitFor(
      () => new Set(context.samples.map((entry) => entry.sourceId)).size === 2,
      5000,
      'both connectors to poll',
    );
    await a.stop();
    await b.stop();
    expect(context.currentState()).toBe('stopped');
    const polls = await context.registry.getSingleMetricAsString('kiln_modbus_polls_total');
    expect(polls).toMatch(/connector="a"/);
    expect(polls).toMatch(/connector="b"/);
    const emitted = context.samples.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(context.samples.length).toBe(emitted);
  });
});

/** Polls by device and result, and refused ranges by device, cause and code, from the connector's metrics. */
async function pollsAndFailures(
  context: CollectingContext,
): Promise<{ polls: Record<string, number>; failures: Record<string, number> }> {
  const byLabels = async (name: string, labels: string[]): Promise<Record<string, number>> => {
    const metric = await context.registry.getSingleMetric(name)?.get();
    const counts: Record<string, number> = {};
    for (const value of metric?.values ?? []) {
      if (value.value === 0) continue;
      const key = labels.map((label) => String(value.labels[label])).join('|');
      counts[key] = (counts[key] ?? 0) + value.value;
    }
    return counts;
  };
  return {
    polls: await byLabels('kiln_modbus_polls_total', ['device', 'result']),
    failures: await byLabels('kiln_modbus_range_failures_total', ['device', 'cause', 'code']),
  };
}

/** Accepts connections and never answers: a device whose every read times out. */
async function silentDevice(): Promise<{ port: number; connections: () => number }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}
