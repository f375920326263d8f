// What a run loads and reads: the services as processes (on Kafka and PostgreSQL) or `kiln start` in one process.
// The step runner sees only this.

export interface Sighting {
  readonly sampleMs: number;
  readonly visibleMs: number;
}

/** Where the REST API answers (the gateway), with a key it accepts, and the process serving it. */
export interface ApiEndpoint {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** The name of the serving process among `processes`, for its CPU. */
  readonly server: string;
  /** Its Prometheus endpoint (where the latest-value counters are). */
  readonly metricsUrl: string;
}

export interface Target {
  /** `services` or `in-process`. */
  readonly mode: string;
  /** The Kiln processes, for the CPU columns. */
  readonly processes: ReadonlyArray<{ readonly name: string; readonly pid: number }>;
  readonly httpUrl: string;
  /** The MQTT topic prefix ingestion subscribes to, or undefined when MQTT is not wired. */
  readonly mqttTopicPrefix: string | undefined;
  /** The REST API of the target, or undefined when it runs none (no gateway started). */
  readonly api: ApiEndpoint | undefined;
  /** Prometheus endpoints of the processes that refresh rollups (normalization), read by the rollup meter. */
  readonly rollupMetricsUrls: readonly string[];
  /** Telemetry rows inserted so far (a counter; only differences matter). */
  storedRows(): Promise<number>;
  /**
   * Samples sent in [fromMs, toMs) found stored, estimated from a fixed subset of the load signals (each gets the
   * same share of the load), or undefined where the database cannot be read directly.
   */
  storedOfWindow(fromMs: number, toMs: number): Promise<number | undefined>;
  /**
   * Written ranges the rollup refresh has still to recompute, or undefined where they cannot be read (the
   * embedded database of the in-process mode).
   */
  pendingRollups(): Promise<number | undefined>;
  /** Records the normalization group still has to read, and the sum of the raw topic's end offsets. */
  lag(): Promise<{ records: number; endOffsetSum: number } | undefined>;
  /**
   * Event-loop delay p99 (ms) since the previous read of the target's counters (storedRows: the window's start, when
   * read at its end), where the target reports one; prom-client resets the histogram at each scrape.
   */
  eventLoopP99Ms(): number | undefined;
  /** Probe samples seen stored, with when. */
  sightings(fromMs: number, toMs: number): Sighting[];
  stop(): Promise<void>;
}
