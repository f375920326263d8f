// TLS on both listeners with throw-away certificates: REST over https (health and an authenticated call with a
// client that trusts the CA; a client that does not, and plain http, get nothing), gRPC over TLS (a client that
// trusts the CA is served, an insecure one is not) and mutual TLS (only clients with a certificate of the
// configured CA are served; requiring client certificates without a CA is refused at start, naming the key).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { credentials, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { api } from '@kiln/contracts';
import { createMetricsRegistry } from '@kiln/service-kit';
import { describeWith, makeTestCertificates, type TestCertificates } from '@kiln/test-infra';
import type { FastifyInstance } from 'fastify';
import { gatewaySectionSchema } from '../../src/config';
import { startGrpcServer, type GrpcServer, type GrpcTlsOptions } from '../../src/grpc/server';
import { buildRestServer } from '../../src/rest/server';
import { PRESS, seedPlant } from '../grpc/fixture';
import { failure, grpcHarness, insecure, invoke, quietLogger, type GrpcHarness } from '../grpc/support';

interface Answer {
  readonly status: number;
  readonly body: string;
}

function get(
  send: typeof httpsRequest | typeof httpRequest,
  port: number,
  path: string,
  options: RequestOptions = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = send(
      { host: '127.0.0.1', port, path, method: 'GET', timeout: 5_000, ...options },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end();
  });
}

