// Configuration of the Kiln platform process (`kiln start`): the service kit's common settings, the bus, the
// simulated factory and the services that run in this process, the gateway among them.
// Precedence: schema defaults < YAML file (--config / KILN_CONFIG) < environment (KILN_*).
//
// The embedded defaults (the simulated factory on loopback, the database under the data directory, the embedded
// plant and calendar) apply key by key: configuring one key of a section keeps the embedded defaults of the
// others. They are therefore schema defaults of the leaves, or filled in after validation where they depend on
// another key (`dataDir`), never a default of a whole section (which any configured key would replace).
import { busConfigSchema } from '@kiln/bus';
import { erpSyncSectionSchema } from '@kiln/erp-sync';
import { gatewaySectionSchema, type GatewaySection } from '@kiln/gateway';
import { ingestionSectionSchema, type IngestionSection } from '@kiln/ingestion';
import { normalizationSectionSchema } from '@kiln/normalization';
import { oeeSectionSchema, type OeeSection } from '@kiln/oee-store';
import { httpConfigSchema, loadConfig, serviceConfigSchema } from '@kiln/service-kit';
import { simulatorConfigSchema } from '@kiln/simulator';
import { databaseConfigSchema, redisConfigSchema } from '@kiln/timeseries';
import { join } from 'node:path';
import { z } from 'zod';
import { platformEnvMap } from './env-map';
import { platformServiceConfig } from './services';

export const topicsConfigSchema = z.strictObject({
  /** Partitions of topics created at start (existing topics are left as they are). */
  partitions: z.number().int().positive().default(12),
});

const plantSchema = simulatorConfigSchema.shape.plant.unwrap();
const opcuaSchema = simulatorConfigSchema.shape.opcua.unwrap();
const modbusSchema = simulatorConfigSchema.shape.modbus.unwrap();
const erpSimulatorSchema = simulatorConfigSchema.shape.erp.unwrap();

/**
 * The simulated factory of the embedded mode; its settings are those of `kiln simulate`, with other defaults:
 * the assembly area of the embedded plant, OPC UA on loopback only, no Modbus, its PKI under the data directory.
 */
export const embeddedSimulatorSchema = simulatorConfigSchema.extend({
  /** On by default: `npm start` shows a factory at work. Turn it off when real connectors are configured. */
  enabled: z.boolean().default(true),
  plant: plantSchema.extend({ area: plantSchema.shape.area.unwrap().default('assembly') }).prefault({}),
  opcua: opcuaSchema
    .extend({
      host: opcuaSchema.shape.host.unwrap().default('127.0.0.1'),
      // Absent: <dataDir>/simulator/pki.
      pkiDir: opcuaSchema.shape.pkiDir.unwrap().optional(),
    })
    .prefault({}),
  modbus: modbusSchema.extend({ enabled: modbusSchema.shape.enabled.unwrap().default(false) }).prefault({}),
  // The ERP simulator on loopback (a free port): erp-sync reads its orders and shifts and confirms to it.
  erp: erpSimulatorSchema
    .extend({
      enabled: erpSimulatorSchema.shape.enabled.unwrap().default(true),
      host: erpSimulatorSchema.shape.host.unwrap().default('127.0.0.1'),
      port: erpSimulatorSchema.shape.port.unwrap().default(0),
    })
    .prefault({}),
});

/** The plant model and mapping rules of the simulated factory (packages/cli/embedded/plant.yaml). */
export const EMBEDDED_PLANT_FILE = join(__dirname, '..', 'embedded', 'plant.yaml');

/** Three shifts a day, every day, each with a meal break (packages/cli/embedded/shifts.yaml). */
export const EMBEDDED_SHIFTS_FILE = join(__dirname, '..', 'embedded', 'shifts.yaml');

/** The assets of the embedded plant: their ideal cycle time and micro-stop threshold are those of plant.yaml. */
export const EMBEDDED_PLANT_ASSETS = 'acme/plant-1/assembly/';
const EMBEDDED_PLANT_SETTINGS = { defaultIdealCycleTimeS: 10, microStopThresholdS: 120 };

/** Where kiln start keeps its files unless a key says otherwise (relative to the working directory). */
export const DEFAULT_DATA_DIR = 'data';

// The ingestion service's own default buffer directory: in kiln start it moves under the data directory.
const INGESTION_DEFAULT_BUFFER_DIRECTORY = ingestionSectionSchema.parse({}).buffer.directory;

const gatewayHttpSchema = gatewaySectionSchema.shape.http.unwrap();

/**
 * Unconsumed bytes one partition of the in-process bus holds in kiln start (1 MiB; the bus's own default is 8 MiB).
 * The bound is per partition, so a topic holds up to partitions times it: 96 MiB a topic at 8 MiB and 12
 * partitions, the raw and telemetry topics ~200 MiB together whenever their consumers lag, filled over minutes. At
 * 1 MiB a topic holds 12 MiB, several seconds of 30,000 samples/s; a longer backlog waits in ingestion's buffer
 * on disk, not in memory (docs/operations.md, memory of the embedded mode).
 */
