// Configuration of the OEE service: the service kit's sections, the bus, the database, the hot state and the
// OEE section (settings per asset, shift calendar, closing; its schema is @kiln/oee-store's, shared with the
// gateway). Precedence: defaults < YAML (KILN_CONFIG / --config) < KILN_* env.
import { busConfigSchema, busEnvMap } from '@kiln/bus';
import { oeeSectionEnvMap, oeeSectionSchema } from '@kiln/oee-store';
import { loadConfig, serviceConfigSchema, serviceEnvMap } from '@kiln/service-kit';
import { databaseConfigSchema, redisConfigSchema, storageEnvMap } from '@kiln/timeseries';
import { z } from 'zod';

export { databaseConfigSchema, redisConfigSchema };

export const oeeConfigSchema = z.strictObject({
  ...serviceConfigSchema,
  bus: busConfigSchema.prefault({}),
  database: databaseConfigSchema.prefault({}),
  redis: redisConfigSchema.prefault({}),
  oee: oeeSectionSchema.prefault({}),
});

export type OeeConfig = z.output<typeof oeeConfigSchema>;
export type RedisConfig = z.output<typeof redisConfigSchema>;

export const oeeEnvMap = {
  ...serviceEnvMap,
  ...busEnvMap,
  ...storageEnvMap,
  ...oeeSectionEnvMap,
} as const satisfies Record<string, string>;

export function loadOeeConfig(file: string | undefined, env: NodeJS.ProcessEnv): OeeConfig {
  return loadConfig({
    schema: oeeConfigSchema,
    ...(file === undefined ? {} : { file }),
    env,
    envMap: oeeEnvMap,
    envPrefix: 'KILN_',
  });
}
