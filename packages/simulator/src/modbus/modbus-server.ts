// Modbus TCP server (jsmodbus, pure JavaScript) over the register map: every change is written into the
// holding and input register images that the server answers from.
import { createServer, type Server, type Socket } from 'node:net';
import { ModbusTCPServer } from 'jsmodbus';
import type { Logger } from '@kiln/service-kit';
import type { Plant, SignalName } from '../model';
import {
  encodeRegisters,
  MODBUS_BLOCK_LAYOUT,
  MODBUS_BLOCK_SIZE,
  MODBUS_MAX_MACHINES,
  modbusRegisterMap,
  type ModbusRegisterEntry,
  type ModbusValueType,
  type ModbusWordOrder,
} from './register-map';

export interface ModbusServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly wordOrder: ModbusWordOrder;
}

export interface ModbusServerHandle {
  readonly port: number;
  readonly host: string;
  readonly registerMap: readonly ModbusRegisterEntry[];
  stats(): { readonly connections: number; readonly registerWrites: number };
  stop(): Promise<void>;
}

export async function startModbusServer(
  plant: Plant,
  options: ModbusServerOptions,
  logger?: Logger,
): Promise<ModbusServerHandle> {
  if (plant.machines.length > MODBUS_MAX_MACHINES) {
    throw new Error(
      `Modbus serves at most ${MODBUS_MAX_MACHINES} machines (${MODBUS_BLOCK_SIZE} registers each), the plant has ${plant.machines.length}; disable modbus or shrink the plant`,
    );
  }
  const size = plant.machines.length * MODBUS_BLOCK_SIZE * 2;
  const holding = Buffer.alloc(size);
  const input = Buffer.alloc(size);
  const layout = new Map<SignalName, { offset: number; type: ModbusValueType }>(
    MODBUS_BLOCK_LAYOUT.map((entry) => [entry.signal, entry]),
  );
  let registerWrites = 0;
  const write = (plantIndex: number, signal: SignalName, value: unknown): void => {
    const slot = layout.get(signal);
    if (slot === undefined || typeof value !== 'number') return;
    const address = plantIndex * MODBUS_BLOCK_SIZE + slot.offset;
    encodeRegisters(holding, address, slot.type, value, options.wordOrder);
    encodeRegisters(input, address, slot.type, value, options.wordOrder);
    registerWrites += 1;
  };
  const indexOf = new Map(
    plant.machines.map((machine) => [machine.identity.assetId, machine.identity.plantIndex]),
  );
  for (const machine of plant.machines) {
    for (const [signal, value] of Object.entries(machine.snapshot())) {
      write(machine.identity.plantIndex, signal as SignalName, value);
    }
  }
  const unsubscribe = plant.onChange((change) => {
    const plantIndex = indexOf.get(change.assetId);
    if (plantIndex !== undefined) write(plantIndex, change.signal, change.value);
  });

  const netServer: Server = createServer();
  const sockets = new Set<Socket>();
  let connections = 0;
  netServer.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  });
  new ModbusTCPServer(netServer, { holding, input });
  await new Promise<void>((resolve, reject) => {
    netServer.once('error', reject);
    netServer.listen(options.port, options.host, () => resolve());
  });
  const address = netServer.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  logger?.info({ host: options.host, port, wordOrder: options.wordOrder }, 'Modbus TCP server listening');

  return {
    port,
    host: options.host,
    registerMap: modbusRegisterMap(plant, options.wordOrder),
    stats: () => ({ connections, registerWrites }),
    async stop() {
      unsubscribe();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => netServer.close(() => resolve()));
    },
  };
}
