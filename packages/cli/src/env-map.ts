// The environment variables `kiln start` reads: the runtime's and storage's, those of kiln start itself, and each
// service's, from its definition (services.ts).
import { busEnvMap } from '@kiln/bus';
import { serviceEnvMap } from '@kiln/service-kit';
import { storageEnvMap } from '@kiln/timeseries';
import { platformServiceConfig } from './services';

/** Environment names (after `KILN_`) of kiln start's own keys. */
export const platformOwnEnvMap = {
  DATA_DIR: 'dataDir',
  TOPIC_PARTITIONS: 'topics.partitions',
  SIMULATOR: 'simulator.enabled',
  SIMULATOR_SPEED_FACTOR: 'simulator.speedFactor',
  SIMULATOR_OPCUA_PORT: 'simulator.opcua.port',
  SIMULATOR_ERP: 'simulator.erp.enabled',
  DATABASE_EMBEDDED_DIR: 'database.embedded.dataDir',
} as const satisfies Record<string, string>;

/** Environment variables (all with the `KILN_` prefix) and the configuration key each sets. */
export const platformEnvMap: Readonly<Record<string, string>> = {
  // KILN_HTTP_HOST / KILN_HTTP_PORT (http.*): the gateway's REST listener, which also serves the ops endpoints.
  ...serviceEnvMap,
  ...busEnvMap,
  ...storageEnvMap,
  ...platformOwnEnvMap,
  ...platformServiceConfig.env,
};
