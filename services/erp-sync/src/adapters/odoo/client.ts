// Calls Odoo ORM methods over either protocol, with named arguments:
// - JSON-2 (Odoo 19+): POST /json/2/<model>/<method>, `Authorization: bearer <api key>`, `X-Odoo-Database`, the
//   named arguments as the body; an error is a 4xx/5xx status with `{name, message}`.
// - legacy JSON-RPC (/jsonrpc, deprecated in 19): `common.authenticate` once for the uid, then
//   `object.execute_kw(db, uid, password, model, method, [ids], kwargs)`; an error is `{error: {data: {name}}}`
//   inside an HTTP 200.
import { ErpRejectedError, ErpUnavailableError } from '../types';
import { exchangeJson, redact } from '../rest/http';

export type OdooConnection =
  | {
      readonly protocol: 'json2';
      readonly baseUrl: string;
      readonly db?: string | undefined;
      readonly apiKey: string;
    }
  | {
      readonly protocol: 'jsonrpc';
      readonly baseUrl: string;
      readonly db: string;
      readonly login: string;
      readonly password: string;
    };

export interface OdooArguments {
  readonly ids?: readonly number[];
  readonly context?: Record<string, unknown>;
  readonly [name: string]: unknown;
}

function errorText(body: unknown): { name: string; message: string } {
  const object = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  return {
    name: typeof object['name'] === 'string' ? object['name'] : 'unknown',
    message:
      typeof object['message'] === 'string' ? object['message'] : JSON.stringify(body ?? null).slice(0, 200),
  };
}

export class OdooClient {
  private uid: number | undefined;

  constructor(
    private readonly connection: OdooConnection,
    private readonly timeoutMs: number,
  ) {}

  async call(model: string, method: string, args: OdooArguments): Promise<unknown> {
    return this.connection.protocol === 'json2'
      ? this.callJson2(model, method, args)
      : this.callJsonRpc(model, method, args);
  }

  private async callJson2(model: string, method: string, args: OdooArguments): Promise<unknown> {
    const c = this.connection;
    if (c.protocol !== 'json2') throw new TypeError('not a JSON-2 connection');
    const url = `${c.baseUrl.replace(/\/$/, '')}/json/2/${model}/${method}`;
    const headers: Record<string, string> = {
      authorization: `bearer ${c.apiKey}`,
      'user-agent': 'kiln-erp-sync',
    };
    if (c.db !== undefined) headers['x-odoo-database'] = c.db;
    const answer = await exchangeJson(url, { method: 'POST', headers, body: args }, this.timeoutMs);
    if (answer.status === 200) {
      // A proxy's page instead of Odoo's JSON: not Odoo answering.
      if (answer.body === undefined) {
        throw new ErpUnavailableError(`POST ${redact(url)} answered 200 without JSON`);
      }
      return answer.body;
    }
    const { name, message } = errorText(answer.body);
    throw new ErpRejectedError(
      `Odoo ${model}.${method} answered ${answer.status} ${name}: ${message}`,
      name === 'unknown' ? String(answer.status) : name,
    );
  }

  private async rpc(service: string, method: string, args: unknown[]): Promise<unknown> {
    const url = `${this.connection.baseUrl.replace(/\/$/, '')}/jsonrpc`;
    const answer = await exchangeJson(
      url,
      {
        method: 'POST',
        headers: {},
        body: { jsonrpc: '2.0', method: 'call', id: Date.now(), params: { service, method, args } },
      },
      this.timeoutMs,
    );
    const body = answer.body;
    if (answer.status !== 200 || typeof body !== 'object' || body === null) {
      // A proxy's error page or a login redirect: not Odoo answering.
      throw new ErpUnavailableError(`POST ${redact(url)} answered ${answer.status} without a JSON-RPC body`);
    }
    const envelope = body as { result?: unknown; error?: { message?: unknown; data?: unknown } };
    if (envelope.error !== undefined) {
      const { name, message } = errorText(envelope.error.data);
      if (name.endsWith('AccessDenied')) this.uid = undefined;
      throw new ErpRejectedError(`Odoo ${service}.${method} failed with ${name}: ${message}`, name);
    }
    return envelope.result;
  }

  private async callJsonRpc(model: string, method: string, args: OdooArguments): Promise<unknown> {
    const c = this.connection;
    if (c.protocol !== 'jsonrpc') throw new TypeError('not a JSON-RPC connection');
    if (this.uid === undefined) {
      const uid = await this.rpc('common', 'authenticate', [c.db, c.login, c.password, {}]);
      if (typeof uid !== 'number') {
        throw new ErpRejectedError(
          `Odoo refused login ${c.login} on database ${c.db} (check odoo.login/password)`,
          'odoo.exceptions.AccessDenied',
        );
      }
      this.uid = uid;
    }
    const { ids, ...kwargs } = args;
    const positional = ids === undefined ? [] : [ids];
    return this.rpc('object', 'execute_kw', [c.db, this.uid, c.password, model, method, positional, kwargs]);
  }
}
