// The HTTP push connector is closed by default (issue 18: it listened on 0.0.0.0, the token optional, no TLS): on
// this machine only unless a token and TLS are set, or `insecure: true` is said out loud and logged at start; with
// TLS it serves HTTPS to a client that trusts the certificate.
import { request as httpsRequest } from 'node:https';
import { makeTestCertificates, type TestCertificates } from '@kiln/test-infra';
import { httpConnectorConfigSchema } from '../../src/connectors/http/config';
import { createHttpConnector, type HttpConnector } from '../../src/connectors/http/http-connector';
import { collectingContext } from '../support/collecting-context';

const TOKEN = 'line-1-gateway-secret-token';

const problems = (config: Record<string, unknown>): string[] => {
  const parsed = httpConnectorConfigSchema.safeParse({ kind: 'http', id: 'push', ...config });
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

let certificates: TestCertificates;
let connector: HttpConnector | undefined;
beforeAll(() => {
  certificates = makeTestCertificates();
});
afterEach(async () => {
  await connector?.stop();
  connector = undefined;
});
afterAll(() => certificates.remove());

describe('HTTP push connector defaults', () => {
  it('listen on this machine only', () => {
    expect(httpConnectorConfigSchema.parse({ kind: 'http', id: 'push' }).host).toBe('127.0.0.1');
  });

  it('refuse the network without a token and TLS, naming what is missing', () => {
    const tls = { certFile: '/etc/kiln/push.crt', keyFile: '/etc/kiln/push.key' };
    expect(problems({ host: '0.0.0.0' })).toEqual([
      'authToken: listening on 0.0.0.0 (beyond this machine) needs authToken and tls: anyone who reaches the port ' +
        'could post samples (or read the token on the way); set them, or insecure: true to accept that',
    ]);
    expect(problems({ host: '10.0.0.7', authToken: TOKEN })).toEqual([
      expect.stringMatching(/^tls: listening on 10\.0\.0\.7 \(beyond this machine\) needs tls:/),
    ]);
    expect(problems({ host: '0.0.0.0', tls })).toEqual([
      expect.stringMatching(/^authToken: .* needs authToken:/),
    ]);
    expect(problems({ host: '0.0.0.0', authToken: TOKEN, tls })).toEqual([]);
    expect(problems({ host: '0.0.0.0', insecure: true })).toEqual([]);
    for (const host of ['127.0.0.1', 'localhost', '::1']) expect(problems({ host })).toEqual([]);
  });

  it('warn at every start of an insecure connector on the network', async () => {
    const context = collectingContext('http-insecure');
    const warn = jest.spyOn(context.logger, 'warn');
    connector = createHttpConnector(
      httpConnectorConfigSchema.parse({ kind: 'http', id: 'push', host: '0.0.0.0', port: 0, insecure: true }),
    );
    await connector.start(context);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ connector: 'push', host: '0.0.0.0', token: false, tls: false }),
      'http connector push takes posts from the network without a token in clear (insecure: true)',
    );
  });

  it('serve HTTPS with tls, to a client that trusts the certificate', async () => {
    const context = collectingContext('http-tls');
    connector = createHttpConnector(
      httpConnectorConfigSchema.parse({
        kind: 'http',
        id: 'push',
        host: '127.0.0.1',
        port: 0,
        authToken: TOKEN,
        tls: { certFile: certificates.serverCertFile, keyFile: certificates.serverKeyFile },
      }),
    );
    await connector.start(context);
    const { port } = connector.address();
    const body = JSON.stringify({ source: 'gw', samples: [{ tag: 'press-04/force', value: 1.5 }] });
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/samples',
          method: 'POST',
          ca: certificates.read(certificates.caFile),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    expect(answer).toEqual({ status: 202, text: '{"accepted":1}' });
    expect(context.samples.map((entry) => entry.sample.tag)).toEqual(['press-04/force']);
    // Plain HTTP gets nothing from it.
    await expect(
      fetch(`http://127.0.0.1:${port}/api/v1/samples`, { method: 'POST', body }),
    ).rejects.toThrow();
  });

  it('name the setting when a TLS file cannot be read', async () => {
    connector = createHttpConnector(
      httpConnectorConfigSchema.parse({
        kind: 'http',
        id: 'push',
        port: 0,
        tls: { certFile: '/nonexistent/push.crt', keyFile: certificates.serverKeyFile },
      }),
    );
    await expect(connector.start(collectingContext('http-tls-missing'))).rejects.toThrow(
      /^http connector push cannot read connectors\.push\.tls\.certFile \(\/nonexistent\/push\.crt\): ENOENT/,
    );
  });
});
