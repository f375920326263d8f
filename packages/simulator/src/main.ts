// `node packages/simulator/dist/main.js --config simulator.yaml`: runs the simulator until SIGINT/SIGTERM.
import { ConfigError, createLogger } from '@kiln/service-kit';
import { loadSimulatorConfig } from './config';
import { startSimulator } from './simulator';

function configFileArgument(argv: readonly string[]): string | undefined {
  const index = argv.indexOf('--config');
  if (index >= 0) return argv[index + 1];
  return argv.find((arg) => arg.startsWith('--config='))?.slice('--config='.length);
}

async function main(): Promise<void> {
  const file = configFileArgument(process.argv.slice(2)) ?? process.env.KILN_SIM_CONFIG;
  const config = loadSimulatorConfig({ file, env: process.env });
  const logger = createLogger({ service: 'simulator', level: config.log.level });
  const simulator = await startSimulator(config, { logger });
  if (simulator.opcua !== undefined) {
    logger.info(
      {
        endpointUrl: simulator.opcua.endpointUrl,
        serverCertificateFile: simulator.opcua.serverCertificateFile,
      },
      'OPC UA clients: trust this certificate',
    );
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'simulator stopping');
    const deadline = setTimeout(() => process.exit(1), 10_000);
    deadline.unref();
    simulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'simulator did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
});
