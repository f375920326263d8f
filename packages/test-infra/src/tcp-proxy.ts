import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** Where the proxy forwards to, e.g. PostgreSQL on 127.0.0.1:5432. */
export interface TcpProxyTarget {
  readonly host: string;
  readonly port: number;
}

/**
 * How an outage looks to a client while the proxy is cut:
 * - `refuse`: the port is closed, a new connection fails with ECONNREFUSED (a stopped server or host);
 * - `reset`: a new connection is accepted and dropped at once (a crashing server, a load balancer without backends);
 * - `blackhole`: a new connection is accepted and never answered (a network partition, a dropped route), until resume.
 * In every mode the open connections are destroyed when the cut begins.
 */
export type TcpProxyCutMode = 'refuse' | 'reset' | 'blackhole';

export interface TcpProxyOptions {
  readonly target: TcpProxyTarget;
  /** Port to listen on (127.0.0.1); 0 or absent picks a free one, kept across cut and resume. */
  readonly port?: number;
}

export interface TcpProxy {
  /** The port clients connect to on 127.0.0.1; the same for the proxy's whole life. */
  readonly port: number;
  /** Connections forwarded right now. */
  openConnections(): number;
  /** Connections accepted and forwarded since the start (not counting those refused or dropped during a cut). */
  forwardedConnections(): number;
  /** Whether the proxy is cut right now. */
  isCut(): boolean;
  /** Destroys every open connection and handles new ones as `mode` says (default `refuse`) until resume. */
  cut(options?: { mode?: TcpProxyCutMode }): Promise<void>;
  /** Forwards new connections again; connections held in `blackhole` are dropped so their clients retry. */
  resume(): Promise<void>;
  /** Destroys every connection and stops listening for good. */
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

/**
 * A TCP proxy a test controls, to cut a client off a real server (PostgreSQL, Redis, Kafka) and let it back:
 * `const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: 5432 } })`, point the client at
 * `127.0.0.1:${proxy.port}`, then `await proxy.cut()`, `await proxy.resume()`, `await proxy.close()`.
 */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const { target } = options;
  const forwarded = new Set<Pair>();
  const held = new Set<Socket>();
  let forwardedTotal = 0;
  let cutMode: TcpProxyCutMode | undefined;
  let closed = false;

  const onConnection = (client: Socket): void => {
    if (cutMode === 'reset') {
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    if (cutMode === 'blackhole') {
      client.on('error', () => undefined);
      held.add(client);
      client.on('close', () => held.delete(client));
      return;
    }
    forward(client);
  };

  const forward = (client: Socket): void => {
    forwardedTotal += 1;
    const upstream = createConnection({ host: target.host, port: target.port });
    const pair: Pair = { client, upstream };
    forwarded.add(pair);
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      // An error or close on either side ends both: the client sees its connection drop as on a real outage.
      socket.on('error', () => destroyPair(pair));
      socket.on('close', () => destroyPair(pair));
    }
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const destroyPair = (pair: Pair): void => {
    forwarded.delete(pair);
    if (!pair.client.destroyed) pair.client.destroy();
    if (!pair.upstream.destroyed) pair.upstream.destroy();
  };

  let server = await listen(createServer(onConnection), options.port ?? 0);
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('tcp proxy: the server has no TCP address');
  const port = address.port;

  const destroyHeld = (): void => {
    for (const socket of [...held]) socket.destroy();
    held.clear();
  };
  const destroyForwarded = (): void => {
    for (const pair of [...forwarded]) destroyPair(pair);
  };

  return {
    port,
    openConnections: () => forwarded.size,
    forwardedConnections: () => forwardedTotal,
    isCut: () => cutMode !== undefined,
    async cut(cutOptions) {
      if (closed) throw new Error('tcp proxy: cut after close');
      const mode = cutOptions?.mode ?? 'refuse';
      const wasRefusing = cutMode === 'refuse';
      cutMode = mode;
      destroyForwarded();
      if (mode !== 'blackhole') destroyHeld();
      if (mode === 'refuse' && !wasRefusing) await stopListening(server);
      if (mode !== 'refuse' && wasRefusing) server = await listen(createServer(onConnection), port);
    },
    async resume() {
      if (closed) throw new Error('tcp proxy: resume after close');
      const wasRefusing = cutMode === 'refuse';
      cutMode = undefined;
      destroyHeld();
      if (wasRefusing) server = await listen(createServer(onConnection), port);
    },
    async close() {
      if (closed) return;
      closed = true;
      destroyForwarded();
      destroyHeld();
      if (cutMode !== 'refuse') await stopListening(server);
    },
  };
}

async function listen(server: Server, port: number): Promise<Server> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Stops accepting; open sockets are destroyed by the caller, so close does not wait on them. */
async function stopListening(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
