// The Odoo faces of the ERP simulator, both over the same models (odoo-models.ts):
// - JSON-2 (Odoo 19+): POST /json/2/<model>/<method>, `Authorization: bearer <api key>`, optional
//   `X-Odoo-Database`, named arguments in the body; errors as HTTP 4xx with `{name, message, arguments, context}`.
// - legacy JSON-RPC (deprecated in 19, still served): POST /jsonrpc with service `common` (authenticate / login ->
//   uid or false) and `object` (execute_kw(db, uid, password, model, method, args, kwargs)); errors as HTTP 200
//   with `{error: {code: 200, message: 'Odoo Server Error', data: {name, message, ...}}}`.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ErpContext } from './erp-server';
import { OdooError, type OdooParams } from './odoo-domain';
import { callOdooModel } from './odoo-models';

/** The uid the simulator's one API user has. */
export const ODOO_UID = 2;

/** Positional parameter names of the ORM methods, for execute_kw's `args`. */
const POSITIONAL: Record<string, readonly string[]> = {
  search_read: ['domain', 'fields', 'offset', 'limit', 'order'],
  search: ['domain', 'offset', 'limit', 'order'],
  search_count: ['domain'],
  read: ['ids', 'fields'],
  write: ['ids', 'vals'],
  create: ['vals_list'],
  button_mark_done: ['ids'],
};

const JSON2_STATUS: Record<string, number> = {
  'werkzeug.exceptions.Unauthorized': 401,
  'odoo.exceptions.AccessDenied': 401,
  'odoo.exceptions.AccessError': 403,
  'odoo.exceptions.MissingError': 404,
  KeyError: 404,
  AttributeError: 404,
};

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function errorOf(error: unknown): OdooError {
  if (error instanceof OdooError) return error;
  return new OdooError('builtins.Exception', error instanceof Error ? error.message : String(error));
}

export function registerOdooRoutes(app: FastifyInstance, context: ErpContext): void {
  const { dataset, credentials } = context;

  app.post<{ Params: { model: string; method: string } }>(
    '/json/2/:model/:method',
    async (request, reply) => {
      const send = (status: number, error: OdooError): FastifyReply =>
        reply.code(status).send({
          name: error.odooName,
          message: error.message,
          arguments: [error.message, status],
          context: {},
        });
      const authorization = request.headers.authorization ?? '';
      const match = /^bearer\s+(.+)$/i.exec(authorization);
      if (match?.[1] !== credentials.odooApiKey) {
        return send(401, new OdooError('werkzeug.exceptions.Unauthorized', 'Invalid apikey'));
      }
      const database = request.headers['x-odoo-database'];
      if (typeof database === 'string' && database !== credentials.odooDb) {
        return send(404, new OdooError('werkzeug.exceptions.NotFound', `Database ${database} not found`));
      }
      try {
        const result = callOdooModel(
          dataset,
          request.params.model,
          request.params.method,
          asObject(request.body),
        );
        return reply.code(200).send(result);
      } catch (error) {
        const odooError = errorOf(error);
        return send(JSON2_STATUS[odooError.odooName] ?? 422, odooError);
      }
    },
  );

  app.post('/jsonrpc', async (request, reply) => {
    const body = asObject(request.body);
    const id = body['id'] ?? null;
    try {
      const result = dispatchJsonRpc(context, asObject(body['params']));
      return reply.code(200).send({ jsonrpc: '2.0', id, result });
    } catch (error) {
      const odooError = errorOf(error);
      return reply.code(200).send({
        jsonrpc: '2.0',
        id,
        error: {
          code: 200,
          message: 'Odoo Server Error',
          data: {
            name: odooError.odooName,
            message: odooError.message,
            arguments: [odooError.message],
            context: {},
          },
        },
      });
    }
  });
}

function dispatchJsonRpc(context: ErpContext, params: Record<string, unknown>): unknown {
  const { credentials, dataset } = context;
  const service = params['service'];
  const method = params['method'];
  const args = Array.isArray(params['args']) ? (params['args'] as unknown[]) : [];
  if (service === 'common' && (method === 'authenticate' || method === 'login')) {
    const [db, login, password] = args;
    if (db !== credentials.odooDb) {
      throw new OdooError('psycopg2.OperationalError', `database "${String(db)}" does not exist`);
    }
    return login === credentials.odooLogin && password === credentials.odooPassword ? ODOO_UID : false;
  }
  if (service === 'common' && method === 'version') return { server_version: '19.0', protocol_version: 1 };
  if (service !== 'object' || method !== 'execute_kw') {
    throw new OdooError('KeyError', `No such service method ${String(service)}.${String(method)}`);
  }
  const [db, uid, password, model, modelMethod, positional, kwargs] = args;
  if (db !== credentials.odooDb || uid !== ODOO_UID || password !== credentials.odooPassword) {
    throw new OdooError('odoo.exceptions.AccessDenied', 'Access Denied');
  }
  if (typeof model !== 'string' || typeof modelMethod !== 'string') {
    throw new OdooError('TypeError', 'execute_kw needs a model and a method name');
  }
  const named: OdooParams = { ...asObject(kwargs) };
  const names = POSITIONAL[modelMethod] ?? [];
  (Array.isArray(positional) ? positional : []).forEach((value: unknown, i) => {
    const name = names[i];
    if (name === undefined) {
      throw new OdooError('TypeError', `${modelMethod}() takes ${names.length} positional arguments`);
    }
    named[name] = value;
  });
  return callOdooModel(dataset, model, modelMethod, named);
}
