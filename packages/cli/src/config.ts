// Configuration of the Kiln platform process (`kiln start`): the service kit's common settings, the bus, the
// simulated factory and the services that run in this process.
// Precedence: schema defaults < YAML file (--config / KILN_CONFIG) < environment (KILN_*).
import { busConfigSchema } from '@kiln/bus';
import { ingestionSectionSchema } from '@kiln/ingestion';
import { databaseConfigSchema, normalizationSectionSchema, redisConfigSchema } from '@kiln/normalization';
import { oeeSectionSchema, type OeeSection } from '@kiln/oee-service';
import { loadConfig, serviceConfigSchema } from '@kiln/service-kit';
import { simulatorConfigSchema } from '@kiln/simulator';
import { join } from 'node:path';
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

/** The plant model and mapping rules of the simulated factory (packages/cli/embedded/plant.yaml). */
export const EMBEDDED_PLANT_FILE = join(__dirname, '..', 'embedded', 'plant.yaml');

/** Three shifts a day, every day, each with a meal break (packages/cli/embedded/shifts.yaml). */
export const EMBEDDED_SHIFTS_FILE = join(__dirname, '..', 'embedded', 'shifts.yaml');

/** The assets of the embedded plant: their ideal cycle time and micro-stop threshold are those of plant.yaml. */
export const EMBEDDED_PLANT_ASSETS = 'acme/plant-1/assembly/';
const EMBEDDED_PLANT_SETTINGS = { defaultIdealCycleTimeS: 10, microStopThresholdS: 120 };

export const platformConfigSchema = z.strictObject({
  ...serviceConfigSchema,
  bus: busConfigSchema.prefault({}),
  topics: topicsConfigSchema.prefault({}),
  // The embedded factory serves OPC UA on loopback only, and not Modbus, unless configured otherwise.
  simulator: embeddedSimulatorSchema.prefault({
    plant: { area: 'assembly' },
    opcua: { host: '127.0.0.1' },
    modbus: { enabled: false },
  }),
  ingestion: ingestionSectionSchema.prefault({}),
  // Embedded defaults: PGlite with TimescaleDB in data/db, hot state in memory, the simulated factory's plant.
  database: databaseConfigSchema.prefault({ embedded: { dataDir: 'data/db' } }),
  redis: redisConfigSchema.prefault({}),
  normalization: normalizationSectionSchema.prefault({ plantFile: EMBEDDED_PLANT_FILE }),
  // OEE in the platform's database, live OEE in memory unless redis.url is set. The embedded calendar and asset
  // settings are filled in after validation, so that setting another OEE key (KILN_OEE_UTC_OFFSET_MINUTES) keeps
  // them, as a prefault would not.
  oee: oeeSectionSchema.prefault({}).transform(withEmbeddedOeeDefaults),
});

/** The embedded calendar unless one is configured; the embedded plant's settings below configured ones. */
function withEmbeddedOeeDefaults(section: OeeSection): OeeSection {
  return {
    ...section,
    calendarFile: section.calendarFile ?? EMBEDDED_SHIFTS_FILE,
    settings: {
      ...section.settings,
      assets: { [EMBEDDED_PLANT_ASSETS]: EMBEDDED_PLANT_SETTINGS, ...section.settings.assets },
    },
  };
}

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
