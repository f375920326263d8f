#!/usr/bin/env node
// `kiln`: the command line of the Kiln platform. The composition root: the only place reading process.env.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { topicCatalogue } from '@kiln/contracts';
import { routeOpcuaLogs } from '@kiln/ingestion';
import { createLogger, runService } from '@kiln/service-kit';
import { loadSimulatorConfig, startSimulator } from '@kiln/simulator';
import { Command } from 'commander';
import { loadPlatformConfig, platformEnvMap } from './config';
import { SERVICE_NAME, startPlatform } from './platform';

const version = (JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')) as { version: string })
  .version;

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
