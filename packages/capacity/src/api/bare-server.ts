// The box floor of the API step (a process the bench forks): a bare Node HTTP server, no framework, credential,
// Redis or database, that answers every request with the same pre-encoded JSON: a latest-value answer of as many
// values as the step asks the gateway for, so the bytes and the client's work on them are the same. The API client
// on it beside the same ingest measures what the box alone gives the answers of any Node process while the
// pipeline holds the cores: the reference the gateway's latency reads against, as PostgreSQL COPY is for the
// stored rate.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { latestAnswer } from './latest-request';
import type { FromBareServer, ToBareServer } from './protocol';

let body = Buffer.from(latestAnswer(0));

const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  response.end(body);
});

function send(message: FromBareServer): void {
  process.send?.(message);
}

process.on('message', (message: ToBareServer) => {
  if (message.type === 'setup') {
    body = Buffer.from(latestAnswer(message.values));
    server.listen(0, '127.0.0.1', () =>
      send({ type: 'ready', port: (server.address() as AddressInfo).port }),
    );
  } else {
    // The client's keep-alive connections would hold close() open: the process ends with them.
    process.exit(0);
  }
});
