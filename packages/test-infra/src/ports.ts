import { createServer } from 'node:net';

/** A TCP port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port for a Kafka broker of a test's own: free now, and its next port (the broker's controller) too. Taken
 * below Linux's ephemeral range (32768-60999), so no outgoing connection takes either while the broker restarts on
 * it; `freePort` hands out ephemeral ports, and a controller port next to one was seen taken
 * ("Address already in use" on port + 1).
 */
export async function freeBrokerPort(): Promise<number> {
  const start = 20_000 + 2 * Math.floor(Math.random() * 5_000);
  for (let i = 0; i < 5_000; i += 1) {
    const port = 20_000 + ((start - 20_000 + 2 * i) % 12_000);
    if ((await portFree(port)) && (await portFree(port + 1))) return port;
  }
  throw new Error('no two free ports in a row between 20000 and 32000');
}
