// Input a connector could not read: counted per cause, logged once per cause per minute, and sent unchanged to
// kiln.dlq.v1 with headers naming the connector, where it came from and why. It goes through the
// store-and-forward buffer like samples do, so a bus outage loses no rejected payload either.
import { dlqHeaderNames, topics } from '@kiln/contracts';
import type { Entry } from '../buffer/framing';
import type { Logger } from '@kiln/service-kit';
import type { RejectedInput } from '../connectors/types';

export const INGESTION_SERVICE = 'ingestion';
const MAX_ERROR_LENGTH = 2_000;

export interface RejectSinkOptions {
  /** Appends to the store-and-forward buffer; false when its overflow policy refused the entry. */
  append(record: Omit<Entry, 'id'>): boolean;
  logger: Logger;
  /** How often the same cause of the same connector is logged at most. */
  logIntervalMs: number;
  onRejected(connectorId: string, cause: string): void;
  /** The buffer was full and its policy dropped the rejected payload (counted there too). */
  onDeadLetterDropped(connectorId: string): void;
}

export class RejectSink {
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly options: RejectSinkOptions) {}

  reject(connectorId: string, input: RejectedInput): void {
    this.options.onRejected(connectorId, input.cause);
    this.log(connectorId, input);
    const message = describe(input.error).slice(0, MAX_ERROR_LENGTH);
    const accepted = this.options.append({
      topic: topics.dlq.name,
      key: input.sourceId,
      value: input.payload,
      samples: 0,
      headers: {
        [dlqHeaderNames.sourceTopic]: input.origin ?? input.sourceId,
        [dlqHeaderNames.sourceKey]: input.sourceId,
        [dlqHeaderNames.service]: INGESTION_SERVICE,
        [dlqHeaderNames.consumerGroup]: `connector/${connectorId}`,
        [dlqHeaderNames.error]: message,
        [dlqHeaderNames.errorKind]: input.cause,
        [dlqHeaderNames.time]: new Date().toISOString(),
      },
    });
    if (!accepted) this.options.onDeadLetterDropped(connectorId);
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
