// `kiln start <service>`: one service on its own, against Kafka, PostgreSQL / TimescaleDB and Redis. It runs the
// service's definition exactly as `node services/<name>/dist/main.js` does (runServiceProcess: its config schema,
// its environment variables, its ops server), so a service run through `kiln` cannot drift from one run alone.
// `kiln start simulator` is `kiln simulate`.
import { runServiceProcess, type AnyServiceDefinition } from '@kiln/service-runtime';
import { createLogger } from '@kiln/service-kit';
import { PLATFORM_SERVICES, routeLibraryLogs } from './services';

export const SERVICE_NAMES = [...PLATFORM_SERVICES.map((definition) => definition.id), 'simulator'];

/** Runs one service of the list in this process; SIGTERM drains and exits. */
export function startServiceProcess(
  service: string,
  configFile: string | undefined,
  env: NodeJS.ProcessEnv,
): void {
  const definition: AnyServiceDefinition | undefined = PLATFORM_SERVICES.find(
    (candidate) => candidate.id === service,
  );
  if (definition === undefined)
    throw new Error(`no service ${service}: expected one of ${SERVICE_NAMES.join(', ')}`);
  // The list loads every service and with it node-opcua, whose load-time warnings would reach stdout as plain
  // text: they are logged as JSON lines of this service, as its own process logs everything.
  routeLibraryLogs(createLogger({ service: definition.id, level: 'warn' }));
  runServiceProcess(definition, { argv: configFile === undefined ? [] : ['--config', configFile], env });
}
