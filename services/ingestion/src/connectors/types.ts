// What a connector is to the ingestion service: it reads one kind of source and hands samples to the
// pipeline, which batches them per source, keeps them in the store-and-forward buffer and publishes them to
// kiln.raw.v1. A connector never waits for the bus: `emit` returns at once whatever the bus is doing. A connector
// that acknowledges its source (HTTP 202, MQTT PUBACK) uses `emitDurable` and acknowledges once it resolves:
// the samples are then written to the buffer's files, and a kill -9 of the process loses none of them.
import type { Logger, Registry } from '@kiln/service-kit';
import type { SampleRules } from '../pipeline/sample-check';

/** A value as read: numbers, 64-bit integers, flags, texts, arrays of numbers (waveforms). */
export type SampleValue = number | bigint | boolean | string | readonly number[];

export type SampleQuality = 'good' | 'uncertain' | 'bad';

export interface Sample {
  /** The tag as the source names it: NodeId or browse path, MQTT topic (+ JSON pointer), Sparkplug metric name, register name. */
  readonly tag: string;
  readonly value: SampleValue;
  readonly quality: SampleQuality;
  /** The source's own status code (OPC UA StatusCode value); 0 where it has none. */
  readonly statusCode: number;
  /** When the source says the value was sampled, µs since the Unix epoch (UTC); undefined where it gives no time. */
  readonly sourceTimeUs?: number;
  /** When the connector received the value, µs since the Unix epoch (UTC). */
  readonly receiveTimeUs: number;
  /** Acquired earlier and sent late (Sparkplug is_historical): the source time holds however old it is. */
  readonly historical?: boolean;
}

export type ConnectorKind = 'opcua' | 'mqtt' | 'sparkplug' | 'modbus' | 'http';

/** Input a connector could not turn into samples. It goes unchanged to kiln.dlq.v1 with its cause. */
export interface RejectedInput {
  readonly sourceId: string;
  /**
   * A short, stable cause, used as a metric label and DLQ header: `malformed-json`, `missing-value`,
   * `wrong-type`, `unknown-alias`, `undecodable-protobuf`, `seq-gap`, `modbus-exception`, `bad-request`, ...
   */
  readonly cause: string;
  /** What exactly was wrong, for the log and the DLQ error header. */
  readonly error: unknown;
  /** The payload as received (MQTT payload, HTTP body, Modbus response); empty when there is none. */
  readonly payload: Uint8Array;
  /** Where in the protocol it came from: MQTT topic, NodeId, register address, HTTP path. */
  readonly origin?: string;
}

export type ConnectorState = 'starting' | 'connected' | 'disconnected' | 'stopped';

/** What the ingestion service gives each connector. */
export interface ConnectorContext {
  /** A child logger named after the connector. */
  readonly logger: Logger;
  /** The service's metrics registry, for connector-specific metrics (label them with the connector id). */
  readonly registry: Registry;
  /**
   * Hands samples of one source to the pipeline; returns at once (store-and-forward absorbs a slow bus).
   * Samples of one sourceId keep their order. Source ids: `opcua/<connector id>`, `mqtt/<connector id>`,
   * `sparkplug/<group>/<edge node>/<device>` (or `.../<edge node>` for node metrics), `modbus/<connector id>/<device>`,
   * `http/<source named in the request>`.
   * `key` is the kiln.raw.v1 record key (the partition): the source id where absent. A connector whose one source
   * carries many devices (MQTT) spreads it over several keys, always giving one tag the same key, so that each
   * tag's samples keep their order (docs/architecture.md section 2).
   */
  emit(sourceId: string, samples: readonly Sample[], key?: string): void;
  /**
   * Like emit; resolves once every buffer entry holding these samples (and the dead letters of those the
   * pipeline's sample check refused) is written to disk, synced too under `fsync: always`. The batch closes at
   * the end of the current tick instead of lingering. Rejects with BufferRefusedError when the buffer's overflow
   * policy refused an entry: the source must not be acknowledged then.
   */
  emitDurable(
    sourceId: string,
    samples: readonly Sample[],
    key?: string,
    options?: EmitOptions,
  ): Promise<void>;
  /**
   * Whether the store-and-forward buffer takes about `bytes` more without its overflow policy dropping or refusing
   * anything. A source that can be told to come back later (HTTP: 503 + Retry-After) asks before it takes a
   * request, so that a full buffer never drops samples already acknowledged. Always true where absent.
   */
  hasRoomFor?(bytes: number): boolean;
  /** Reports input that could not be read: counted per cause, logged once per cause per minute, dead-lettered. */
  reject(input: RejectedInput): void;
  /** Like reject; resolves once the dead letter is written to disk (rejects as emitDurable does). */
  rejectDurable(input: RejectedInput): Promise<void>;
  /** The connection state, exported as a metric and shown by readiness. */
  setState(state: ConnectorState, detail?: string): void;
  /**
   * What the pipeline checks every emitted sample against (time window, text length); a connector that can answer
   * its source (HTTP) refuses such samples itself. Defaults (DEFAULT_SAMPLE_RULES) where absent.
   */
  readonly sampleRules?: SampleRules;
}

export interface Connector {
  /** Unique within the service's configuration. */
  readonly id: string;
  readonly kind: ConnectorKind;
  /**
   * Starts reading. Resolves once the connector runs, even if its source is not reachable yet: it keeps
   * reconnecting on its own (with backoff) and reports its state through the context.
   */
  start(context: ConnectorContext): Promise<void>;
  /** Stops reading and releases connections; samples already emitted are the pipeline's. */
  stop(): Promise<void>;
}

/** The store-and-forward buffer refused entries (it is full and its overflow policy is drop-newest). */
export class BufferRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BufferRefusedError';
  }
}

/** Microseconds since the Unix epoch for a Date or epoch milliseconds. */
export function toMicros(time: Date | number): number {
  const ms = typeof time === 'number' ? time : time.getTime();
  return Math.round(ms * 1000);
}

/** Now, in microseconds since the Unix epoch. */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export interface EmitOptions {
  /**
   * The connector refused every sample the pipeline's check would (sampleProblem with `sampleRules`, just now):
   * the pipeline does not check them again. HTTP does, to answer 400 with each sample's problem.
   */
  readonly checked?: boolean;
}
