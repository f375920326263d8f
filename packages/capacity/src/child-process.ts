// A helper process the bench forks and talks to over IPC (the load generator, the API client): it is sent its
// setup, answers `ready` once set up, takes the bench's messages and exits when sent `stop`.
import { fork, type ChildProcess } from 'node:child_process';

interface Message {
  readonly type: string;
}

/** Every helper's protocol ends with this message; the helper exits on it. */
interface StopMessage {
  readonly type: 'stop';
}

export class IpcChild<ToChild extends Message> {
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /**
   * Forks `script`, hands each of its messages to `onMessage`, sends it `setup` and resolves once it answers
   * `ready`; rejects when it exits first. `name` says which helper in that error ("the API client").
   */
  static async start<ToChild extends Message, FromChild extends Message>(
    script: string,
    name: string,
    setup: ToChild,
    onMessage: (message: FromChild) => void,
  ): Promise<IpcChild<ToChild>> {
    const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // The bench sees a helper's end by its exit: a failed kill must not end the bench with an unhandled error.
    child.on('error', () => undefined);
    child.on('message', onMessage);
    const helper = new IpcChild<ToChild>(child);
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (message: FromChild) => {
        if (message.type === 'ready') resolve();
      });
      child.once('exit', (code) => reject(new Error(`${name} exited (code ${code})`)));
    });
    helper.post(setup);
    await ready;
    return helper;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /**
   * Sends a message; one to a helper that has exited (a terminal's Ctrl-C reaches the whole process group) is
   * dropped: without the callback Node would raise ERR_IPC_CHANNEL_CLOSED as an 'error' event and end the bench
   * before its clean-up.
   */
  post(message: ToChild): void {
    if (!this.child.connected) return;
    this.child.send(message, () => undefined);
  }

  /**
   * Sends `stop` and waits for the exit; kills the helper when it has not exited after `killAfterMs`. A helper
   * ended by a signal has a signalCode and no exitCode; one whose channel is closed gets SIGTERM instead.
   */
  async stop(killAfterMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const stop: StopMessage = { type: 'stop' };
    if (this.child.connected) {
      this.child.send(stop, (error) => {
        if (error) this.child.kill('SIGTERM');
      });
    } else {
      this.child.kill('SIGTERM');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), killAfterMs);
    await this.exited;
    clearTimeout(timer);
  }
}
