// The bench's side of the load generator: forks it, sets it up, changes its rate, reads its latest counts.
import { join } from 'node:path';
import { IpcChild } from '../child-process';
import type { FromGenerator, LoadCounts, LoadSetup, ToGenerator } from './protocol';

const NO_COUNTS: LoadCounts = { atMs: 0, sent: 0, accepted: 0, failed: 0, skipped: 0, lastError: '' };

export class LoadGenerator {
  private constructor(
    private readonly child: IpcChild<ToGenerator>,
    private readonly latest: { counts: LoadCounts },
  ) {}

  static async start(setup: LoadSetup): Promise<LoadGenerator> {
    const latest = { counts: NO_COUNTS };
    const child = await IpcChild.start<ToGenerator, FromGenerator>(
      join(__dirname, 'generator.js'),
      `the ${setup.channel} load generator`,
      { type: 'setup', setup },
      (message) => {
        if (message.type === 'counts') latest.counts = message.counts;
      },
    );
    return new LoadGenerator(child, latest);
  }

  get pid(): number {
    return this.child.pid;
  }

  setRate(samplesPerS: number): void {
    this.child.post({ type: 'rate', samplesPerS });
  }

  /** The counts of the last report (every 100 ms). */
  counts(): LoadCounts {
    return this.latest.counts;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
