import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { CleanUps, within } from '../src/clean-up';
import { processesNaming } from '../src/processes';
import { deleteGroup } from '../src/services-target';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const never = () => new Promise<never>(() => undefined);

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('CleanUps', () => {
  it('undoes the newest first', async () => {
    const order: string[] = [];
    const cleanUps = new CleanUps(() => undefined);
    for (const name of ['kafka', 'schema', 'services']) {
      cleanUps.add(name, 1_000, async () => order.push(name));
    }
    await cleanUps.run();
    expect(order).toEqual(['services', 'schema', 'kafka']);
  });

  it('logs what a failed or overdue step leaves behind and still runs the next', async () => {
    const lines: string[] = [];
    const done: string[] = [];
    const cleanUps = new CleanUps((line) => lines.push(line));
    cleanUps.add('schemas kiln_e2e_x and kiln_e2e_x_*', 1_000, async () => done.push('schemas'));
    cleanUps.add('the Kafka group', 50, never);
    cleanUps.add('Redis keys', 1_000, () => Promise.reject(new Error('ECONNREFUSED')));
    const startedMs = Date.now();
    await cleanUps.run();
    expect(Date.now() - startedMs).toBeLessThan(1_000);
    expect(done).toEqual(['schemas']);
    expect(lines).toEqual([
      'clean-up: left behind Redis keys (ECONNREFUSED)',
      'clean-up: left behind the Kafka group (the Kafka group: not done within 0.05 s)',
    ]);
  });

  it('runs once: Ctrl-C and the failure it causes in the run wait for the same clean-up', async () => {
    let runs = 0;
    const cleanUps = new CleanUps(() => undefined);
    cleanUps.add('schemas', 1_000, async () => {
      runs += 1;
      await sleep(50);
    });
    const first = cleanUps.run();
    const second = cleanUps.run();
    expect(second).toBe(first);
    await second;
    expect(runs).toBe(1);
  });

  it('names what is still to undo while it runs', async () => {
    const cleanUps = new CleanUps(() => undefined);
    cleanUps.add('schemas', 1_000, async () => undefined);
    cleanUps.add('services', 1_000, () => sleep(100));
    const running = cleanUps.run();
    expect(cleanUps.pending()).toEqual(['services', 'schemas']);
    await running;
    expect(cleanUps.pending()).toEqual([]);
  });

  it('runs a step registered after the clean-up began at once', async () => {
    const done: string[] = [];
    const cleanUps = new CleanUps(() => undefined);
    await cleanUps.run();
    cleanUps.add('services started late', 1_000, async () => done.push('late'));
    await sleep(10);
    expect(done).toEqual(['late']);
  });
});

describe('within', () => {
  it('passes on what the work gives when it is in time', async () => {
    await expect(within(Promise.resolve(7), 1_000, 'x')).resolves.toBe(7);
  });
});

describe('deleteGroup', () => {
  it('fails within seconds on a broker that is gone, not after the default retries', async () => {
    const startedMs = Date.now();
    await expect(deleteGroup([`127.0.0.1:${await closedPort()}`], 'kiln-e2e-gone')).rejects.toThrow();
    expect(Date.now() - startedMs).toBeLessThan(3_000);
  });
});

describe('processesNaming', () => {
  it('finds a process by a path on its command line, as the run finds its broker', async () => {
    const marker = `kiln-e2e-test-${process.pid}-${Date.now()}`;
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 30_000)', marker]);
    try {
      await sleep(200);
      expect(processesNaming(marker)).toEqual([child.pid]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
