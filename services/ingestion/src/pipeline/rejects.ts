// Input a connector could not read: counted per cause, logged once per cause per minute, and sent unchanged to
// kiln.dlq.v1 with headers naming the connector, where it came from and why. It goes through the
// store-and-forward buffer like samples do, so a bus outage loses no rejected payload either.
import { dlqHeaderNames, topics } from '@kiln/contracts';
import type { Entry } from '../buffer/framing';
import type { Logger } from '@kiln/service-kit';
import type { RejectedInput } from '../connectors/types';

export const INGESTION_SERVICE = 'ingestion';
const MAX_ERROR_LENGTH = 2_000;
/** Longest key and origin header kept: an MQTT topic may be 64 KiB, a buffered entry's metadata may not. */
const MAX_NAME_LENGTH = 1_024;

export interface RejectSinkOptions {
  /** Appends to the store-and-forward buffer; false when its overflow policy refused the entry. */
  append(record: Omit<Entry, 'id'>): boolean;
  logger: Logger;
  /** How often the same cause of the same connector is logged at most. */
  logIntervalMs: number;
  onRejected(connectorId: string, cause: string): void;
  /** The buffer was full and its policy dropped the rejected payload (counted there too). */
  onDeadLetterDropped(connectorId: string): void;
  /** Payloads longer than this are dead-lettered cut to it (deadLetters.maxPayloadBytes). */
  maxPayloadBytes: number;
}

export class RejectSink {
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly options: RejectSinkOptions) {}

  /**
   * Never throws: it is called from connectors' event handlers, where an exception would end the process.
   * Returns whether the buffer took the dead letter.
   */
  reject(connectorId: string, input: RejectedInput): boolean {
    try {
      this.options.onRejected(connectorId, input.cause);
      this.log(connectorId, input);
      const accepted = this.options.append(deadLetterEntry(connectorId, input, this.options.maxPayloadBytes));
      if (!accepted) this.options.onDeadLetterDropped(connectorId);
      return accepted;
    } catch (error) {
      this.options.logger.error(
        { err: error, connector: connectorId, cause: input.cause, sourceId: clipped(input.sourceId) },
        'a rejected payload could not be kept for kiln.dlq.v1',
      );
      this.options.onDeadLetterDropped(connectorId);
      return false;
    }
  }

  private log(connectorId: string, input: RejectedInput): void {
    const key = `${connectorId}\u0000${input.cause}`;
    const now = Date.now();
    const last = this.lastLogged.get(key);
    if (last && now - last.at < this.options.logIntervalMs) {
      last.suppressed += 1;
      return;
    }
    this.lastLogged.set(key, { at: now, suppressed: 0 });
    this.options.logger.warn(
      {
        connector: connectorId,
        cause: input.cause,
        sourceId: input.sourceId,
        origin: input.origin,
        error: describe(input.error),
        ...(last ? { similarSinceLastLog: last.suppressed } : {}),
      },
      `input rejected (${input.cause}); the payload is in ${topics.dlq.name}`,
    );
  }
}

/** The buffered dead letter of rejected input: payload cut to maxPayloadBytes, names cut to a header's length. */
export function deadLetterEntry(
  connectorId: string,
  input: RejectedInput,
  maxPayloadBytes: number,
): Omit<Entry, 'id'> {
  const payload = input.payload;
  const truncated = payload.byteLength > maxPayloadBytes;
  return {
    topic: topics.dlq.name,
    key: clipped(input.sourceId),
    value: truncated ? payload.subarray(0, maxPayloadBytes) : payload,
    samples: 0,
    headers: {
      [dlqHeaderNames.sourceTopic]: clipped(input.origin ?? input.sourceId),
      [dlqHeaderNames.sourceKey]: clipped(input.sourceId),
      [dlqHeaderNames.service]: INGESTION_SERVICE,
      [dlqHeaderNames.consumerGroup]: clipped(`connector/${connectorId}`),
      [dlqHeaderNames.error]: describe(input.error).slice(0, MAX_ERROR_LENGTH),
      [dlqHeaderNames.errorKind]: clipped(input.cause),
      [dlqHeaderNames.time]: new Date().toISOString(),
      ...(truncated ? { [dlqHeaderNames.payloadTruncatedFrom]: String(payload.byteLength) } : {}),
    },
  };
}

function clipped(text: string): string {
  return text.length > MAX_NAME_LENGTH ? text.slice(0, MAX_NAME_LENGTH) : text;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
