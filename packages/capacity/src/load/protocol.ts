// Messages between the bench and its load generator, a child process of its own so its CPU is measured apart.

export interface HttpLoadSetup {
  readonly channel: 'http';
  readonly url: string;
  /** The tags of each request body, probe first (see batchTags). */
  readonly batches: readonly (readonly string[])[];
  /** Samples per request: each body repeats its source's tags this many samples' worth (readingsPerBody). */
  readonly batchSize: number;
  readonly connections: number;
}

export interface MqttLoadSetup {
  readonly channel: 'mqtt';
  readonly url: string;
  readonly topicPrefix: string;
  /** Load topics below the prefix (`<asset>/<signal>`), and the probe topics. */
  readonly topics: readonly string[];
  readonly probeTopics: readonly string[];
  /** Every n-th message goes to a probe topic. */
  readonly probeEvery: number;
  readonly clients: number;
  readonly maxInFlightPerClient: number;
}

export interface SparkplugLoadSetup {
  readonly channel: 'sparkplug';
  readonly url: string;
  /** The Sparkplug group of the run's edge nodes, the one ingestion's host connector reads. */
  readonly groupId: string;
  /** One device per asset, its signals as metrics; device i belongs to edge node i mod edgeNodes. */
  readonly devices: readonly { readonly deviceId: string; readonly metrics: readonly string[] }[];
  /** The probe signals, the metrics of a device of this id on the first edge node. */
  readonly probeDeviceId: string;
  readonly probeMetrics: readonly string[];
  /** Metric values (samples) per DDATA message. */
  readonly metricsPerMessage: number;
  /** After this many load samples, one probe sample (a DDATA of one probe metric). */
  readonly probeEvery: number;
  /** Edge nodes, one MQTT connection each. */
  readonly edgeNodes: number;
  /** Messages handed to a connection and not yet written to its socket, at most. */
  readonly maxInFlightPerNode: number;
}

export type LoadSetup = HttpLoadSetup | MqttLoadSetup | SparkplugLoadSetup;

export type ToGenerator =
  | { readonly type: 'setup'; readonly setup: LoadSetup }
  | { readonly type: 'rate'; readonly samplesPerS: number }
  | { readonly type: 'stop' };

/** Counts since the generator started, in samples. */
export interface LoadCounts {
  /** When the generator counted (epoch ms): samples sent up to here carry sample times before it. */
  readonly atMs: number;
  /** Handed to a request or publish. */
  readonly sent: number;
  /** Acknowledged: HTTP 202, MQTT PUBACK; for Sparkplug (QoS 0) written to the socket. */
  readonly accepted: number;
  /** Refused or failed. */
  readonly failed: number;
  /** Due but not sent because too many were in flight: the generator or the service could not keep up. */
  readonly skipped: number;
  readonly lastError: string;
}

export type FromGenerator =
  { readonly type: 'ready' } | { readonly type: 'counts'; readonly counts: LoadCounts };
