// Runs the built `kiln` command (or a fixture) as a child process and follows its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitUntil } from '@kiln/test-infra';

export { freePort } from '@kiln/test-infra';

export const KILN_MAIN = join(__dirname, '../dist/main.js');

export interface RunningProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Lines of stdout that parse as JSON. */
  events(): Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function run(script: string, args: readonly string[], env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, [script, ...args], {
    // Only what the test sets, plus PATH: a developer's own KILN_* variables must not leak in.
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    events: () =>
      out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    exited,
  };
}

/** Waits for the process to exit, killing it when it takes longer than timeoutMs. */
export async function exitWithin(
  running: RunningProcess,
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
  try {
    return await running.exited;
  } finally {
    clearTimeout(timer);
  }
}

export async function httpStatus(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    // A process whose event loop is stalled accepts the connection and never answers: fail, do not hang.
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

export async function waitForReady(base: string, running: RunningProcess, timeoutMs: number): Promise<void> {
  await waitUntil(async () => (await httpStatus(`${base}/readyz`))?.status === 200, {
    timeoutMs,
    what: `${base}/readyz to answer 200`,
    describe: () => running.stdout().slice(-2_000) + running.stderr().slice(-2_000),
  });
}
