#!/usr/bin/env node
// `kiln`: the command line of the Kiln platform. The composition root: the only place reading process.env.
import { join } from 'node:path';
import { topicCatalogue } from '@kiln/contracts';
import { createLogger, packageVersion, runService } from '@kiln/service-kit';
import { Argument, Command, Option } from 'commander';

// The services, the simulator and the database drivers are loaded by the commands that use them: node-opcua
// alone takes a second to load and prints to the console before its output can be routed to the logger.
const SERVICE_NAME = 'kiln';

const version = packageVersion(join(__dirname, '..'));

const program = new Command('kiln')
  .description('Kiln, the open IT/OT data backbone for factories')
  .version(version)
  .showHelpAfterError();

program
  .command('start')
  .description(
    'run the Kiln platform in this process (in-process bus and embedded defaults unless configured), or one ' +
      'service of it on its own, against Kafka, PostgreSQL and Redis (configured as that service alone)',
  )
  .addArgument(
    new Argument(
      '[service]',
      'run only this service, as node services/<name>/dist/main.js would (the list: kiln services)',
    ),
  )
  .option(
    '-c, --config <file>',
    'YAML configuration file (default: $KILN_CONFIG; for the simulator alone $KILN_SIM_CONFIG)',
  )
  .action(async (service: string | undefined, options: { config?: string }, command: Command) => {
    if (service === 'simulator') {
      await simulate(options.config);
      return;
    }
    if (service !== undefined) {
      // The services are loaded only now: node-opcua alone takes a second to load.
      const { SERVICE_NAMES, startServiceProcess } = await import('./service-entries.js');
      if (!SERVICE_NAMES.includes(service)) {
        command.error(
          `error: command-argument value '${service}' is invalid for argument 'service'. ` +
            `Allowed choices are ${SERVICE_NAMES.join(', ')}.`,
        );
      }
      // The service reads KILN_CONFIG itself when no file is given, as its own process does.
      startServiceProcess(service, options.config, process.env);
      return;
    }
    const file = options.config ?? emptyToUndefined(process.env['KILN_CONFIG']);
    // The level comes from the configuration; until it is loaded, errors are logged at the default level.
    let logger = createLogger({ service: SERVICE_NAME, level: 'info' });
    await runService({
      name: SERVICE_NAME,
      logger,
      start: async (lifecycle) => {
        const { loadPlatformConfig } = await import('./config.js');
        const { startPlatform } = await import('./platform.js');
        const { routeLibraryLogs } = await import('./services.js');
        // REDIS_URL, the usual name, counts where KILN_REDIS_URL is not set.
        const env = { ...process.env };
        if (
          emptyToUndefined(env['KILN_REDIS_URL']) === undefined &&
          emptyToUndefined(env['REDIS_URL']) !== undefined
        ) {
          env['KILN_REDIS_URL'] = env['REDIS_URL'];
        }
        const config = loadPlatformConfig(file, env);
        logger = createLogger({ service: SERVICE_NAME, level: config.log.level });
        routeLibraryLogs(logger);
        logger.info(
          { version, config: file ?? '(defaults and environment)', bus: config.bus.kind },
          'starting Kiln',
        );
        const started = await startPlatform(lifecycle, config, logger, version);
        const { startBanner } = await import('./banner.js');
        console.log(
          startBanner({
            httpUrl: started.gateway.httpUrl,
            grpcAddress: started.gateway.grpcAddress,
            adminKey: started.adminKey,
          }),
        );
        const { watchWarmUp } = await import('./warm-up.js');
        const warmUp = watchWarmUp(started.readiness, (line) => console.log(line));
        lifecycle.add({ name: 'warm-up progress', stop: async () => warmUp.stop() });
      },
    });
  });

program
  .command('simulate')
  .description('run the simulated factory alone: OPC UA, MQTT (JSON, Sparkplug B) and Modbus TCP servers')
  .option(
    '-c, --config <file>',
    'simulator YAML (see packages/simulator/simulator.example.yaml; default: $KILN_SIM_CONFIG)',
  )
  .action(async (options: { config?: string }) => simulate(options.config));

