// The bench's side of the API client: forks it, sets it up, sets its rate and collects a measured window.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ApiClientSetup, ApiWindowCounts, FromApiClient, ToApiClient } from './protocol';

export class ApiClientProcess {
  private readonly exited: Promise<void>;
  private waiting: ((counts: ApiWindowCounts) => void) | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: FromApiClient) => {
      if (message.type === 'window') this.waiting?.(message.counts);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(setup: ApiClientSetup): Promise<ApiClientProcess> {
    const child = fork(join(__dirname, 'api-client.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const client = new ApiClientProcess(child);
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (message: FromApiClient) => {
        if (message.type === 'ready') resolve();
      });
      child.once('exit', (code) => reject(new Error(`the API client exited (code ${code})`)));
    });
    client.post({ type: 'setup', setup });
    await ready;
    return client;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  setRate(requestsPerS: number): void {
    this.post({ type: 'rate', requestsPerS });
  }

  mark(): void {
    this.post({ type: 'mark' });
  }

  collect(timeoutMs = 20_000): Promise<ApiWindowCounts> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the API client did not report its window')),
        timeoutMs,
      );
      this.waiting = (counts) => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve(counts);
      };
      this.post({ type: 'collect' });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.post({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  private post(message: ToApiClient): void {
    this.child.send(message);
  }
}
