// The embedded database on its own thread (real PGlite with TimescaleDB in a worker): the same answers, errors with
// PostgreSQL's SQLSTATE, transactions that commit and roll back, the data directory kept across a restart, and the
// caller's event loop free while a long statement runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { HistorianWriter, migrate, PgliteThreadDatabase } from '../src';
import { temperatureSample as sample } from './support';

jest.setTimeout(180_000);

describe('PgliteThreadDatabase', () => {
  let dataDir: string;
  let db: PgliteThreadDatabase;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kiln-pglite-thread-'));
    db = await PgliteThreadDatabase.create({ dataDir });
    await migrate(db, {});
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers statements with rows and counts, and errors with their SQLSTATE', async () => {
    await new HistorianWriter(db).writeNamedTelemetry([sample(0), sample(1)]);
    const { rows } = await db.query<{ n: number; v: number }>(
      'SELECT count(*)::int AS n, max(value) AS v FROM kiln.telemetry WHERE value > $1',
      [0],
    );
    expect(rows).toEqual([{ n: 2, v: 21 }]);
    const update = await db.query('UPDATE kiln.telemetry SET quality = 2 WHERE value = $1', [21]);
    expect(update.rowCount).toBe(1);
    await expect(db.query('SELECT 1 / 0')).rejects.toMatchObject({
      code: '22012',
      message: 'division by zero',
    });
    await expect(db.query('SELEC 1')).rejects.toMatchObject({ code: '42601' });
    // Still answers after errors.
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('commits a transaction that resolves and rolls back one that throws, with its error', async () => {
    await db.execute('CREATE TABLE IF NOT EXISTS thread_t (n int PRIMARY KEY)');
    expect(
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO thread_t VALUES ($1)', [1]);
        return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM thread_t')).rows[0]?.n;
      }),
    ).toBe(1);
    const failing = db.transaction(async (tx) => {
      await tx.query('INSERT INTO thread_t VALUES ($1)', [2]);
      await tx.query('INSERT INTO thread_t VALUES ($1)', [1]);
    });
    await expect(failing).rejects.toMatchObject({ code: '23505' });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO thread_t VALUES ($1)', [3]);
        throw new Error('the caller gives up');
      }),
    ).rejects.toThrow('the caller gives up');
    expect((await db.query<{ n: number }>('SELECT n FROM thread_t ORDER BY n')).rows).toEqual([{ n: 1 }]);
  });

  it("keeps the caller's event loop free while a long statement runs", async () => {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const started = performance.now();
    await db.query('SELECT count(*) FROM generate_series(1, 3000000)');
    const tookMs = performance.now() - started;
    delay.disable();
    // The statement takes a while on the thread; this thread's timers kept firing meanwhile.
    expect(tookMs).toBeGreaterThan(100);
    expect(delay.max / 1e6).toBeLessThan(tookMs / 2);
  });

  it('keeps the data directory across a restart, and fails calls clearly once closed', async () => {
    await db.close();
    await expect(db.query('SELECT 1')).rejects.toThrow(/embedded database thread/);
    db = await PgliteThreadDatabase.create({ dataDir });
    await migrate(db, {});
    await new HistorianWriter(db).writeNamedTelemetry([sample(2)]);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM kiln.telemetry');
    expect(rows[0]?.n).toBe(3);
  });

  it('tells its owner once when the thread stops without close(), and not when it is closed', async () => {
    const lost: Error[] = [];
    const crashed = await PgliteThreadDatabase.create({
      timescale: false,
      onLost: (error) => lost.push(error),
    });
    // A crash of the thread (out of memory, a WASM trap) as the process sees it: the worker ends unasked.
    await (crashed as unknown as { worker: Worker }).worker.terminate();
    await expect(crashed.query('SELECT 1')).rejects.toThrow('the embedded database thread exited');
    expect(lost.map((error) => error.message)).toEqual(['the embedded database thread exited (code 1)']);

    const closed = await PgliteThreadDatabase.create({
      timescale: false,
      onLost: (error) => lost.push(error),
    });
    await closed.close();
    expect(lost).toHaveLength(1);
  });
});
