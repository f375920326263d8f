// `kiln start <service>`: one service on its own, against Kafka, PostgreSQL / TimescaleDB and Redis. The same code
// as `node services/<name>/dist/main.js`: the service's own composition root (its config schema, its environment
// variables, its ops server) is loaded as it is, so a service run through `kiln` cannot drift from one run alone.
import { pathToFileURL } from 'node:url';

/** The process entry of each service that `kiln start <service>` runs, as a module of its workspace package. */
export const SERVICE_ENTRIES = {
  ingestion: '@kiln/ingestion/dist/main.js',
  normalization: '@kiln/normalization/dist/main.js',
  oee: '@kiln/oee-service/dist/main.js',
  maintenance: '@kiln/maintenance/dist/main.js',
  'erp-sync': '@kiln/erp-sync/dist/main.js',
  gateway: '@kiln/gateway/dist/main.js',
  simulator: '@kiln/simulator/dist/main.js',
} as const satisfies Record<string, string>;

export type ServiceName = keyof typeof SERVICE_ENTRIES;

export const SERVICE_NAMES = Object.keys(SERVICE_ENTRIES) as ServiceName[];

export function isServiceName(name: string): name is ServiceName {
  return Object.hasOwn(SERVICE_ENTRIES, name);
}

/**
 * Runs a service's process entry in this process. Each entry starts its service when loaded (runService: config
 * from `--config` / `KILN_CONFIG` and `KILN_*`, SIGTERM drains and exits); it reads its configuration file from
 * its own command line, so the command line is rewritten to the one the entry would have when run directly.
 */
export async function startServiceEntry(service: ServiceName, configFile: string | undefined): Promise<void> {
  let entry: string;
  try {
    entry = require.resolve(SERVICE_ENTRIES[service]);
  } catch (error) {
    throw new Error(
      `cannot load the ${service} service (${SERVICE_ENTRIES[service]}): build it first with npm run build`,
      { cause: error },
    );
  }
  process.argv = [
    process.argv[0] ?? process.execPath,
    entry,
    ...(configFile === undefined ? [] : ['--config', configFile]),
  ];
  await import(pathToFileURL(entry).href);
}
