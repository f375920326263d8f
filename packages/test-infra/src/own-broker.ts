// A Kafka broker of a test's own, for tests that stop and restart a broker (an outage must not disturb the
// shared broker other suites use). Runs `scripts/infra.mjs broker` from the same jars as the shared one.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { waitUntil } from './wait';

const INFRA_SCRIPT = join(__dirname, '../../../scripts/infra.mjs');

export interface OwnBroker {
  readonly brokers: string[];
  /** Starts the broker (again, on the same data) and resolves when it answers. */
  start(): Promise<void>;
  /** Stops it: SIGTERM (a clean shutdown) or SIGKILL (a crash). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export function ownBroker(options: { port: number; dir: string }): OwnBroker {
  const brokers = [`127.0.0.1:${options.port}`];
  let child: ChildProcess | undefined;
  return {
    brokers,
    async start() {
      if (child) return;
      child = spawn(
        process.execPath,
        [INFRA_SCRIPT, 'broker', '--port', String(options.port), '--dir', options.dir],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      await waitUntil(() => answers(brokers), {
        timeoutMs: 90_000,
        intervalMs: 500,
        what: `the test broker on ${brokers[0]} (log: ${options.dir}/kafka.log)`,
      });
    },
    async stop(signal = 'SIGTERM') {
      const running = child;
      if (!running) return;
      child = undefined;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill(signal);
      if (signal === 'SIGKILL') {
        // The script dies at once; its java child must go too.
        spawn('pkill', ['-KILL', '-f', `${options.dir}/server.properties`]);
      }
      await exited;
      await waitUntil(async () => !(await answers(brokers)), {
        timeoutMs: 30_000,
        what: 'the test broker to stop',
      });
    },
  };
}

async function answers(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