describeWith(['postgres'], 'TLS', () => {
  let certs: TestCertificates;
  let h: GrpcHarness;

  beforeAll(async () => {
    certs = makeTestCertificates();
    h = await grpcHarness();
    await seedPlant(h.writer);
  });

  afterAll(async () => {
    await h?.stop();
    certs?.remove();
  });

  describe('REST over https', () => {
    let app: FastifyInstance;
    let port: number;

    beforeAll(async () => {
      const section = gatewaySectionSchema.parse({
        http: { tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } },
      });
      app = await buildRestServer({
        api: h.api,
        section,
        logger: quietLogger(),
        registry: createMetricsRegistry({ service: 'gateway', processMetrics: false }),
        version: '0.0.0-test',
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('REST is not listening on a port');
      port = address.port;
    });

    afterAll(async () => {
      await app?.close();
    });

    it('serves health and an authenticated call to a client that trusts the CA', async () => {
      const ca = certs.read(certs.caFile);
      expect(await get(httpsRequest, port, '/healthz', { ca })).toEqual({
        status: 200,
        body: JSON.stringify({ status: 'ok' }),
      });
      const asset = await get(httpsRequest, port, `/api/v1/assets/${encodeURIComponent(PRESS)}`, {
        ca,
        headers: { authorization: `Bearer ${h.keys.plant1Reader}` },
      });
      expect(asset.status).toBe(200);
      expect(JSON.parse(asset.body)).toMatchObject({ id: PRESS });
      const unauthenticated = await get(httpsRequest, port, '/api/v1/assets', { ca });
      expect(unauthenticated.status).toBe(401);
    });

    it('presents a certificate valid for localhost too', async () => {
      const answer = await get(httpsRequest, port, '/healthz', {
        ca: certs.read(certs.caFile),
        servername: 'localhost',
      });
      expect(answer.status).toBe(200);
    });

    it('is refused by a client that does not trust the CA', async () => {
      await expect(get(httpsRequest, port, '/healthz')).rejects.toThrow(/certificate/i);
    });

    it('answers nothing to plain http', async () => {
      await expect(get(httpRequest, port, '/healthz')).rejects.toThrow();
    });

    it('refuses to build with a key file it cannot read, naming the key and the file', async () => {
      const missing = `${certs.dir}/missing.key`;
      const section = gatewaySectionSchema.parse({
        http: { tls: { certFile: certs.serverCertFile, keyFile: missing } },
      });
      await expect(
        buildRestServer({
          api: h.api,
          section,
          logger: quietLogger(),
          registry: createMetricsRegistry({ service: 'gateway', processMetrics: false }),
          version: '0.0.0-test',
        }),
      ).rejects.toThrow(`gateway.http.tls.keyFile: cannot read ${missing}`);
    });
  });

  describe('gRPC', () => {
    const servers: GrpcServer[] = [];
    const clients: api.AssetServiceClient[] = [];

    afterAll(async () => {
      for (const client of clients) client.close();
      for (const server of servers) await server.stop();
    });

    // The name the client expects in the server certificate (its localhost SAN); without it grpc-js sends the IP
    // address as TLS server name, which node warns about (DEP0123, RFC 6066).
    const channelOptions = { 'grpc.ssl_target_name_override': 'localhost' };

    async function serve(tls: GrpcTlsOptions): Promise<string> {
      const server = await startGrpcServer({
        api: h.api,
        host: '127.0.0.1',
        port: 0,
        tls,
        logger: quietLogger(),
        shutdownTimeoutMs: 500,
      });
      servers.push(server);
      return `127.0.0.1:${server.port}`;
    }

    /** GetAsset of the press with an admin key; resolves with the status code (OK = 0). */
    async function getAssetStatus(address: string, channel: ChannelCredentials): Promise<number> {
      const client = new api.AssetServiceClient(address, channel, channelOptions);
      clients.push(client);
      return invoke(client.getAsset.bind(client), { assetId: PRESS }, h.keys.admin, {
        deadline: Date.now() + 5_000,
      }).then(
        (response) => (response.asset?.id === PRESS ? status.OK : status.INTERNAL),
        (error: ServiceError) => error.code,
      );
    }

    const tlsOf = (extra: Partial<GrpcTlsOptions> = {}): GrpcTlsOptions => ({
      certFile: certs.serverCertFile,
      keyFile: certs.serverKeyFile,
      requireClientCert: false,
      ...extra,
    });

    it('serves a client that trusts the CA over TLS and refuses an insecure one', async () => {
      const address = await serve(tlsOf());
      expect(await getAssetStatus(address, credentials.createSsl(certs.read(certs.caFile)))).toBe(status.OK);
      expect(await getAssetStatus(address, insecure())).toBe(status.UNAVAILABLE);
      expect(await getAssetStatus(address, credentials.createSsl())).toBe(status.UNAVAILABLE);
    });

    it('with mutual TLS serves only clients with a certificate of the configured CA', async () => {
      const address = await serve(tlsOf({ caFile: certs.caFile, requireClientCert: true }));
      const ca = certs.read(certs.caFile);
      expect(await getAssetStatus(address, credentials.createSsl(ca))).toBe(status.UNAVAILABLE);
      const stranger = credentials.createSsl(
        ca,
        certs.read(certs.strangerKeyFile),
        certs.read(certs.strangerCertFile),
      );
      expect(await getAssetStatus(address, stranger)).toBe(status.UNAVAILABLE);
      const client = credentials.createSsl(
        ca,
        certs.read(certs.clientKeyFile),
        certs.read(certs.clientCertFile),
      );
      expect(await getAssetStatus(address, client)).toBe(status.OK);
    });

    it('still needs a credential in the metadata under mutual TLS', async () => {
      const address = await serve(tlsOf({ caFile: certs.caFile, requireClientCert: true }));
      const client = new api.AssetServiceClient(
        address,
        credentials.createSsl(
          certs.read(certs.caFile),
          certs.read(certs.clientKeyFile),
          certs.read(certs.clientCertFile),
        ),
        channelOptions,
      );
      clients.push(client);
      const error = await failure(invoke(client.getAsset.bind(client), { assetId: PRESS }, null));
      expect(error.code).toBe(status.UNAUTHENTICATED);
    });

    it('refuses to start with client certificates required but no CA, naming the key', async () => {
      await expect(serve(tlsOf({ requireClientCert: true }))).rejects.toThrow(
        /gateway\.grpc\.tls\.requireClientCert needs gateway\.grpc\.tls\.caFile/,
      );
    });

    it('refuses to start with a certificate file it cannot read, naming the key and the file', async () => {
      const missing = `${certs.dir}/missing.crt`;
      await expect(serve(tlsOf({ certFile: missing }))).rejects.toThrow(
        `gateway.grpc.tls.certFile: cannot read ${missing}`,
      );
    });
  });
});
