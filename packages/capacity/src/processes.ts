// The Kiln processes of a run: each a `node <script>` child with its output in a log file, ready once its ops
// endpoint answers, and all stopped at the end of the run, on a failure and on Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  stop(): Promise<void>;
}

const running = new Set<ServiceProcess>();
let stopping = false;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startProcess(
  name: string,
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): ServiceProcess & { readonly child: ChildProcess } {
  // After stopAll nothing may start: a run that goes on after Ctrl-C would leave what it starts running.
  if (stopping) throw new Error(`the run is stopping: ${name} not started`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...profileArgs(name, logFile), script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${script})`);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(handle);
      log.end();
      resolve();
    }),
  );
  const handle = {
    name,
    pid: child.pid,
    logFile,
    child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(handle);
  return handle;
}

/** Processes to run under `--cpu-prof` (KILN_E2E_CPU_PROFILE, read by main.ts); node refuses it in NODE_OPTIONS. */
let profiled: readonly string[] = [];

export function profileProcesses(names: readonly string[]): void {
  profiled = names;
}

/** The profile of a process named in profileProcesses (by prefix) lands beside its log when it exits. */
function profileArgs(name: string, logFile: string): string[] {
  if (!profiled.some((one) => one !== '' && name.startsWith(one))) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${dirname(logFile)}`, `--cpu-prof-name=${name}.cpuprofile`];
}

/** Waits until GET url answers 200; fails when the process exits first or the time is up. */
export async function waitReady(
  service: ServiceProcess & { readonly child: ChildProcess },
  url: string,
  timeoutMs = 120_000,
  headers: Record<string, string> = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) {
      throw new Error(`${service.name} exited while starting (log: ${service.logFile})`);
    }
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  throw new Error(`${service.name} was not ready within ${timeoutMs} ms (${url}; log: ${service.logFile})`);
}

export async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all([...running].map((one) => one.stop().catch(() => undefined)));
}

/**
 * The processes (but this one) whose command line contains `text`, from /proc: those of a run name its directory,
 * and so can be found after their parent is gone (the run's Kafka broker, a java child of infra.mjs).
 */
export function processesNaming(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) pids.push(pid);
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}
