// The simulator's configuration: one strict schema (misspelt keys fail), defaults that give the 2 x 4 demo
// plant, and the environment variables that override it. Loaded through @kiln/service-kit's `loadConfig`.
import { loadConfig } from '@kiln/service-kit';
import { z } from 'zod';
import { DEFAULT_PLANT_CONFIG as D, timeOfDayMs, type PlantModelConfig } from './model';

const slug = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]*$/,
    'use lower case letters, digits and dashes (it becomes part of the asset id)',
  );

const plannedStopSchema = z.strictObject({
  startUtc: z.string().refine((text) => {
    try {
      timeOfDayMs(text);
      return true;
    } catch {
      return false;
    }
  }, 'expected a UTC time of day HH:MM'),
  durationMin: z.number().positive().max(1440),
});

export const plantConfigSchema = z.strictObject({
  enterprise: slug.default(D.enterprise),
  site: slug.default(D.site),
  area: z.union([slug, z.literal('')]).default(D.area),
  lines: z.number().int().min(1).max(100).default(D.lines),
  machinesPerLine: z.number().int().min(1).max(100).default(D.machinesPerLine),
  stepMs: z.number().int().min(10).max(10_000).default(D.stepMs),
  sampleIntervalMs: z.number().int().min(10).default(D.sampleIntervalMs),
  idealCycleTimeS: z.number().min(0.5).max(3600).default(D.idealCycleTimeS),
  cycleTimeNoise: z.number().min(0).max(0.5).default(D.cycleTimeNoise),
  rejectRate: z.number().min(0).max(1).default(D.rejectRate),
  counters: z
    .strictObject({
      rollover: z
        .number()
        .int()
        .min(2)
        .max(2 ** 32)
        .default(D.counters.rollover),
      resetProbability: z.number().min(0).max(1).default(D.counters.resetProbability),
      publishEvery: z.number().int().min(1).default(D.counters.publishEvery),
      randomStart: z.boolean().default(D.counters.randomStart),
    })
    .prefault({}),
  microStops: z
    .strictObject({
      meanIntervalMin: z.number().positive().default(D.microStops.meanIntervalMin),
      minDurationS: z.number().positive().default(D.microStops.minDurationS),
      maxDurationS: z.number().positive().default(D.microStops.maxDurationS),
    })
    .prefault({}),
  slowDowns: z
    .strictObject({
      meanIntervalMin: z.number().positive().default(D.slowDowns.meanIntervalMin),
      minDurationMin: z.number().positive().default(D.slowDowns.minDurationMin),
      maxDurationMin: z.number().positive().default(D.slowDowns.maxDurationMin),
      maxFactor: z.number().min(1.1).max(5).default(D.slowDowns.maxFactor),
    })
    .prefault({}),
  breakdowns: z
    .strictObject({
      bearingLifeH: z.number().positive().default(D.breakdowns.bearingLifeH),
      mtbfH: z.number().positive().default(D.breakdowns.mtbfH),
      minRepairMin: z.number().positive().default(D.breakdowns.minRepairMin),
      maxRepairMin: z.number().positive().default(D.breakdowns.maxRepairMin),
    })
    .prefault({}),
  orders: z
    .strictObject({
      minQuantity: z.number().int().min(1).default(D.orders.minQuantity),
      maxQuantity: z.number().int().min(1).default(D.orders.maxQuantity),
      minChangeoverMin: z.number().positive().default(D.orders.minChangeoverMin),
      maxChangeoverMin: z.number().positive().default(D.orders.maxChangeoverMin),
    })
    .prefault({}),
  plannedStops: z.array(plannedStopSchema).default(D.plannedStops.map((stop) => ({ ...stop }))),
});

const securityModeSchema = z.enum(['None', 'SignAndEncrypt']);

export const opcuaConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** 0 picks a free port at the first start (kept across restarts). */
  port: z.number().int().min(0).max(65535).default(4840),
  host: z.string().optional(),
  /** Endpoints to offer; SignAndEncrypt uses Basic256Sha256. */
  securityModes: z.array(securityModeSchema).min(1).default(['None', 'SignAndEncrypt']),
  allowAnonymous: z.boolean().default(true),
  users: z.array(z.strictObject({ username: z.string().min(1), password: z.string().min(1) })).default([]),
  /** Server PKI folder (own certificate, trusted/rejected client certificates). */
  pkiDir: z.string().default('data/simulator/pki'),
  /** Trust every client certificate (simulator default); false puts unknown ones into pki/rejected. */
  trustUnknownClients: z.boolean().default(true),
  /** Server application URI, also the URI of namespace 1 that holds the plant nodes. */
  applicationUri: z.string().default('urn:kiln:simulator'),
});

