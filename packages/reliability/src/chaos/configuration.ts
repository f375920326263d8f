// The files a chaos run hands its Kiln processes: the plant (load signals and one OEE asset per phase), the
// shift calendar (one shift all day, so every hour has planned busy time) and each service's configuration.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { HTTP_SIGNALS, MQTT_SIGNALS } from './samples';
import { STATE_CODES } from './oee-script';

export const LOAD_ASSET = 'chaos/site/area/line/load';
export const OEE_ASSET_PREFIX = 'chaos/site/area/line/';
/** Sources of the HTTP requests: the numbered load, and the OEE inputs (one source keeps their order). */
export const HTTP_LOAD_SOURCE = 'chaos-load';
export const HTTP_OEE_SOURCE = 'chaos-oee';
const IDEAL_CYCLE_TIME_S = 10;

export interface ChaosEndpoints {
  readonly kafkaBrokers: readonly string[];
  /** The database URL the services use: through the proxy the suite cuts. */
  readonly serviceDatabaseUrl: string;
  readonly schema: string;
  readonly redisUrl: string;
  readonly redisKeyPrefix: string;
  readonly mqttUrl: string;
  readonly mqttTopicPrefix: string;
  readonly mqttClientId: string;
}

export interface ServicePorts {
  readonly ingestionOps: number;
  readonly httpPush: number;
  readonly normalizationOps: number;
  readonly oeeOps: number;
}

export function oeeAssetOf(phase: string): string {
  return `${OEE_ASSET_PREFIX}${phase}`;
}

export function plantDocument(phases: readonly string[]): unknown {
  const signal = (name: string) => ({ name, type: 'number' });
  return {
    enterprise: { id: 'chaos', name: 'Chaos suite' },
    sites: [
      {
        id: 'site',
        areas: [
          {
            id: 'area',
            lines: [
              {
                id: 'line',
                assets: [
                  { id: 'load', signals: [...HTTP_SIGNALS, ...MQTT_SIGNALS].map(signal) },
                  ...phases.map((phase) => ({
                    id: phase,
                    defaults: { idealCycleTimeS: IDEAL_CYCLE_TIME_S, microStopThresholdS: 120 },
                    signals: [{ name: 'state', type: 'integer' }],
                  })),
                ],
              },
            ],
          },
        ],
      },
    ],
    mappings: [
      { name: 'load', tag: 'seq/{signal}', asset: LOAD_ASSET, signal: '{signal}' },
      {
        name: 'oee-state',
        tag: 'oee/{machine}/state',
        asset: `${OEE_ASSET_PREFIX}{machine}`,
        role: 'machine-state',
        states: {
          [STATE_CODES.RUNNING]: 'RUNNING',
          [STATE_CODES.IDLE]: 'IDLE',
          [STATE_CODES.BREAKDOWN]: 'BREAKDOWN',
          [STATE_CODES.PLANNED_STOP]: 'PLANNED_STOP',
        },
      },
      {
        name: 'oee-total',
        tag: 'oee/{machine}/total',
        asset: `${OEE_ASSET_PREFIX}{machine}`,
        role: 'total-counter',
      },
      {
        name: 'oee-reject',
        tag: 'oee/{machine}/reject',
        asset: `${OEE_ASSET_PREFIX}{machine}`,
        role: 'reject-counter',
      },
    ],
  };
}

const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface ConfigFiles {
  readonly ingestion: string;
  readonly normalization: string;
  readonly oee: string;
}

/** Writes the plant, the calendar and the three services' configuration files into dir. */
export function writeConfiguration(
  dir: string,
  phases: readonly string[],
  endpoints: ChaosEndpoints,
  ports: ServicePorts,
): ConfigFiles {
  const write = (name: string, document: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, stringify(document));
    return file;
  };
  const plantFile = write('plant.yaml', plantDocument(phases));
  const calendarFile = write('calendar.yaml', {
    calendars: [
      {
        assetPrefix: OEE_ASSET_PREFIX,
        shifts: [{ name: 'all-day', start: '00:00', end: '00:00', days: ALL_DAYS }],
      },
    ],
  });
  const common = (service: string, opsPort: number) => ({
    http: { host: '127.0.0.1', port: opsPort },
    log: { level: 'info' },
    bus: { kind: 'kafka', kafka: { brokers: [...endpoints.kafkaBrokers], clientId: `chaos-${service}` } },
  });
  const storage = {
    database: { url: endpoints.serviceDatabaseUrl, schema: endpoints.schema },
    redis: { url: endpoints.redisUrl, keyPrefix: endpoints.redisKeyPrefix },
  };
  return {
    ingestion: write('ingestion.yaml', {
      ...common('ingestion', ports.ingestionOps),
      ingestion: {
        buffer: { directory: join(dir, 'ingestion-buffer') },
        connectors: [
          { kind: 'http', id: 'push', host: '127.0.0.1', port: ports.httpPush },
          {
            kind: 'mqtt',
            id: 'chaos-mqtt',
            url: endpoints.mqttUrl,
            clientId: endpoints.mqttClientId,
            qos: 1,
            cleanSession: false,
            subscriptions: [
              {
                topic: `${endpoints.mqttTopicPrefix}/+signal`,
                tag: 'seq/{signal}',
                valuePointer: '/v',
                timestampPointer: '/t',
                timestampFormat: 'epoch-us',
              },
            ],
          },
        ],
      },
    }),
    normalization: write('normalization.yaml', {
      ...common('normalization', ports.normalizationOps),
      ...storage,
      // The OEE inputs are stamped hours back on purpose (late data): keep their source times.
      normalization: { plantFile, maxClockSkewMs: 86_400_000 },
    }),
    oee: write('oee.yaml', {
      ...common('oee', ports.oeeOps),
      ...storage,
      oee: { calendarFile, closeCheckIntervalMs: 2000 },
    }),
  };
}
