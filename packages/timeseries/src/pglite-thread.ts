// The embedded PGlite on a worker thread of its own (docs/architecture.md section 7): the same Database as
// PgliteDatabase, but PGlite's synchronous WASM work runs on pglite-thread-worker.js, so that a long statement
// (a minute's rollup, a large insert) no longer holds the event loop of `kiln start`'s services. Statements,
// results and errors cross by message; a transaction's statements go to the transaction the thread holds open.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Database, Queryable, QueryResult } from './database';
import { errorOf, type FromWorker, type PgliteThreadSetup, type ToWorker } from './pglite-thread-protocol';

/** The compiled worker: from dist/ itself, and from src/ when tests run the sources (the package is built first). */
const WORKER_FILE = join(__dirname, '..', 'dist', 'pglite-thread-worker.js');

const exitedError = (code: number): Error => new Error(`the embedded database thread exited (code ${code})`);

type Request = ToWorker extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

interface Pending {
  resolve(reply: Extract<FromWorker, { op: 'done' }>): void;
  reject(error: Error): void;
}

export interface PgliteThreadOptions {
  /** Directory holding the database files; omitted: in memory, gone on close. */
  readonly dataDir?: string;
  /** Load and create the TimescaleDB extension (default true). */
  readonly timescale?: boolean;
  /**
   * Told once when the thread stops without close() (a crash, out of memory): the database is gone for the rest
   * of the process, whose owner should end it so that its supervisor starts it again.
   */
  readonly onLost?: (error: Error) => void;
}

export class PgliteThreadDatabase implements Database {
  readonly engine = 'pglite';
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the thread has stopped: every later call fails with it. */
  private stopped: Error | undefined;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    private readonly onLost: ((error: Error) => void) | undefined,
  ) {
    worker.on('message', (message: FromWorker) => this.answer(message));
    worker.on('error', (error) =>
      this.stop(new Error(`the embedded database thread failed: ${error.message}`)),
    );
    worker.on('exit', (code) => this.stop(exitedError(code)));
    // Only calls under way keep the process alive, as with a database in this thread.
    worker.unref();
  }

  static async create(options: PgliteThreadOptions = {}): Promise<PgliteThreadDatabase> {
    const setup: PgliteThreadSetup = {
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      timescale: options.timescale ?? true,
    };
    const worker = new Worker(WORKER_FILE, { workerData: setup });
    const started = new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if (message.op === 'ready') done();
        else if (message.op === 'failed') done(errorOf(message.error));
      };
      const onError = (error: Error) => done(error);
      const onExit = (code: number) => done(exitedError(code));
      const done = (error?: Error) => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (error === undefined) resolve();
        else reject(error);
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    });
    try {
      await started;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return new PgliteThreadDatabase(worker, options.onLost);
  }

  query<T extends object = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResult<T>> {
    return this.queryIn(undefined, sql, params);
  }

  execute(sql: string): Promise<void> {
    return this.call({ op: 'execute', sql }).then(() => undefined);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const tx = this.nextId++;
    await this.call({ op: 'begin', tx });
    let result: T;
    try {
      result = await work({
        query: <R extends object>(sql: string, params: readonly unknown[] = []) =>
          this.queryIn<R>(tx, sql, params),
        execute: (sql: string) => this.call({ op: 'execute', sql, tx }).then(() => undefined),
      });
    } catch (error) {
      // The work's error is what the caller sees; a failed rollback (the thread gone) adds nothing to it.
      await this.call({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.call({ op: 'end', tx, commit: true });
    return result;
  }

  async close(): Promise<void> {
    if (this.stopped !== undefined) return;
    this.closing = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    await this.call({ op: 'close' }).catch(() => undefined);
    await this.worker.terminate();
    await exited;
  }

  private async queryIn<T extends object>(
    tx: number | undefined,
    sql: string,
    params: readonly unknown[],
  ): Promise<QueryResult<T>> {
    const reply = await this.call({
      op: 'query',
      sql,
      params: [...params],
      ...(tx === undefined ? {} : { tx }),
    });
    return { rows: (reply.rows ?? []) as T[], rowCount: reply.rowCount ?? 0 };
  }

  private call(request: Request): Promise<Extract<FromWorker, { op: 'done' }>> {
    if (this.stopped !== undefined) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id } as ToWorker);
    });
  }

  private answer(message: FromWorker): void {
    if (message.op !== 'done' && message.op !== 'error') return;
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    this.settled(message.id);
    if (message.op === 'done') pending.resolve(message);
    else pending.reject(errorOf(message.error));
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private stop(error: Error): void {
    const first = this.stopped === undefined;
    this.stopped ??= error;
    if (first && !this.closing) this.onLost?.(error);
    for (const [id, pending] of this.pending) {
      this.settled(id);
      pending.reject(this.stopped);
    }
  }
}