export const mqttConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  url: z.string().default('mqtt://127.0.0.1:1883'),
  username: z.string().optional(),
  password: z.string().optional(),
  json: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Placeholders: {enterprise} {site} {area} {line} {machine} {signal} {assetId}. */
      topicTemplate: z.string().default('kiln-sim/{line}/{machine}/{signal}'),
      qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
      timestampFormat: z.enum(['iso', 'epochMs']).default('iso'),
      clientId: z.string().optional(),
    })
    .prefault({}),
  sparkplug: z
    .strictObject({
      enabled: z.boolean().default(true),
      groupId: z
        .string()
        .regex(/^[^/+#]+$/, 'no / + or # in a Sparkplug id')
        .default('kiln-sim'),
      edgeNodeId: z
        .string()
        .regex(/^[^/+#]+$/, 'no / + or # in a Sparkplug id')
        .default('simulator'),
      /** When set, births are published only while `spBv1.0/STATE/<primaryHostId>` says online. */
      primaryHostId: z.string().optional(),
      clientId: z.string().optional(),
    })
    .prefault({}),
});

export const modbusConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().default('0.0.0.0'),
  /** 0 picks a free port. */
  port: z.number().int().min(0).max(65535).default(5020),
  /** ABCD: high word first (big-endian words); CDAB: low word first. Bytes within a register are big-endian. */
  wordOrder: z.enum(['ABCD', 'CDAB']).default('ABCD'),
});

/** The ERP simulator (SAP OData v2, Odoo JSON-RPC, REST) whose books follow the plant: its orders, its shifts. */
export const erpConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  host: z.string().default('0.0.0.0'),
  /** 0 picks a free port. */
  port: z.number().int().min(0).max(65535).default(8069),
  /** Plant code of the work centers (one per machine: L1M01, L1M02, ...). */
  plantCode: z.string().min(1).default('1010'),
});

export const simulatorConfigSchema = z.strictObject({
  seed: z.number().int().default(1),
  /** Simulated ms per real ms: 60 runs one simulated hour per real minute. */
  speedFactor: z.number().positive().max(100_000).default(1),
  /** Simulated start time, ISO 8601 UTC, or `now`. */
  startTime: z
    .string()
    .refine(
      (text) => text === 'now' || Number.isFinite(Date.parse(text)),
      'expected an ISO 8601 time or "now"',
    )
    .default('now'),
  /** Real ms between clock ticks. */
  tickMs: z.number().int().min(5).max(10_000).default(100),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  plant: plantConfigSchema.prefault({}),
  opcua: opcuaConfigSchema.prefault({}),
  mqtt: mqttConfigSchema.prefault({}),
  modbus: modbusConfigSchema.prefault({}),
  erp: erpConfigSchema.prefault({}),
});

export type SimulatorConfig = z.output<typeof simulatorConfigSchema>;
export type SimulatorConfigInput = z.input<typeof simulatorConfigSchema>;

/** The schema's plant section is the model's configuration (the assignment fails the build on drift). */
export function plantModelConfig(config: SimulatorConfig): PlantModelConfig {
  return config.plant;
}

/** Environment overrides, read with the `KILN_SIM_` prefix (e.g. `KILN_SIM_SPEED_FACTOR=60`). */
export const simulatorEnvMap = {
  SEED: 'seed',
  SPEED_FACTOR: 'speedFactor',
  START_TIME: 'startTime',
  LOG_LEVEL: 'log.level',
  LINES: 'plant.lines',
  MACHINES_PER_LINE: 'plant.machinesPerLine',
  OPCUA_ENABLED: 'opcua.enabled',
  OPCUA_PORT: 'opcua.port',
  OPCUA_PKI_DIR: 'opcua.pkiDir',
  MQTT_ENABLED: 'mqtt.enabled',
  MQTT_URL: 'mqtt.url',
  MODBUS_ENABLED: 'modbus.enabled',
  MODBUS_PORT: 'modbus.port',
  ERP_ENABLED: 'erp.enabled',
  ERP_PORT: 'erp.port',
} as const;

/** Validates a configuration given as data (tests, the CLI); throws zod's error on bad input. */
export function parseSimulatorConfig(input: SimulatorConfigInput = {}): SimulatorConfig {
  return simulatorConfigSchema.parse(input);
}

/** Reads the YAML file (optional) and `KILN_SIM_*` variables; throws ConfigError naming file:line:key. */
export function loadSimulatorConfig(
  options: { file?: string; env?: NodeJS.ProcessEnv } = {},
): SimulatorConfig {
  return loadConfig({
    schema: simulatorConfigSchema,
    file: options.file,
    env: options.env,
    envMap: simulatorEnvMap,
    envPrefix: 'KILN_SIM_',
  });
}

/** The simulated start time in epoch ms. */
export function startTimeMs(config: SimulatorConfig, realNowMs: number): number {
  return config.startTime === 'now' ? realNowMs : Date.parse(config.startTime);
}