export const EMBEDDED_BUS_BYTES_PER_PARTITION = 1024 * 1024;

const inProcessBusSchema = busConfigSchema.shape.inProcess.unwrap();
const platformBusSchema = busConfigSchema.extend({
  inProcess: inProcessBusSchema
    .extend({
      maxBufferedBytesPerPartition: inProcessBusSchema.shape.maxBufferedBytesPerPartition
        .unwrap()
        .default(EMBEDDED_BUS_BYTES_PER_PARTITION),
    })
    .prefault({}),
});

/**
 * The gateway's section, with its REST listener taken from `http.host` / `http.port`: in kiln start the
 * gateway's REST server is also the ops server (/healthz, /readyz, /metrics), so one port and one pair of keys.
 * `gateway.http.host` / `gateway.http.port` are refused as unrecognized keys rather than silently ignored.
 */
const platformGatewaySchema = gatewaySectionSchema.extend({
  http: gatewayHttpSchema.omit({ host: true, port: true }).prefault({}),
});

/**
 * Every service's section as its definition declares it: with its defaults, or absent when the service is optional
 * (then it does not start).
 */
const serviceSections = Object.fromEntries(
  Object.entries(platformServiceConfig.sections).map(([key, schema]) => [
    key,
    platformServiceConfig.optional.has(key) ? schema.optional() : schema.prefault({}),
  ]),
);

const platformSectionsSchema = z.strictObject({
  ...serviceSections,
  ...serviceConfigSchema,
  // The gateway's REST listener (and ops endpoints): loopback by default, as the gateway's own default.
  http: httpConfigSchema
    .extend({ host: httpConfigSchema.shape.host.unwrap().default('127.0.0.1') })
    .prefault({}),
  /** Base of the files kiln start keeps: db, ingestion/buffer, ingestion/pki, simulator/pki, admin-api-key. */
  dataDir: z.string().min(1).default(DEFAULT_DATA_DIR),
  bus: platformBusSchema.prefault({}),
  topics: topicsConfigSchema.prefault({}),
  simulator: embeddedSimulatorSchema.prefault({}),
  // PGlite with TimescaleDB under the data directory unless database.url or database.embedded.dataDir is set.
  database: databaseConfigSchema.prefault({}),
  // Hot state and live OEE in memory unless redis.url is set.
  redis: redisConfigSchema.prefault({}),
  // The sections whose embedded defaults kiln start fills in (withEmbeddedDefaults), typed for that; each is the
  // service's own schema, with the embedded plant as the default plant file and the REST listener moved to http.
  ingestion: ingestionSectionSchema.prefault({}),
  normalization: normalizationSectionSchema
    .extend({ plantFile: normalizationSectionSchema.shape.plantFile.default(EMBEDDED_PLANT_FILE) })
    .prefault({}),
  oee: oeeSectionSchema.prefault({}),
  // A real ERP (SAP, Odoo, REST, CSV); absent: erp-sync talks SAP to the simulator's ERP with the plant's work
  // centers, when the simulated factory runs.
  erpSync: erpSyncSectionSchema.optional(),
  gateway: platformGatewaySchema.prefault({}),
});

type PlatformSections = z.output<typeof platformSectionsSchema>;

export const platformConfigSchema = platformSectionsSchema.transform(withEmbeddedDefaults);

/** The defaults that depend on other keys or cannot be leaf defaults, filled in after validation. */
function withEmbeddedDefaults(sections: PlatformSections) {
  const { dataDir } = sections;
  const { pkiDir, ...opcua } = sections.simulator.opcua;
  const gateway: GatewaySection = {
    ...sections.gateway,
    http: { ...sections.gateway.http, host: sections.http.host, port: sections.http.port },
  };
  return {
    ...sections,
    simulator: {
      ...sections.simulator,
      opcua: { ...opcua, pkiDir: pkiDir ?? join(dataDir, 'simulator', 'pki') },
    },
    ingestion: withIngestionDefaults(sections.ingestion, dataDir),
    database: {
      ...sections.database,
      embedded: {
        ...sections.database.embedded,
        dataDir: sections.database.embedded.dataDir ?? join(dataDir, 'db'),
      },
    },
    oee: withEmbeddedOeeDefaults(sections.oee),
    gateway,
  };
}

function withIngestionDefaults(section: IngestionSection, dataDir: string): IngestionSection {
  if (section.buffer.directory !== INGESTION_DEFAULT_BUFFER_DIRECTORY) return section;
  return { ...section, buffer: { ...section.buffer, directory: join(dataDir, 'ingestion', 'buffer') } };
}

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
