// HTTP to SAP Gateway: Basic or OAuth client-credentials auth, the sap-client parameter, the CSRF token handshake
// for writes (fetched once, fetched again once on 403 `x-csrf-token: Required`), timeouts, and the mapping of
// failures onto ErpUnavailableError (retry later) and ErpRejectedError (SAP said no).
import { ErpRejectedError, ErpUnavailableError } from '../types';
import type { SapAdapterConfig } from './options';

/** Sent, but no answer came back (timeout, dropped connection): SAP may or may not have booked it. */
export class SapOutcomeUnknownError extends ErpUnavailableError {}

interface CsrfSession {
  readonly token: string;
  readonly cookie: string;
}

interface SapErrorBody {
  error?: { code?: unknown; message?: { value?: unknown } | string };
}

const TOKEN_REFRESH_MARGIN_MS = 30_000;

export class SapHttp {
  private bearer: { token: string; expiresMs: number } | undefined;
  private csrf: CsrfSession | undefined;

  constructor(
    private readonly config: SapAdapterConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** URL of a service resource with the query and sap-client. */
  url(service: string, resource: string, query: Record<string, string> = {}): string {
    const url = new URL(`${this.config.baseUrl}/sap/opu/odata/sap/${service}/${resource}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return this.withClient(url.toString());
  }

  /** Adds sap-client to a URL the server handed out (__next) when it is missing. */
  withClient(href: string): string {
    if (this.config.sapClient === undefined) return href;
    const url = new URL(href, this.config.baseUrl);
    if (!url.searchParams.has('sap-client')) url.searchParams.set('sap-client', this.config.sapClient);
    return url.toString();
  }

  async getJson(url: string): Promise<unknown> {
    const response = await this.send('GET', url, { accept: 'application/json' });
    return this.readJson(response, 'GET', url);
  }

  /** POSTs JSON with the CSRF token; a 403 `Required` (token expired) fetches a new token and tries once more. */
  async postJson(url: string, body: unknown, csrfService: string): Promise<unknown> {
    for (let attempt = 0; ; attempt += 1) {
      const csrf = this.csrf ?? (await this.fetchCsrf(csrfService));
      const response = await this.send(
        'POST',
        url,
        {
          accept: 'application/json',
          'content-type': 'application/json',
          'x-csrf-token': csrf.token,
          cookie: csrf.cookie,
        },
        JSON.stringify(body),
      );
      if (
        response.status === 403 &&
        response.headers.get('x-csrf-token')?.toLowerCase() === 'required' &&
        attempt === 0
      ) {
        await response.body?.cancel();
        this.csrf = undefined;
        continue;
      }
      return this.readJson(response, 'POST', url);
    }
  }

  private async fetchCsrf(service: string): Promise<CsrfSession> {
    const url = this.url(service, '', { $format: 'json' });
    const response = await this.send('GET', url, { accept: 'application/json', 'x-csrf-token': 'Fetch' });
    await this.readJson(response, 'GET', url);
    const token = response.headers.get('x-csrf-token');
    if (token === null || token === '' || token.toLowerCase() === 'required') {
      throw new ErpRejectedError(`SAP GET ${url} handed out no CSRF token (x-csrf-token: Fetch)`, 'CSRF');
    }
    const cookie = response.headers
      .getSetCookie()
      .map((header) => header.split(';')[0] ?? '')
      .filter((pair) => pair !== '')
      .join('; ');
    this.csrf = { token, cookie };
    return this.csrf;
  }

  private async send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: string,
    retriedAuth = false,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...headers, authorization: await this.authorization() },
        body,
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (error) {
      throw this.transportError(method, url, error, body !== undefined);
    }
    if (response.status === 401 && this.config.auth.type === 'oauth' && !retriedAuth) {
      // The bearer token may have expired early (revoked, server restart): one fresh token, one more try.
      await response.body?.cancel();
      this.bearer = undefined;
      return this.send(method, url, headers, body, true);
    }
    return response;
  }

  private transportError(
    method: string,
    url: string,
    error: unknown,
    sentBody: boolean,
  ): ErpUnavailableError {
    // Duck-typed: fetch's DOMException / TypeError may come from another realm (jest's sandbox).
    const {
      name,
      message: text,
      cause: inner,
    } = (error ?? {}) as { name?: unknown; message?: unknown; cause?: unknown };
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    const innerMessage = (inner as { message?: unknown } | undefined)?.message;
    const cause =
      typeof innerMessage === 'string' ? innerMessage : typeof text === 'string' ? text : String(error);
    const message = timedOut
      ? `SAP ${method} ${url} timed out after ${this.config.timeoutMs} ms`
      : `SAP ${method} ${url} failed: ${cause}`;
    return sentBody ? new SapOutcomeUnknownError(message) : new ErpUnavailableError(message);
  }

  private async readJson(response: Response, method: string, url: string): Promise<unknown> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.transportError(method, url, error, method === 'POST');
    }
    if (response.status >= 500 || response.status === 429) {
      throw new ErpUnavailableError(
        `SAP ${method} ${url} answered ${response.status}${sapMessage(text, ': ')}`,
      );
    }
    if (response.status >= 400) {
      const { code, message } = sapError(text);
      throw new ErpRejectedError(
        `SAP ${method} ${url} refused with ${response.status}${code === undefined ? '' : ` ${code}`}: ${message ?? text.slice(0, 200)}`,
        code ?? String(response.status),
      );
    }
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ErpUnavailableError(
        `SAP ${method} ${url} answered ${response.status} with a body that is not JSON`,
      );
    }
  }

  private async authorization(): Promise<string> {
    const auth = this.config.auth;
    if (auth.type === 'basic')
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    if (this.bearer === undefined || this.bearer.expiresMs - TOKEN_REFRESH_MARGIN_MS <= this.now()) {
      this.bearer = await this.fetchBearer(auth.tokenUrl, auth.clientId, auth.clientSecret);
    }
    return `Bearer ${this.bearer.token}`;
  }

  private async fetchBearer(
    tokenUrl: string,
    clientId: string,
    clientSecret: string,
  ): Promise<{ token: string; expiresMs: number }> {
    const credentials = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
    let response: Response;
    try {
      response = await fetch(tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (error) {
      throw this.transportError('POST', tokenUrl, error, false);
    }
    const body = await this.readJson(response, 'POST', tokenUrl);
    const { access_token: token, expires_in: expiresInS } = (body ?? {}) as {
      access_token?: unknown;
      expires_in?: unknown;
    };
    if (typeof token !== 'string' || token === '') {
      throw new ErpRejectedError(`OAuth token endpoint ${tokenUrl} answered no access_token`, 'OAUTH');
    }
    const lifetimeS = typeof expiresInS === 'number' ? expiresInS : Number(expiresInS ?? 300);
    return { token, expiresMs: this.now() + (Number.isFinite(lifetimeS) ? lifetimeS : 300) * 1000 };
  }
}

function sapError(text: string): { code: string | undefined; message: string | undefined } {
  try {
    const body = JSON.parse(text) as SapErrorBody;
    const message = body.error?.message;
    return {
      code: typeof body.error?.code === 'string' ? body.error.code : undefined,
      message:
        typeof message === 'string'
          ? message
          : typeof message?.value === 'string'
            ? message.value
            : undefined,
    };
  } catch {
    return { code: undefined, message: undefined };
  }
}

function sapMessage(text: string, prefix: string): string {
  const { message } = sapError(text);
  return message === undefined ? '' : `${prefix}${message}`;
}
