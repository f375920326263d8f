// One TCP connection to one Modbus device through jsmodbus: connect with a timeout, read a range, close.
// A read either returns data, returns the device's exception response (the device is fine, the request was
// not), or throws ConnectionLostError (timeout, closed socket, garbled framing): then the session is over.
import { Socket } from 'node:net';
import { ModbusTCPClient, ModbusTCPResponse, UserRequestError, responses } from 'jsmodbus';
import { nowMicros } from '../types';
import type { ReadRange } from './plan';

export interface DeviceAddress {
  readonly host: string;
  readonly port: number;
  readonly unitId: number;
  readonly timeoutMs: number;
}

export type RangeReadResult =
  | {
      readonly kind: 'data';
      /** Register bytes as sent (holding/input) or packed bits (coil/discrete), covering the range. */
      readonly data: Buffer;
      /** When the response arrived, µs since the epoch. */
      readonly receiveTimeUs: number;
    }
  | {
      readonly kind: 'exception';
      /** Modbus exception code (2 = illegal data address, ...). */
      readonly code: number;
      readonly message: string;
      /** The response as received (MBAP header and PDU). */
      readonly response: Uint8Array;
    }
  | {
      /** The device answered with fewer registers than asked for. */
      readonly kind: 'short';
      readonly received: number;
      readonly response: Uint8Array;
    };

/** The connection failed or broke; the device counts as down until a new session connects. */
export class ConnectionLostError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectionLostError';
  }
}

export class ModbusTcpSession {
  private closedReason: string | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly client: ModbusTCPClient,
    private readonly address: DeviceAddress,
  ) {
    socket.on('close', () => {
      this.closedReason ??= 'the device closed the connection';
    });
  }

  /** Connects or throws ConnectionLostError; `signal` aborts the attempt. */
  static connect(address: DeviceAddress, signal: AbortSignal): Promise<ModbusTcpSession> {
    const socket = new Socket();
    // The client listens for 'connect' to go online, so it must exist before the socket connects.
    const client = new ModbusTCPClient(socket, address.unitId, address.timeoutMs);
    // jsmodbus registers no 'error' listener; without one a refused connection would crash the process.
    socket.on('error', () => undefined);
    return new Promise<ModbusTcpSession>((resolve, reject) => {
      const fail = (message: string, cause?: unknown): void => {
        cleanup();
        socket.destroy();
        reject(new ConnectionLostError(message, { cause }));
      };
      const onConnect = (): void => {
        cleanup();
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 10_000);
        resolve(new ModbusTcpSession(socket, client, address));
      };
      const onError = (error: Error): void =>
        fail(`connect to ${target(address)} failed: ${error.message}`, error);
      const onAbort = (): void => fail(`connect to ${target(address)} aborted`);
      const timer = setTimeout(
        () => fail(`connect to ${target(address)} timed out after ${address.timeoutMs} ms`),
        address.timeoutMs,
      );
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('error', onError);
        signal.removeEventListener('abort', onAbort);
      };
      if (signal.aborted) {
        fail(`connect to ${target(address)} aborted`);
        return;
      }
      socket.once('connect', onConnect);
      socket.once('error', onError);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.connect({ host: address.host, port: address.port });
    });
  }

  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  async read(range: ReadRange): Promise<RangeReadResult> {
    if (this.closedReason !== undefined) throw new ConnectionLostError(this.closedReason);
    try {
      const { response } = await this.request(range);
      const receiveTimeUs = nowMicros();
      const data = response.body.valuesAsBuffer;
      const expectedBytes =
        range.area === 'coil' || range.area === 'discrete' ? Math.ceil(range.count / 8) : range.count * 2;
      if (data.length < expectedBytes) {
        return { kind: 'short', received: data.length, response: response.createPayload() };
      }
      return { kind: 'data', data, receiveTimeUs };
    } catch (error) {
      const exception = exceptionOf(error);
      if (exception !== undefined) return exception;
      const reason =
        error instanceof UserRequestError
          ? `${error.err}: ${error.message}`
          : error instanceof Error
            ? error.message
            : String(error);
      this.close(
        `reading ${range.area} ${range.start}+${range.count} from ${target(this.address)} failed: ${reason}`,
      );
      throw new ConnectionLostError(this.closedReason ?? reason, { cause: error });
    }
  }

  /** Closes the connection; requests still queued fail with ConnectionLostError. */
  close(reason = 'closed'): void {
    this.closedReason ??= reason;
    this.socket.destroy();
  }

  private request(range: ReadRange) {
    switch (range.area) {
      case 'holding':
        return this.client.readHoldingRegisters(range.start, range.count);
      case 'input':
        return this.client.readInputRegisters(range.start, range.count);
      case 'coil':
        return this.client.readCoils(range.start, range.count);
      case 'discrete':
        return this.client.readDiscreteInputs(range.start, range.count);
    }
  }
}

function exceptionOf(error: unknown): RangeReadResult | undefined {
  if (!(error instanceof UserRequestError) || error.err !== 'ModbusException') return undefined;
  const response: unknown = error.response;
  if (!(response instanceof ModbusTCPResponse)) return undefined;
  const body: unknown = response.body;
  if (!(body instanceof responses.ExceptionResponseBody)) return undefined;
  return { kind: 'exception', code: body.code, message: body.message, response: response.createPayload() };
}

function target(address: DeviceAddress): string {
  return `${address.host}:${address.port} unit ${address.unitId}`;
}
