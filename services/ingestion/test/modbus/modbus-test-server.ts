// A Modbus TCP device for tests: jsmodbus's server over real TCP. jsmodbus answers a read past the end of its
// register buffers with fewer registers instead of exception 2 (illegal data address), as real devices do;
// holding and input registers are therefore served here with the range check of the specification.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ModbusTCPRequest, ModbusTCPResponse, ModbusTCPServer, requests, responses } from 'jsmodbus';

export interface ModbusTestDevice {
  readonly port: number;
  readonly holding: Buffer;
  readonly input: Buffer;
  readonly coils: Buffer;
  readonly discrete: Buffer;
  /** Read requests served so far. */
  readonly reads: () => number;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

export interface ModbusTestDeviceOptions {
  /** Register counts (default 100 each) and coil/discrete bytes (default 16 each). */
  readonly holdingRegisters?: number;
  readonly inputRegisters?: number;
  /** Listen on this port (to bring a device back where it was); default a free one. */
  readonly port?: number;
  /** Reuse these memories (to bring a device back with the same values). */
  readonly memory?: Pick<ModbusTestDevice, 'holding' | 'input' | 'coils' | 'discrete'>;
}

export async function startModbusTestDevice(
  options: ModbusTestDeviceOptions = {},
): Promise<ModbusTestDevice> {
  const holding = options.memory?.holding ?? Buffer.alloc((options.holdingRegisters ?? 100) * 2);
  const input = options.memory?.input ?? Buffer.alloc((options.inputRegisters ?? 100) * 2);
  const coils = options.memory?.coils ?? Buffer.alloc(16);
  const discrete = options.memory?.discrete ?? Buffer.alloc(16);
  const sockets = new Set<Socket>();
  let reads = 0;

  const netServer: Server = createServer();
  netServer.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  // holding/input undefined: jsmodbus then asks these listeners instead of slicing its buffers.
  const modbus = new ModbusTCPServer(netServer, { holding: undefined, input: undefined, coils, discrete });
  const serve = (request: unknown, cb: (payload: Buffer) => void): void => {
    reads += 1;
    if (!(request instanceof ModbusTCPRequest)) return;
    const body: unknown = request.body;
    let responseBody;
    if (requests.isReadHoldingRegistersRequestBody(body)) {
      responseBody =
        (body.start + body.count) * 2 <= holding.length
          ? responses.ReadHoldingRegistersResponseBody.fromRequest(body, holding)
          : new responses.ExceptionResponseBody(body.fc, 0x02);
    } else if (requests.isReadInputRegistersRequestBody(body)) {
      responseBody =
        (body.start + body.count) * 2 <= input.length
          ? responses.ReadInputRegistersResponseBody.fromRequest(body, input)
          : new responses.ExceptionResponseBody(body.fc, 0x02);
    } else {
      return;
    }
    cb(ModbusTCPResponse.fromRequest(request, responseBody).createPayload());
  };
  modbus.on('readHoldingRegisters', serve);
  modbus.on('readInputRegisters', serve);
  modbus.on('preReadCoils', () => {
    reads += 1;
  });
  modbus.on('preReadDiscreteInputs', () => {
    reads += 1;
  });

  await new Promise<void>((resolve, reject) => {
    netServer.once('error', reject);
    netServer.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (netServer.address() as AddressInfo).port;

  return {
    port,
    holding,
    input,
    coils,
    discrete,
    reads: () => reads,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        netServer.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound once by the OS, then released. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Writes a float32 into holding memory with the high word first (ABCD) or the low word first (CDAB). */
export function writeFloat32(
  memory: Buffer,
  address: number,
  value: number,
  wordOrder: 'big' | 'little',
): void {
  const bytes = Buffer.alloc(4);
  bytes.writeFloatBE(value);
  const high = bytes.readUInt16BE(0);
  const low = bytes.readUInt16BE(2);
  memory.writeUInt16BE(wordOrder === 'big' ? high : low, address * 2);
  memory.writeUInt16BE(wordOrder === 'big' ? low : high, address * 2 + 2);
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
