// Configuration of the normalization service: the service kit's sections, the bus, the historian database, the
// hot state and the normalization itself. Precedence: defaults < YAML (KILN_CONFIG / --config) < KILN_* env.
import { busConfigSchema, busEnvMap } from '@kiln/bus';
import { loadConfig, serviceConfigSchema, serviceEnvMap } from '@kiln/service-kit';
import { databaseConfigSchema, redisConfigSchema, storageEnvMap } from '@kiln/timeseries';
import { z } from 'zod';

export { databaseConfigSchema, redisConfigSchema };

export const rollupRefreshConfigSchema = z.strictObject({
  /**
   * Recompute the 1-minute and 1-hour rollups over the time ranges written. On plain PostgreSQL the rollups are
   * tables only this refresh fills; on TimescaleDB continuous-aggregate policies cover the last 30 days and only
   * older (late) data is refreshed here.
   */
  enabled: z.boolean().default(true),
  /** Written ranges are collected (durably, in the database) and refreshed together this often. */
  intervalMs: z.number().int().positive().default(15_000),
});

export const normalizationSectionSchema = z.strictObject({
  /** The plant YAML: asset model + `mappings` (see packages/asset-model/README.md). */
  plantFile: z.string().min(1),
  /** Watch the plant file and apply a valid change without a restart (SIGHUP reloads too). */
  reloadOnChange: z.boolean().default(true),
  /** The consumer group reading kiln.raw.v1. */
  groupId: z.string().min(1).default('normalization'),
  /**
   * Where the group starts when it has no committed offsets: the oldest retained raw record (default: nothing is
   * skipped) or only records published from now on.
   */
  startFrom: z.enum(['earliest', 'latest']).default('earliest'),
  /** Raw records (each a batch of samples) per handled batch at most. */
  maxBatchSize: z.number().int().positive().default(500),
  /**
   * Samples normalized, stored, published and checkpointed together at most: a larger handled batch is cut into
   * parts of this many, each durable in turn (a raw record larger than this is a part alone). Bounds the memory
   * and event-loop pause of one step under a backlog (500 records of 500 samples would be 250 000 at once).
   */
  maxBatchSamples: z.number().int().positive().default(20_000),
  /** Source clocks further off the receive time than this are not trusted (docs/architecture.md section 5). */
  maxClockSkewMs: z.number().int().positive().default(300_000),
  /** The same cause of rejected samples is logged at most once per this interval (counted always). */
  rejectLogIntervalMs: z.number().int().positive().default(60_000),
  rollupRefresh: rollupRefreshConfigSchema.prefault({}),
});

export const normalizationConfigSchema = z.strictObject({
  ...serviceConfigSchema,
  bus: busConfigSchema.prefault({}),
  database: databaseConfigSchema.prefault({}),
  redis: redisConfigSchema.prefault({}),
  normalization: normalizationSectionSchema,
});

export type NormalizationConfig = z.output<typeof normalizationConfigSchema>;
export type NormalizationSection = z.output<typeof normalizationSectionSchema>;
export type RedisConfig = z.output<typeof redisConfigSchema>;

/** Environment names (after `KILN_`) of the normalization section, in its own process and in `kiln start`. */
export const normalizationSectionEnvMap = {
  PLANT_FILE: 'normalization.plantFile',
  NORMALIZATION_MAX_BATCH_SAMPLES: 'normalization.maxBatchSamples',
} as const satisfies Record<string, string>;

export const normalizationEnvMap = {
  ...serviceEnvMap,
  ...busEnvMap,
  ...storageEnvMap,
  ...normalizationSectionEnvMap,
} as const satisfies Record<string, string>;

export function loadNormalizationConfig(
  file: string | undefined,
  env: NodeJS.ProcessEnv,
): NormalizationConfig {
  return loadConfig({
    schema: normalizationConfigSchema,
    ...(file === undefined ? {} : { file }),
    env,
    envMap: normalizationEnvMap,
    envPrefix: 'KILN_',
  });
}
