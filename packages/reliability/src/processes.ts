// The processes a run starts: each Kiln process with its log in a file, its error-level lines counted, and one
// registry that kills them all at the end of a run, on a failure and on Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { countsAsError } from './log-lines';

/** `node packages/cli/dist/main.js`: the `kiln` command of this checkout. */
export const KILN_MAIN = require.resolve('@kiln/cli');

export interface KilnProcess {
  readonly name: string;
  readonly pid: number;
  /** Error-level log lines (pino level >= 50) so far, and the first few of them. */
  errorLines(): { count: number; first: string[] };
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  isRunning(): boolean;
  /** Sends the signal and waits for the exit; SIGTERM that does not end it in time is followed by SIGKILL. */
  stop(signal: 'SIGTERM' | 'SIGKILL', graceMs?: number): Promise<void>;
}

const running = new Set<KilnProcess>();
const cleanups: Array<() => Promise<void>> = [];

/** Starts `kiln <args>` with stdout and stderr appended to logFile. */
export function startKiln(
  name: string,
  args: readonly string[],
  logFile: string,
  env?: NodeJS.ProcessEnv,
): KilnProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [KILN_MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(env === undefined ? {} : { env }),
  });
  if (child.pid === undefined) throw new Error(`could not start kiln ${args.join(' ')}`);
  let errorCount = 0;
  const firstErrors: string[] = [];
  const follow = (stream: NodeJS.ReadableStream | null): void => {
    if (!stream) return;
    createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      if (countsAsError(line)) {
        errorCount += 1;
        if (firstErrors.length < 5) firstErrors.push(line.slice(0, 600));
      }
    });
  };
  follow(child.stdout);
  follow(child.stderr);
  let alive = true;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      alive = false;
      running.delete(handle);
      closeLog(log);
      resolve(code);
    });
  });
  const handle: KilnProcess = {
    name,
    pid: child.pid,
    exited,
    errorLines: () => ({ count: errorCount, first: [...firstErrors] }),
    isRunning: () => alive,
    stop: (signal, graceMs = 15_000) => stopChild(child, exited, () => alive, signal, graceMs),
  };
  running.add(handle);
  return handle;
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<number | null>,
  alive: () => boolean,
  signal: 'SIGTERM' | 'SIGKILL',
  graceMs: number,
): Promise<void> {
  if (!alive()) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

function closeLog(log: WriteStream): void {
  log.end();
}

/** Something else to undo at the end of the run (a broker, a proxy, a scratch schema), last registered first. */
export function onCleanup(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

let cleaning: Promise<void> | undefined;

/** True once the run is being torn down (interrupted or finished): later failures are its consequence. */
export function cleaningUp(): boolean {
  return cleaning !== undefined;
}

/** Kills every process still running and runs the cleanups; safe to call more than once. */
export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all([...running].map((one) => one.stop('SIGKILL').catch(() => undefined)));
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => {
        console.error(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  })();
  return cleaning;
}

/** Ctrl-C, SIGTERM and an uncaught error end the run through cleanUp, with a non-zero exit code. */
export function cleanUpOnInterrupt(): void {
  const abort = (why: string, code: number) => {
    console.error(`\n${why}: stopping every process this run started`);
    void cleanUp().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));
  process.once('uncaughtException', (error) => abort(`uncaught: ${error.stack ?? error.message}`, 1));
  process.once('unhandledRejection', (reason) => abort(`unhandled rejection: ${String(reason)}`, 1));
}

/**
 * Runs a suite's main and exits with its code once every process it started is stopped; a suite that failed to
 * run at all exits 2. Interrupted, the Ctrl-C handler exits instead, once everything is stopped.
 */
export function runMain(suite: string, main: () => Promise<number>): void {
  main().then(
    async (code) => {
      await cleanUp();
      process.exit(code);
    },
    async (error: unknown) => {
      if (cleaningUp()) return;
      console.error(
        `${suite} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      await cleanUp();
      process.exit(2);
    },
  );
}
