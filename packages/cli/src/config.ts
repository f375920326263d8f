// Configuration of the Kiln platform process (`kiln start`): the service kit's common settings, the bus, the
// simulated factory and the services that run in this process.
// Precedence: schema defaults < YAML file (--config / KILN_CONFIG) < environment (KILN_*).
import { busConfigSchema } from '@kiln/bus';
import { ingestionSectionSchema } from '@kiln/ingestion';
import { loadConfig, serviceConfigSchema } from '@kiln/service-kit';
import { simulatorConfigSchema } from '@kiln/simulator';
import { z } from 'zod';
import { platformEnvMap } from './env-map';

export const topicsConfigSchema = z.strictObject({
  /** Partitions of topics created at start (existing topics are left as they are). */
  partitions: z.number().int().positive().default(12),
});

/** The simulated factory of the embedded mode; its settings are those of `kiln simulate`. */
export const embeddedSimulatorSchema = simulatorConfigSchema.extend({
  /** On by default: `npm start` shows a factory at work. Turn it off when real connectors are configured. */
  enabled: z.boolean().default(true),
});

export const platformConfigSchema = z.strictObject({
  ...serviceConfigSchema,
  bus: busConfigSchema.prefault({}),
  topics: topicsConfigSchema.prefault({}),
  // The embedded factory serves OPC UA on loopback only, and not Modbus, unless configured otherwise.
  simulator: embeddedSimulatorSchema.prefault({ opcua: { host: '127.0.0.1' }, modbus: { enabled: false } }),
  ingestion: ingestionSectionSchema.prefault({}),
});

export type PlatformConfig = z.output<typeof platformConfigSchema>;

export function loadPlatformConfig(file: string | undefined, env: NodeJS.ProcessEnv): PlatformConfig {
  return loadConfig({
    schema: platformConfigSchema,
    ...(file === undefined ? {} : { file }),
    env,
    envMap: platformEnvMap,
    envPrefix: 'KILN_',
  });
}
