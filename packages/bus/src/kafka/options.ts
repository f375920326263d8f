import type { BusOptions } from '../types';
import type { KafkaCompression } from './codecs';

export interface KafkaSaslOptions {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

/** TLS to the brokers with a CA of the plant's own and, for mutual TLS, a client certificate (PEM contents). */
export interface KafkaTlsOptions {
  ca?: Buffer[];
  cert?: Buffer;
  key?: Buffer;
}

export interface KafkaBusOptions extends BusOptions {
  brokers: readonly string[];
  clientId: string;
  /** true: TLS trusting the system's CAs; an object: with these CA and client certificate files' contents. */
  ssl?: boolean | KafkaTlsOptions;
  sasl?: KafkaSaslOptions;
  /**
   * The codec of produced record batches. Consumers read every codec whatever this says (codecs.ts). lz4 costs the
   * least CPU per byte saved on one box (docs/architecture.md section 8, "Kafka here"); gzip the most.
   */
  compression?: KafkaCompression;
  /** Partitions of one member handled at the same time (each still strictly in order). */
  partitionsConsumedConcurrently?: number;
  /**
   * How long the group waits for a member that stopped answering before its partitions go to the others: the
   * pause after a crash (kill -9). A member that closes leaves at once and costs no such wait.
   */
  sessionTimeoutMs?: number;
  /** At most this often the member tells the group it is alive, also while a long batch runs. */
  heartbeatIntervalMs?: number;
  /** The longest a fetch waits for new records (or for minBytes of them); lower means lower latency, more requests. */
  maxWaitTimeMs?: number;
  /**
   * A fetch returns once this many bytes are there (or maxWaitTimeMs passed): under load, fewer and larger batches,
   * each costing one database transaction, one offset commit; 1 answers at the first record.
   */
  minBytes?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Replication factor of provisioned topics; -1 lets the broker's default.replication.factor decide. */
  replicationFactor?: number;
  /** Upper bound of one produce request's payload; a single record must stay under the broker's limit. */
  maxRequestBytes?: number;
  /** Fetch size per partition; the largest record (1 MiB) must fit. */
  maxBytesPerPartition?: number;
  /**
   * How long a publish keeps trying through an outage (broker restart, leader election) after its first failure
   * before the error goes to the caller.
   */
  publishRetryWindowMs?: number;
}

export const kafkaDefaults = {
  compression: 'lz4',
  partitionsConsumedConcurrently: 4,
  // A crashed member holds its partitions for at most 10 s; three heartbeats fit in that window, sent also during
  // long batches, so only an event loop blocked for 10 s (not a slow batch) makes the group rebalance.
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 3_000,
  maxWaitTimeMs: 100,
  minBytes: 64 * 1024,
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
  replicationFactor: -1,
  // The broker's default message.max.bytes is 1 MiB + 12 bytes for a whole record batch.
  maxRequestBytes: 900 * 1024,
  maxBytesPerPartition: 2 * 1024 * 1024,
  drainTimeoutMs: 8_000,
  publishRetryWindowMs: 120_000,
} as const;
