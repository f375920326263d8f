// Configuration of the Kiln platform process (`kiln start`): the service kit's common settings plus the bus.
// Precedence: schema defaults < YAML file (--config / KILN_CONFIG) < environment (KILN_*).
import { busConfigSchema, busEnvMap } from '@kiln/bus';
import { loadConfig, serviceConfigSchema, serviceEnvMap } from '@kiln/service-kit';
import { z } from 'zod';

export const topicsConfigSchema = z.strictObject({
  /** Partitions of topics created at start (existing topics are left as they are). */
  partitions: z.number().int().positive().default(12),
});

export const platformConfigSchema = z.strictObject({
  ...serviceConfigSchema,
  bus: busConfigSchema.prefault({}),
  topics: topicsConfigSchema.prefault({}),
});

export type PlatformConfig = z.output<typeof platformConfigSchema>;

/** Environment variables (all with the `KILN_` prefix) and the configuration key each sets. */
export const platformEnvMap = {
  ...serviceEnvMap,
  ...busEnvMap,
  TOPIC_PARTITIONS: 'topics.partitions',
} as const satisfies Record<string, string>;

export function loadPlatformConfig(file: string | undefined, env: NodeJS.ProcessEnv): PlatformConfig {
  return loadConfig({
    schema: platformConfigSchema,
    ...(file === undefined ? {} : { file }),
    env,
    envMap: platformEnvMap,
    envPrefix: 'KILN_',
  });
}