program
  .command('migrate')
  .description('create or update the database schema (versioned, idempotent; TimescaleDB where installed)')
  .option('--url <url>', 'PostgreSQL / TimescaleDB connection URL (default: $KILN_DATABASE_URL)')
  .option(
    '--embedded <dir>',
    'migrate the embedded database (PGlite with TimescaleDB) in this directory instead',
  )
  .option('--schema <name>', 'schema holding the tables', 'kiln')
  .addOption(
    new Option('--timescale <mode>', 'auto: use TimescaleDB where available; require; off')
      .choices(['auto', 'require', 'off'])
      .default('auto'),
  )
  .action(
    async (options: {
      url?: string;
      embedded?: string;
      schema: string;
      timescale: 'auto' | 'require' | 'off';
    }) => {
      const url = options.url ?? emptyToUndefined(process.env['KILN_DATABASE_URL']);
      if (url === undefined && options.embedded === undefined) {
        throw new Error('kiln migrate needs --url (or KILN_DATABASE_URL) or --embedded <dir>');
      }
      const { migrate, PgDatabase, PgliteDatabase } = await import('@kiln/timeseries');
      const db =
        options.embedded === undefined
          ? new PgDatabase({ connectionString: url ?? '', applicationName: 'kiln migrate' })
          : await PgliteDatabase.create({ dataDir: options.embedded });
      try {
        const result = await migrate(db, { schema: options.schema, timescale: options.timescale });
        console.log(
          result.applied.length === 0
            ? `schema ${result.schema} (${result.backend}) is up to date`
            : `schema ${result.schema} (${result.backend}): applied migrations ${result.applied.join(', ')}`,
        );
      } finally {
        await db.close();
      }
    },
  );

const keys = program
  .command('keys')
  .description(
    "create, list and revoke the gateway's API keys in the configured database (as kiln start: the embedded " +
      'one under the data directory, or KILN_DATABASE_URL)',
  );

keys
  .command('create')
  .description('create an API key for a site and role; prints its token once')
  .requiredOption('--site <site>', 'site id such as acme/plant-1, or * for every site')
  .requiredOption('--role <role>', 'reader, operator or admin')
  .option('--label <text>', 'what or who the key is for', '')
  .option('-c, --config <file>', 'YAML configuration file (default: $KILN_CONFIG)')
  .action(
    async (options: { site: string; role: string; label: string; config?: string }, command: Command) => {
      await runKeysCommand(command, options.config, async (store) => {
        const created = await store.create(options.site, options.role, options.label);
        console.log(`created API key ${created.id} (site ${created.site}, role ${created.role})`);
        console.log(`token (shown once, keep it safe): ${created.token}`);
      });
    },
  );

keys
  .command('list')
  .description('list the API keys: id, site, role, label, created, revoked (never their tokens)')
  .option('-c, --config <file>', 'YAML configuration file (default: $KILN_CONFIG)')
  .action(async (options: { config?: string }, command: Command) => {
    await runKeysCommand(command, options.config, async (store) => {
      const { keyTable } = await import('./keys.js');
      console.log(keyTable(await store.list()));
    });
  });

keys
  .command('revoke')
  .description('revoke an API key by its id (gateways notice within gateway.auth.keyCacheMs)')
  .argument('<id>', 'the key id, as kiln keys list shows it')
  .option('-c, --config <file>', 'YAML configuration file (default: $KILN_CONFIG)')
  .action(async (id: string, options: { config?: string }, command: Command) => {
    await runKeysCommand(command, options.config, async (store) => {
      if (!(await store.revoke(id))) {
        throw new KeysUsageError(
          `no active API key with id ${id} (unknown or revoked already; see kiln keys list)`,
        );
      }
      console.log(`revoked API key ${id}`);
    });
  });

/** A mistake in the command's arguments: reported with the usage text. */
class KeysUsageError extends Error {}

