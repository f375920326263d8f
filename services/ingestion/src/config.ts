// Configuration of the ingestion service: the service kit's sections, the bus, the store-and-forward buffer,
// batching and the connectors. Precedence: defaults < YAML (KILN_CONFIG / --config) < KILN_* environment.
import { busConfigSchema, busEnvMap } from '@kiln/bus';
import { loadConfig, serviceConfigSchema, serviceEnvMap } from '@kiln/service-kit';
import { DEFAULT_PLAUSIBLE_TIME_WINDOW, MAX_TEXT_LENGTH } from '@kiln/contracts';
import { z } from 'zod';
import { connectorConfigSchema } from './connectors/registry';

const MiB = 1024 * 1024;

export const bufferConfigSchema = z.strictObject({
  /** Where the store-and-forward segments live; must survive a restart (a volume in Kubernetes). */
  directory: z.string().min(1).default('data/ingestion/buffer'),
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * MiB),
  segmentBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .default(16 * MiB),
  /** `always` syncs every write (safest, slowest), `interval` every fsyncIntervalMs, `never` leaves it to the OS. */
  fsync: z.enum(['always', 'interval', 'never']).default('interval'),
  fsyncIntervalMs: z.number().int().positive().default(1000),
  /** What a full buffer gives up: the oldest samples (default) or the newest. */
  overflow: z.enum(['drop-oldest', 'drop-newest']).default('drop-oldest'),
});

export const batchingConfigSchema = z.strictObject({
  /** Samples per kiln.raw.v1 message at most. */
  maxSamples: z.number().int().positive().default(1000),
  /** Estimated encoded bytes per message at most (a message never exceeds 1 MiB). */
  maxBytes: z
    .number()
    .int()
    .positive()
    .max(900 * 1024)
    .default(512 * 1024),
  /** How long a batch waits for more samples of its source. */
  lingerMs: z.number().int().min(0).default(100),
});

/** What every sample from every connector must be before it is batched (checked once, in the pipeline). */
export const samplesConfigSchema = z.strictObject({
  /** How far before now a source time may lie: older is a broken source clock (or an attack). */
  maxSourceTimeAgeMs: z
    .number()
    .int()
    .positive()
    .default(DEFAULT_PLAUSIBLE_TIME_WINDOW.pastUs / 1000),
  /** How far after now a source time may lie (clock skew). */
  maxSourceTimeAheadMs: z
    .number()
    .int()
    .positive()
    .default(DEFAULT_PLAUSIBLE_TIME_WINDOW.futureUs / 1000),
  /** Longest tag and text value in characters. */
  maxTextLength: z.number().int().positive().max(MAX_TEXT_LENGTH).default(MAX_TEXT_LENGTH),
});

export const deadLettersConfigSchema = z.strictObject({
  /**
   * Rejected input longer than this is dead-lettered cut to it, with header kiln-dlq-payload-truncated-from
   * giving the original length: the bus refuses records over 900 KiB, and one such record must not stall the buffer.
   */
  maxPayloadBytes: z
    .number()
    .int()
    .min(1024)
    .max(800 * 1024)
    .default(256 * 1024),
});

export const forwarderConfigSchema = z.strictObject({
  /**
   * The largest record handed to the bus (value, key and headers); larger sample batches are split, a larger
   * single sample or dead letter is dead-lettered cut down. Both buses refuse records over 900 KiB.
   */
  maxRecordBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(900 * 1024)
    .default(900 * 1024),
  /**
   * Attempts of an entry whose publish fails for a reason classifyFailure does not know, before it is
   * dead-lettered (only if the dead-letter topic takes it; else the bus is away and it is retried on).
   */
  maxAttemptsOnUnknownFailure: z.number().int().min(1).default(10),
  /**
   * A publish that has not completed after this long marks the bus down (kiln_ingestion_bus_up 0, one warning)
   * while it goes on waiting; a failed attempt marks it down at once. The Kafka bus retries a publish for up to
   * two minutes before it fails, so without this an outage would not show for that long.
   */
  busDownAfterMs: z.number().int().min(100).default(5_000),
  /**
   * When the buffer holds less than a full publish, the forwarder waits until its oldest entry is this old before
   * sending, so that entries of one key join into one record (a source acknowledged per message writes small
   * entries). It delays what is sent, never what a source is acknowledged for; 0 sends at once.
   */
  lingerMs: z.number().int().min(0).max(1_000).default(20),
});

export const readinessConfigSchema = z.strictObject({
  /** /readyz fails while the oldest entry not yet delivered to the bus has waited longer than this. */
  maxUnsentAgeMs: z
    .number()
    .int()
    .positive()
    .default(5 * 60 * 1000),
});

export const ingestionSectionSchema = z
  .strictObject({
    buffer: bufferConfigSchema.prefault({}),
    batching: batchingConfigSchema.prefault({}),
    samples: samplesConfigSchema.prefault({}),
    deadLetters: deadLettersConfigSchema.prefault({}),
    forwarder: forwarderConfigSchema.prefault({}),
    readiness: readinessConfigSchema.prefault({}),
    /** The same cause of rejected input is logged at most once per this interval (counted always). */
    rejectLogIntervalMs: z.number().int().positive().default(60_000),
    connectors: z.array(connectorConfigSchema).default([]),
  })
  .superRefine((section, context) => {
    const seen = new Set<string>();
    section.connectors.forEach((connector, index) => {
      if (seen.has(connector.id)) {
        context.addIssue({
          code: 'custom',
          path: ['connectors', index, 'id'],
          message: `connector id '${connector.id}' is used twice`,
        });
      }
      seen.add(connector.id);
    });
  });

export const ingestionConfigSchema = z.strictObject({
  ...serviceConfigSchema,
  bus: busConfigSchema.prefault({}),
  ingestion: ingestionSectionSchema.prefault({}),
});

export type IngestionConfig = z.output<typeof ingestionConfigSchema>;
export type IngestionSection = z.output<typeof ingestionSectionSchema>;

/** Environment names (after `KILN_`) of the ingestion section, in its own process and in `kiln start`. */
export const ingestionSectionEnvMap = {
  INGESTION_BUFFER_DIRECTORY: 'ingestion.buffer.directory',
  INGESTION_BUFFER_MAX_BYTES: 'ingestion.buffer.maxBytes',
  INGESTION_BUFFER_FSYNC: 'ingestion.buffer.fsync',
  INGESTION_BUFFER_OVERFLOW: 'ingestion.buffer.overflow',
  INGESTION_SAMPLES_MAX_SOURCE_TIME_AGE_MS: 'ingestion.samples.maxSourceTimeAgeMs',
  INGESTION_SAMPLES_MAX_SOURCE_TIME_AHEAD_MS: 'ingestion.samples.maxSourceTimeAheadMs',
  INGESTION_READINESS_MAX_UNSENT_AGE_MS: 'ingestion.readiness.maxUnsentAgeMs',
} as const satisfies Record<string, string>;

export const ingestionEnvMap = {
  ...serviceEnvMap,
  ...busEnvMap,
  ...ingestionSectionEnvMap,
} as const satisfies Record<string, string>;

export function loadIngestionConfig(file: string | undefined, env: NodeJS.ProcessEnv): IngestionConfig {
  return loadConfig({
    schema: ingestionConfigSchema,
    ...(file === undefined ? {} : { file }),
    env,
    envMap: ingestionEnvMap,
    envPrefix: 'KILN_',
  });
}
