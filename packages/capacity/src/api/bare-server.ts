// The box floor of the API step (a process the bench forks): a bare Node HTTP server, no framework, credential,
// Redis or database, that answers every request with the same small JSON. The API client on it beside the same
// ingest measures what the box alone gives the answers of any Node process while the pipeline holds the cores:
// the reference the gateway's latency reads against, as PostgreSQL COPY is for the stored rate.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FromBareServer, ToBareServer } from './protocol';

const BODY = Buffer.from('{"values":[]}');

const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  response.end(BODY);
});

function send(message: FromBareServer): void {
  process.send?.(message);
}

process.on('message', (message: ToBareServer) => {
  if (message.type === 'setup') {
    server.listen(0, '127.0.0.1', () =>
      send({ type: 'ready', port: (server.address() as AddressInfo).port }),
    );
  } else {
    // The client's keep-alive connections would hold close() open: the process ends with them.
    process.exit(0);
  }
});