async function runKeysCommand(
  command: Command,
  configOption: string | undefined,
  use: (store: import('@kiln/gateway').ApiKeyStore) => Promise<void>,
): Promise<void> {
  const file = configOption ?? emptyToUndefined(process.env['KILN_CONFIG']);
  const { loadPlatformConfig } = await import('./config.js');
  const { withKeyStore } = await import('./keys.js');
  const { ApiError } = await import('@kiln/gateway');
  const { routeLibraryLogs } = await import('./services.js');
  // The configuration loads node-opcua, whose start-up warnings would mix into the command's output.
  routeLibraryLogs(createLogger({ service: SERVICE_NAME, level: 'error' }));
  const config = loadPlatformConfig(file, process.env);
  try {
    await withKeyStore(config, use);
  } catch (error) {
    // The key store names the argument at fault (site, role): say which option that is, with the usage.
    if (error instanceof ApiError && error.kind === 'invalid-argument') {
      const detail =
        error.field === undefined ? error.message : error.message.replace(`${error.field}: `, '');
      command.error(`error: ${error.field === undefined ? '' : `--${error.field}: `}${detail}`);
    }
    if (error instanceof KeysUsageError) command.error(`error: ${error.message}`);
    throw error;
  }
}

program
  .command('topics')
  .description('list the topic catalogue: name, key, partitions, retention, cleanup policy, message')
  .action(() => {
    for (const spec of topicCatalogue) {
      const retention = spec.retentionMs < 0 ? 'forever' : `${spec.retentionMs / 86_400_000} d`;
      console.log(
        [spec.name, spec.key, spec.partitions, retention, spec.cleanupPolicy, spec.messageType ?? '-'].join(
          '\t',
        ),
      );
    }
  });

program
  .command('env')
  .description('list the environment variables kiln start reads and the configuration key each sets')
  .action(async () => {
    const { platformEnvMap } = await import('./env-map.js');
    await quietLibraries();
    console.log('KILN_CONFIG\t(path of the YAML configuration file)');
    for (const [name, key] of Object.entries(platformEnvMap)) console.log(`KILN_${name}\t${key}`);
  });

program
  .command('services')
  .description('list the services kiln start runs: the topics each consumes and produces, what it uses')
  .action(async () => {
    const { PLATFORM_SERVICES } = await import('./services.js');
    await quietLibraries();
    const { startOrder } = await import('@kiln/service-runtime');
    const names = (list: readonly { name: string }[]) => list.map((topic) => topic.name).join(',') || '-';
    console.log(['service', 'consumes', 'produces', 'uses'].join('\t'));
    for (const definition of startOrder(PLATFORM_SERVICES)) {
      const uses = ['bus', ...definition.uses.map((resource) => resource.id)].join(',');
      console.log([definition.id, names(definition.consumes), names(definition.produces), uses].join('\t'));
    }
  });

/** Loading the services loads node-opcua, whose warnings would mix into a listing: errors only, as logs. */
async function quietLibraries(): Promise<void> {
  const { routeLibraryLogs } = await import('./services.js');
  routeLibraryLogs(createLogger({ service: SERVICE_NAME, level: 'error' }));
}

/** The simulated factory alone (`kiln simulate`, `kiln start simulator`). */
async function simulate(configOption: string | undefined): Promise<void> {
  const file = configOption ?? emptyToUndefined(process.env['KILN_SIM_CONFIG']);
  let logger = createLogger({ service: 'simulator', level: 'info' });
  await runService({
    name: 'simulator',
    logger,
    start: async (lifecycle) => {
      const { loadSimulatorConfig, startSimulator } = await import('@kiln/simulator');
      const { routeLibraryLogs } = await import('./services.js');
      const config = loadSimulatorConfig({ ...(file === undefined ? {} : { file }), env: process.env });
      logger = createLogger({ service: 'simulator', level: config.log.level });
      routeLibraryLogs(logger);
      const simulator = await startSimulator(config, { logger });
      lifecycle.add({ name: 'simulator', stop: () => simulator.stop() });
      if (simulator.opcua) {
        logger.info(
          {
            endpointUrl: simulator.opcua.endpointUrl,
            serverCertificateFile: simulator.opcua.serverCertificateFile,
          },
          'OPC UA clients: trust this server certificate',
        );
      }
    },
  });
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
