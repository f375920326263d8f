// The run's own Kafka broker (`node scripts/infra.mjs broker`, the same jars and settings as `npm run infra:up`)
// with its data under the run's directory, removed at the end. A run writes millions of records to kiln.raw.v1 and
// kiln.telemetry.v1; on the shared broker they would stay for the topics' retention and slow every later reader
// that starts from the beginning (the test suites do). KAFKA_BROKERS points the bench at another broker instead.
import { spawn } from 'node:child_process';
import { createWriteStream, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { processesNaming } from './processes';

/** How long the broker may take to stop on SIGTERM (it flushes its logs), then to die on SIGKILL. */
const STOP_MS = 30_000;
const KILL_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone already */
  }
}

export interface KafkaBroker {
  readonly brokers: readonly string[];
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port whose next one is free too: the broker listens on it and its controller on the next. */
export async function freePortPair(from = 29_092, to = 39_092): Promise<number> {
  for (let port = from; port < to; port += 2) {
    if ((await portFree(port)) && (await portFree(port + 1))) return port;
  }
  throw new Error(`no two free ports in a row between ${from} and ${to}`);
}

export async function startKafka(repoRoot: string, runDir: string): Promise<KafkaBroker> {
  const port = await freePortPair();
  const dir = join(runDir, 'kafka');
  const log = createWriteStream(join(runDir, 'kafka-start.log'), { flags: 'a' });
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'scripts', 'infra.mjs'), 'broker', '--port', String(port), '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const brokers = [`127.0.0.1:${port}`];
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_MS);
        void exited.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // The broker (java) names its directory on its command line; it outlives infra.mjs when that is killed.
    let left = processesNaming(dir);
    if (left.length > 0 || (child.exitCode === null && child.signalCode === null)) {
      child.kill('SIGKILL');
      for (const pid of left) killQuietly(pid);
      const deadline = Date.now() + KILL_MS;
      while ((left = processesNaming(dir)).length > 0 && Date.now() < deadline) await sleep(100);
    }
    rmSync(dir, { recursive: true, force: true });
    if (left.length > 0) throw new Error(`the run's Kafka broker (pids ${left.join(', ')}) did not exit`);
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(
        `the run's Kafka broker exited (logs in ${dir} and ${join(runDir, 'kafka-start.log')})`,
      );
    }
    if (await answers(brokers)) return { brokers, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the run's Kafka broker did not answer on ${brokers[0]} within 120 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function answers(brokers: readonly string[]): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'kiln-e2e-probe',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1_000,
  }).admin();
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
