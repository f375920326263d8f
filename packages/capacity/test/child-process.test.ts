import { join } from 'node:path';
import { IpcChild } from '../src/child-process';

type ToHelper =
  | { readonly type: 'setup'; readonly setup: 'well' | 'exit-before-ready' | 'deaf-to-stop' }
  | { readonly type: 'echo'; readonly value: number }
  | { readonly type: 'stop' };
type FromHelper = { readonly type: 'ready' } | { readonly type: 'echoed'; readonly value: number };

const HELPER = join(__dirname, 'fixtures', 'ipc-helper.js');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('IpcChild', () => {
  it('starts once the helper answers ready and hands on what it sends after', async () => {
    const echoed: number[] = [];
    const helper = await IpcChild.start<ToHelper, FromHelper>(
      HELPER,
      'the test helper',
      { type: 'setup', setup: 'well' },
      (message) => {
        if (message.type === 'echoed') echoed.push(message.value);
      },
    );
    helper.post({ type: 'echo', value: 7 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(echoed).toEqual([7]);
    await helper.stop();
    expect(isAlive(helper.pid)).toBe(false);
  });

  it('fails to start, naming the helper and its exit code, when it exits before ready', async () => {
    await expect(
      IpcChild.start<ToHelper, FromHelper>(
        HELPER,
        'the test helper',
        { type: 'setup', setup: 'exit-before-ready' },
        () => undefined,
      ),
    ).rejects.toThrow('the test helper exited (code 3)');
  });

  it('stops a helper that a Ctrl-C ended already, without an error for the closed channel', async () => {
    const helper = await IpcChild.start<ToHelper, FromHelper>(
      HELPER,
      'the test helper',
      { type: 'setup', setup: 'well' },
      () => undefined,
    );
    process.kill(helper.pid, 'SIGINT');
    while (isAlive(helper.pid)) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 50));
    helper.post({ type: 'echo', value: 1 });
    await helper.stop();
    // Node raises ERR_IPC_CHANNEL_CLOSED on the next tick when a send fails without a callback.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('kills a helper that does not exit on stop', async () => {
    const helper = await IpcChild.start<ToHelper, FromHelper>(
      HELPER,
      'the test helper',
      { type: 'setup', setup: 'deaf-to-stop' },
      () => undefined,
    );
    const startedMs = Date.now();
    await helper.stop(300);
    expect(Date.now() - startedMs).toBeLessThan(5_000);
    expect(isAlive(helper.pid)).toBe(false);
  });
});
