// The bench's side of the API client (forks it, sets it up, sets its rate and collects a measured window) and of
// the bare server of the box floor.
import { join } from 'node:path';
import { IpcChild } from '../child-process';
import type {
  ApiClientSetup,
  ApiWindowCounts,
  FromApiClient,
  FromBareServer,
  ToApiClient,
  ToBareServer,
} from './protocol';

/** Who waits for the window the client reports after a `collect`. */
interface WindowWaiter {
  take: ((counts: ApiWindowCounts) => void) | undefined;
}

export class ApiClientProcess {
  private constructor(
    private readonly child: IpcChild<ToApiClient>,
    private readonly waiting: WindowWaiter,
  ) {}

  static async start(setup: ApiClientSetup): Promise<ApiClientProcess> {
    const waiting: WindowWaiter = { take: undefined };
    const child = await IpcChild.start<ToApiClient, FromApiClient>(
      join(__dirname, 'api-client.js'),
      'the API client',
      { type: 'setup', setup },
      (message) => {
        if (message.type === 'window') waiting.take?.(message.counts);
      },
    );
    return new ApiClientProcess(child, waiting);
  }

  get pid(): number {
    return this.child.pid;
  }

  setRate(requestsPerS: number): void {
    this.child.post({ type: 'rate', requestsPerS });
  }

  mark(): void {
    this.child.post({ type: 'mark' });
  }

  collect(timeoutMs = 20_000): Promise<ApiWindowCounts> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the API client did not report its window')),
        timeoutMs,
      );
      this.waiting.take = (counts) => {
        clearTimeout(timer);
        this.waiting.take = undefined;
        resolve(counts);
      };
      this.child.post({ type: 'collect' });
    });
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

/** The bare Node HTTP server of the box floor, in a process of its own so that its CPU shows apart. */
export class BareServerProcess {
  private constructor(
    private readonly child: IpcChild<ToBareServer>,
    readonly baseUrl: string,
  ) {}

  /**
   * `values`: the values in each answer (a latest-value answer's); `script`: the compiled server (a test running
   * the sources passes the built one).
   */
  static async start(values: number, script = join(__dirname, 'bare-server.js')): Promise<BareServerProcess> {
    let port = 0;
    const child = await IpcChild.start<ToBareServer, FromBareServer>(
      script,
      'the bare server',
      { type: 'setup', values },
      (message) => {
        port = message.port;
      },
    );
    return new BareServerProcess(child, `http://127.0.0.1:${port}`);
  }

  get pid(): number {
    return this.child.pid;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
