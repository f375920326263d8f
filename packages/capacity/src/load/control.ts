// The bench's side of the load generator: forks it, sets it up, changes its rate, reads its latest counts.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FromGenerator, LoadCounts, LoadSetup, ToGenerator } from './protocol';

const NO_COUNTS: LoadCounts = { atMs: 0, sent: 0, accepted: 0, failed: 0, skipped: 0, lastError: '' };

export class LoadGenerator {
  private latest: LoadCounts = NO_COUNTS;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: FromGenerator) => {
      if (message.type === 'counts') this.latest = message.counts;
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(setup: LoadSetup): Promise<LoadGenerator> {
    const child = fork(join(__dirname, 'generator.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const generator = new LoadGenerator(child);
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (message: FromGenerator) => {
        if (message.type === 'ready') resolve();
      });
      child.once('exit', (code) =>
        reject(new Error(`the ${setup.channel} load generator exited (code ${code})`)),
      );
    });
    generator.post({ type: 'setup', setup });
    await ready;
    return generator;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  setRate(samplesPerS: number): void {
    this.post({ type: 'rate', samplesPerS });
  }

  /** The counts of the last report (every 100 ms). */
  counts(): LoadCounts {
    return this.latest;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.post({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  private post(message: ToGenerator): void {
    this.child.send(message);
  }
}
