#!/usr/bin/env node
// `kiln`: the command line of the Kiln platform. The composition root: the only place reading process.env.
import { join } from 'node:path';
import { topicCatalogue } from '@kiln/contracts';
import { createLogger, packageVersion, runService } from '@kiln/service-kit';
import { Command, Option } from 'commander';
import { platformEnvMap } from './env-map';

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
    'run the Kiln platform in this process (in-process bus and embedded defaults unless configured)',
  )
  .option('-c, --config <file>', 'YAML configuration file (default: $KILN_CONFIG)')
  .action(async (options: { config?: string }) => {
    const file = options.config ?? emptyToUndefined(process.env['KILN_CONFIG']);
    // The level comes from the configuration; until it is loaded, errors are logged at the default level.
    let logger = createLogger({ service: SERVICE_NAME, level: 'info' });
    await runService({
      name: SERVICE_NAME,
      logger,
      start: async (lifecycle) => {
        const { loadPlatformConfig } = await import('./config.js');
        const { startPlatform } = await import('./platform.js');
        const { routeOpcuaLogs } = await import('@kiln/ingestion');
        const config = loadPlatformConfig(file, process.env);
        logger = createLogger({ service: SERVICE_NAME, level: config.log.level });
        routeOpcuaLogs(logger);
        logger.info(
          { version, config: file ?? '(defaults and environment)', bus: config.bus.kind },
          'starting Kiln',
        );
        await startPlatform(lifecycle, config, logger, version);
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
  .action(async (options: { config?: string }) => {
    const file = options.config ?? emptyToUndefined(process.env['KILN_SIM_CONFIG']);
    let logger = createLogger({ service: 'simulator', level: 'info' });
    await runService({
      name: 'simulator',
      logger,
      start: async (lifecycle) => {
        const { loadSimulatorConfig, startSimulator } = await import('@kiln/simulator');
        const { routeOpcuaLogs } = await import('@kiln/ingestion');
        const config = loadSimulatorConfig({ ...(file === undefined ? {} : { file }), env: process.env });
        logger = createLogger({ service: 'simulator', level: config.log.level });
        routeOpcuaLogs(logger);
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
  });

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
  .action(() => {
    console.log('KILN_CONFIG\t(path of the YAML configuration file)');
    for (const [name, key] of Object.entries(platformEnvMap)) console.log(`KILN_${name}\t${key}`);
  });

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
