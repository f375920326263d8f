// A Kiln service process from its definition: the configuration (the file named by --config or KILN_CONFIG, then
// the environment), the logger at the configured level, the runtime (telemetry, metrics, bus, topics) and, once the
// service's own parts are up, the ops endpoints with the readiness checks they return. SIGTERM and SIGINT stop
// everything in reverse order (runService).
import { topics } from '@kiln/contracts';
import {
  configFileFrom,
  createLogger,
  packageVersion,
  runService,
  type LogLevel,
  type ReadinessCheck,
} from '@kiln/service-kit';
import { topicsOf, type ServiceDefinition } from './definition';
import { ResourceScope } from './resources';
import { startRuntime, type RuntimeConfig } from './runtime';

export interface ProcessConfig extends RuntimeConfig {
  log: { level: LogLevel };
}

export interface ServiceProcessOptions {
  /** The process's arguments (after the script) and environment: only the composition root reads them. */
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Runs one service definition as its own process: its configuration, its logger, the runtime with the topics it
 * declares, the resources it uses, the service, and last the ops endpoints with the resources' and the service's
 * readiness checks.
 */
export function runServiceProcess<C extends ProcessConfig, H, X>(
  definition: ServiceDefinition<C, H, X>,
  options: ServiceProcessOptions,
): void {
  const service = definition.id;
  const version = packageVersion(definition.packageDir);
  void runService({
    name: service,
    logger: createLogger({ service, level: 'info' }),
    start: async (lifecycle) => {
      const config = definition.config.load(configFileFrom(options.argv, options.env), options.env);
      const logger = createLogger({ service, level: config.log.level });
      definition.onLogger?.(logger);
      const runtime = await startRuntime(lifecycle, {
        service,
        version,
        config,
        logger,
        topics: topicsOf(definition, topics.dlq),
        ...(definition.tolerateBusOutage === undefined
          ? {}
          : { tolerateBusOutage: definition.tolerateBusOutage }),
      });
      const scope = new ResourceScope(lifecycle, config, { service, logger });
      const started = await definition.start({
        lifecycle,
        config,
        logger,
        bus: runtime.bus,
        registry: runtime.registry,
        version,
        resources: scope.forService(service, definition.uses),
      });
      const { onHangup } = definition;
      if (onHangup !== undefined) {
        const hangup = (): void => onHangup(started.handle);
        process.on('SIGHUP', hangup);
        lifecycle.add({ name: 'SIGHUP handler', stop: async () => void process.off('SIGHUP', hangup) });
      }
      await runtime.serve([...scope.readiness(), ...started.readiness]);
    },
  });
}

/** Ready once the consumer has joined its group (or whatever `isReady` says, named by `problem`). */
export function consumerReadiness(
  isReady: () => boolean,
  name = 'consumer',
  problem = 'not yet a member of its consumer group',
): ReadinessCheck {
  return {
    name,
    check: async () => {
      if (!isReady()) throw new Error(problem);
    },
  };
}
