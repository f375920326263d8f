// The ERP simulator's HTTP server: one fastify app with the SAP S/4HANA OData v2 face (sap-routes.ts), the Odoo
// JSON-RPC faces (odoo-routes.ts) and a generic REST face (rest-routes.ts) over one dataset, with injectable
// faults (faults.ts). Tests and `kiln start` read the dataset to see what arrived.
import Fastify, { type FastifyInstance } from 'fastify';
import { ErpDataset } from './dataset';
import { ErpFaults } from './faults';
import { registerOdooRoutes } from './odoo-routes';
import { registerRestRoutes } from './rest-routes';
import { registerSapRoutes } from './sap-routes';

export interface ErpCredentials {
  /** Basic auth of the SAP face (and of the generic REST face). */
  readonly username: string;
  readonly password: string;
  /** OAuth 2.0 client credentials accepted at POST /oauth/token (SAP face). */
  readonly oauthClientId: string;
  readonly oauthClientSecret: string;
  /** Odoo: database name, login and password (legacy /jsonrpc) and API key (JSON-2 bearer). */
  readonly odooDb: string;
  readonly odooLogin: string;
  readonly odooPassword: string;
  readonly odooApiKey: string;
}

export const DEFAULT_ERP_CREDENTIALS: ErpCredentials = {
  username: 'KILN_RFC',
  password: 'kiln-secret',
  oauthClientId: 'kiln',
  oauthClientSecret: 'kiln-client-secret',
  odooDb: 'kiln',
  odooLogin: 'kiln@example.com',
  odooPassword: 'kiln-secret',
  odooApiKey: 'odoo-api-key-kiln',
};

export interface ErpSimulatorOptions {
  readonly host?: string;
  /** 0: any free port. */
  readonly port?: number;
  readonly dataset?: ErpDataset;
  readonly credentials?: ErpCredentials;
  /** Largest page the OData face returns (server-driven paging with __next). */
  readonly maxPageSize?: number;
}

export interface ErpContext {
  readonly dataset: ErpDataset;
  readonly faults: ErpFaults;
  readonly credentials: ErpCredentials;
  readonly maxPageSize: number;
}

export interface ErpSimulatorHandle {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  readonly dataset: ErpDataset;
  readonly faults: ErpFaults;
  readonly credentials: ErpCredentials;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export async function startErpSimulator(options: ErpSimulatorOptions = {}): Promise<ErpSimulatorHandle> {
  const context: ErpContext = {
    dataset: options.dataset ?? new ErpDataset(),
    faults: new ErpFaults(),
    credentials: options.credentials ?? DEFAULT_ERP_CREDENTIALS,
    maxPageSize: options.maxPageSize ?? 50,
  };
  const app = Fastify({ logger: false });
  // The fault of each request is taken once, when it arrives; a lost response is cut after the handler ran.
  const dropped = new WeakSet<object>();
  app.addHook('onRequest', async (request, reply) => {
    const fault = context.faults.take();
    if (fault === undefined) return;
    if (fault.kind === 'status') {
      await reply
        .code(fault.status)
        .header('content-type', 'text/html')
        .send(`<html><body><h1>${fault.status} Service Unavailable</h1></body></html>`);
    } else if (fault.kind === 'hang') {
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    } else {
      dropped.add(request.raw);
    }
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    if (dropped.has(request.raw)) request.raw.socket.destroy();
    return payload;
  });
  registerSapRoutes(app, context);
  registerOdooRoutes(app, context);
  registerRestRoutes(app, context);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : 0;
  // A wildcard listener is reached on loopback from this machine.
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`,
    dataset: context.dataset,
    faults: context.faults,
    credentials: context.credentials,
    app,
    close: () => app.close(),
  };
}
