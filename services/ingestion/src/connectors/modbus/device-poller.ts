// The poll loop of one device. Each device has its own loop and its own connection, so a device that is
// slow, refuses connections or times out only delays itself. Polls run at a fixed rate (the next poll is due
// pollIntervalMs after the previous one started; an overrun poll is followed at once, never twice).
import type { Logger } from '@kiln/service-kit';
import type { RejectedInput, Sample } from '../types';
import type { ModbusDeviceConfig } from './config';
import { decodeRange } from './decode';
import type { ModbusMetrics } from './metrics';
import { describeRange, planReads, splitRange, type ReadRange } from './plan';
import { ModbusTcpSession, type RangeReadResult } from './tcp-session';

export interface DevicePollerEnvironment {
  readonly sourceId: string;
  readonly logger: Logger;
  readonly metrics: ModbusMetrics;
  emit(samples: readonly Sample[]): void;
  reject(input: RejectedInput): void;
  /** The device went up (connected) or down (with the reason). */
  status(up: boolean, reason?: string): void;
}

/** A range the device refused: its exception code, or the registers it returned instead of all. */
export class ModbusRangeError extends Error {
  constructor(
    message: string,
    readonly device: string,
    readonly range: string,
    readonly exceptionCode?: number,
  ) {
    super(message);
    this.name = 'ModbusRangeError';
  }
}

export class DevicePoller {
  private readonly abort = new AbortController();
  private session: ModbusTcpSession | undefined;
  private plan: ReadRange[];
  private loop: Promise<void> | undefined;
  /** Ranges whose failure was already reported, with the failure; cleared when the range reads again. */
  private readonly reported = new Map<string, string>();

  constructor(
    private readonly device: ModbusDeviceConfig,
    private readonly env: DevicePollerEnvironment,
  ) {
    this.plan = planReads(device.registers, device);
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.env.logger.error({ device: this.device.id, err: error }, 'modbus poll loop ended unexpectedly');
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.session?.close('connector stopped');
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      if (this.session === undefined || !this.session.isOpen) {
        try {
          this.session = await ModbusTcpSession.connect(this.device, signal);
          this.env.metrics.deviceUp(this.device.id, true);
          this.env.status(true);
        } catch (error) {
          if (signal.aborted) break;
          failures += 1;
          await this.backOff(failures, error);
          continue;
        }
      }
      const startedAt = performance.now();
      try {
        await this.poll(this.session);
        this.env.metrics.pollCompleted(this.device.id, 'ok', performance.now() - startedAt);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        this.env.metrics.pollCompleted(this.device.id, 'failed', performance.now() - startedAt);
        this.session.close();
        failures += 1;
        await this.backOff(failures, error);
        continue;
      }
      await sleep(startedAt + this.device.pollIntervalMs - performance.now(), signal);
    }
    this.session?.close('connector stopped');
  }

  private async backOff(failures: number, error: unknown): Promise<void> {
    const delayMs = backoffDelayMs(failures, this.device.backoff);
    const reason = error instanceof Error ? error.message : String(error);
    this.env.metrics.deviceUp(this.device.id, false);
    this.env.status(false, reason);
    const fields = {
      device: this.device.id,
      host: this.device.host,
      port: this.device.port,
      attempt: failures,
      delayMs,
      reason,
    };
    // A device that stays down would otherwise warn every maxMs for hours.
    if (failures === 1 || failures % 20 === 0)
      this.env.logger.warn(fields, 'modbus device unreachable, retrying');
    else this.env.logger.debug(fields, 'modbus device still unreachable, retrying');
    await sleep(delayMs, this.abort.signal);
  }

  /**
   * Reads every range once and emits what it read; throws ConnectionLostError when the device is gone. A range the
   * device refuses is counted (per range, with its cause) and dead-lettered; the poll itself went through.
   */
  private async poll(session: ModbusTcpSession): Promise<void> {
    const samples: Sample[] = [];
    const nextPlan: ReadRange[] = [];
    try {
      for (const range of this.plan) {
        const result = await session.read(range);
        if (result.kind === 'data') {
          samples.push(...this.toSamples(range, result.data, result.receiveTimeUs));
          this.reported.delete(rangeKey(range));
          nextPlan.push(range);
        } else if (range.registers.length > 1 && refusesThisRequest(result)) {
          // A device refuses a whole request for one bad address; read the values one by one from now on,
          // so only the bad one is lost.
          this.env.logger.warn(
            { device: this.device.id, range: describeRange(range), refusal: describeRefusal(result) },
            'modbus device refused a merged read; reading its values one by one',
          );
          for (const single of splitRange(range)) {
            const singleResult = await session.read(single);
            if (singleResult.kind === 'data') {
              samples.push(...this.toSamples(single, singleResult.data, singleResult.receiveTimeUs));
            } else {
              this.refuse(single, singleResult);
            }
            nextPlan.push(single);
          }
        } else {
          this.refuse(range, result);
          nextPlan.push(range);
        }
      }
      this.plan = nextPlan;
    } finally {
      // Values read before a connection broke are still good.
      if (samples.length > 0) this.env.emit(samples);
    }
  }

  private toSamples(range: ReadRange, data: Buffer, receiveTimeUs: number): Sample[] {
    // Modbus carries no timestamps: sourceTimeUs stays undefined and event time becomes receive time.
    return decodeRange(range, data, this.device).map((decoded) => ({
      tag: decoded.tag,
      value: decoded.value,
      quality: decoded.quality,
      statusCode: 0,
      receiveTimeUs,
    }));
  }

  private refuse(range: ReadRange, result: Exclude<RangeReadResult, { kind: 'data' }>): void {
    if (result.kind === 'exception')
      this.env.metrics.rangeFailed(this.device.id, 'modbus-exception', result.code);
    else this.env.metrics.rangeFailed(this.device.id, 'modbus-short-response');
    const refusal = describeRefusal(result);
    const key = rangeKey(range);
    // A wrong address fails on every poll; dead-letter it once, not once per poll (the metric counts every one).
    if (this.reported.get(key) === refusal) return;
    this.reported.set(key, refusal);
    const message =
      `device ${this.device.id} (${this.device.host}:${this.device.port} unit ${this.device.unitId}) ` +
      `refused ${describeRange(range)}: ${refusal}`;
    this.env.reject({
      sourceId: this.env.sourceId,
      cause: result.kind === 'exception' ? 'modbus-exception' : 'modbus-short-response',
      error: new ModbusRangeError(
        message,
        this.device.id,
        describeRange(range),
        result.kind === 'exception' ? result.code : undefined,
      ),
      payload: result.response,
      origin: `${this.device.id}/${range.area}/${range.start}`,
    });
  }
}

/** Doubling from initialMs, capped at maxMs, spread by up to -20 % so devices that failed together part. */
export function backoffDelayMs(failures: number, backoff: { initialMs: number; maxMs: number }): number {
  const capped = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(capped * (0.8 + 0.2 * Math.random()));
}

/**
 * Exceptions 1-3 (illegal function, data address, data value) refuse the request itself, so a smaller one
 * may pass; the others (device failure, busy, gateway target absent) say nothing about which value.
 */
function refusesThisRequest(result: Exclude<RangeReadResult, { kind: 'data' }>): boolean {
  return result.kind === 'short' || result.code <= 3;
}

function describeRefusal(result: Exclude<RangeReadResult, { kind: 'data' }>): string {
  return result.kind === 'exception'
    ? `exception code ${result.code} (${result.message})`
    : `short response (${result.received} bytes)`;
}

function rangeKey(range: ReadRange): string {
  return `${range.area}/${range.start}/${range.count}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
