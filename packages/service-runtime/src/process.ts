// A Kiln service process from its composition root: the configuration (the file named by --config or KILN_CONFIG,
// then the environment), the logger at the configured level, the runtime (telemetry, metrics, bus, topics) and,
// once the service's own parts are up, the ops endpoints with the readiness checks they return. SIGTERM and SIGINT
// stop everything in reverse order (runService).
import type { TopicSpec } from '@kiln/contracts';
import {
  configFileFrom,
  createLogger,
  packageVersion,
  runService,
  type LogLevel,
  type Logger,
  type ReadinessCheck,
  type ServiceLifecycle,
} from '@kiln/service-kit';
import { startRuntime, type Runtime, type RuntimeConfig } from './runtime';

export interface ProcessConfig extends RuntimeConfig {
  log: { level: LogLevel };
}

export interface ServiceProcessContext<C extends ProcessConfig> {
  readonly lifecycle: ServiceLifecycle;
  readonly config: C;
  readonly logger: Logger;
  readonly runtime: Runtime;
  readonly version: string;
}

export interface ServiceProcessOptions<C extends ProcessConfig> {
  readonly service: string;
  /** The service package's folder: its package.json gives the version. */
  readonly packageDir: string;
  /** The process's arguments (after the script) and environment: only the composition root reads them. */
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly loadConfig: (file: string | undefined, env: NodeJS.ProcessEnv) => C;
  readonly topics: readonly TopicSpec[];
  /** See RuntimeOptions.tolerateBusOutage. */
  readonly tolerateBusOutage?: boolean;
  /** Called with the configured logger before the runtime starts (to route a library's own logs). */
  readonly onLogger?: (logger: Logger) => void;
  /** Starts the service's own parts; returns the readiness checks of its ops endpoints. */
  readonly start: (context: ServiceProcessContext<C>) => Promise<readonly ReadinessCheck[]>;
}

export function runServiceProcess<C extends ProcessConfig>(options: ServiceProcessOptions<C>): void {
  const { service } = options;
  const version = packageVersion(options.packageDir);
  void runService({
    name: service,
    logger: createLogger({ service, level: 'info' }),
    start: async (lifecycle) => {
      const config = options.loadConfig(configFileFrom(options.argv, options.env), options.env);
      const logger = createLogger({ service, level: config.log.level });
      options.onLogger?.(logger);
      const runtime = await startRuntime(lifecycle, {
        service,
        version,
        config,
        logger,
        topics: options.topics,
        ...(options.tolerateBusOutage === undefined ? {} : { tolerateBusOutage: options.tolerateBusOutage }),
      });
      await runtime.serve(await options.start({ lifecycle, config, logger, runtime, version }));
    },
  });
}

/** Ready while the database answers `SELECT 1`. */
export function databaseReadiness(db: { query(sql: string): Promise<unknown> }): ReadinessCheck {
  return { name: 'database', check: async () => void (await db.query('SELECT 1')) };
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
