// The thread that runs the embedded PGlite for PgliteThreadDatabase: PGlite executes each statement synchronously
// in WASM, and on the caller's thread a minute's rollup or a large insert held its event loop for hundreds of
// milliseconds (requests, timers and the bus waited). Here it holds only this thread. One statement at a time, as
// PGlite runs them; a transaction is begun on request and stays open until the caller ends it.
import { parentPort, workerData } from 'node:worker_threads';
import { PgliteDatabase, type Queryable } from './database';
import {
  errorFields,
  type FromWorker,
  type PgliteThreadSetup,
  type ToWorker,
} from './pglite-thread-protocol';

const port = parentPort;
if (port === null) throw new Error('pglite-thread-worker runs as a worker thread of PgliteThreadDatabase');

/** Rejects a transaction's work so that PGlite rolls it back. */
class RollBack extends Error {}

interface OpenTransaction {
  readonly tx: Queryable;
  end(commit: boolean): void;
  /** Settles when PGlite has committed or rolled back. */
  readonly settled: Promise<void>;
}

const transactions = new Map<number, OpenTransaction>();

function begin(db: PgliteDatabase): Promise<OpenTransaction> {
  return new Promise<OpenTransaction>((begun, failed) => {
    let opened = false;
    const settled = db.transaction(
      (tx) =>
        new Promise<void>((commit, rollBack) => {
          opened = true;
          begun({ tx, end: (commits) => (commits ? commit() : rollBack(new RollBack())), settled: done });
        }),
    );
    const done = settled.then(
      () => undefined,
      (error: unknown) => {
        if (!(error instanceof RollBack)) throw error;
      },
    );
    // BEGIN itself failed: the work never ran. (A failed COMMIT reaches the caller through `end`.)
    done.catch((error: unknown) => {
      if (!opened) failed(error);
    });
  });
}

async function handle(db: PgliteDatabase, message: ToWorker): Promise<FromWorker> {
  switch (message.op) {
    case 'query': {
      const target = message.tx === undefined ? db : openTransaction(message.tx).tx;
      const result = await target.query(message.sql, message.params);
      return { op: 'done', id: message.id, rows: result.rows, rowCount: result.rowCount };
    }
    case 'execute': {
      const target = message.tx === undefined ? db : openTransaction(message.tx).tx;
      await target.execute(message.sql);
      return { op: 'done', id: message.id };
    }
    case 'begin':
      transactions.set(message.tx, await begin(db));
      return { op: 'done', id: message.id };
    case 'end': {
      const open = openTransaction(message.tx);
      transactions.delete(message.tx);
      open.end(message.commit);
      await open.settled;
      return { op: 'done', id: message.id };
    }
    case 'close':
      await db.close();
      return { op: 'done', id: message.id };
  }
}

function openTransaction(tx: number): OpenTransaction {
  const open = transactions.get(tx);
  if (open === undefined) throw new Error(`no open transaction ${tx} on the embedded database thread`);
  return open;
}

const setup = workerData as PgliteThreadSetup;
PgliteDatabase.create({
  ...(setup.dataDir === undefined ? {} : { dataDir: setup.dataDir }),
  timescale: setup.timescale,
})
  .then((db) => {
    port.on('message', (message: ToWorker) => {
      handle(db, message).then(
        (reply) => port.postMessage(reply),
        (error: unknown) =>
          port.postMessage({ op: 'error', id: message.id, error: errorFields(error) } satisfies FromWorker),
      );
    });
    port.postMessage({ op: 'ready' } satisfies FromWorker);
  })
  .catch((error: unknown) =>
    port.postMessage({ op: 'failed', error: errorFields(error) } satisfies FromWorker),
  );
