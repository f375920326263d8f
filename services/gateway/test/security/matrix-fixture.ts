// What the authorization matrix (authorization-matrix.test.ts) stands on: two plants seeded alike, so that a
// request about one plant's machine, stop, alert or order is valid for the other plant too; the callers of the
// matrix, each a credential and the plant it asks about; the routes and methods to cover, read from the server's
// own description and router and from the kiln.v1 service definitions; and one probe per transport that answers
// how a request was answered (a status and what came back), never throwing.
import { randomBytes } from 'node:crypto';
import { Client, Metadata, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import { api } from '@kiln/contracts';
import { ErpStore, HistorianWriter, MaintenanceStore } from '@kiln/timeseries';
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../src/auth/principal';
import type { RestHarness } from '../support/harness';

/** One plant of the matrix: a site with one machine and everything the routes read or change about it. */
export interface Plant {
  readonly site: string;
  readonly machine: string;
  /** A signal of the machine, with a sample every minute of the first hour. */
  readonly signal: string;
  /** The machine's breakdown, a stop of the API (`<asset id>@<start µs>`). */
  readonly stopId: string;
  /** Open alerts: one acknowledged again and again, one resolved (then 409 for whoever comes next). */
  readonly alertToAcknowledge: string;
  readonly alertToResolve: string;
  readonly orderId: string;
}

/** The start of the hour six hours ago: seeded data lies in [T0, T0 + 2 h), posted events near now. */
export const T0_MS = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 6 * 3_600_000;
export const iso = (ms: number): string => new Date(ms).toISOString();
const MINUTE_MS = 60_000;

function plant(site: string, machine: string, tag: string, orderId: string): Plant {
  return {
    site,
    machine,
    signal: 'temperature',
    stopId: `${machine}@${(T0_MS + 60 * MINUTE_MS) * 1000}`,
    alertToAcknowledge: `${tag}-vibration`,
    alertToResolve: `${tag}-bearing`,
    orderId,
  };
}

/** The plant of the keys under test ("own site"). */
export const PLANT_1 = plant('acme/plant-1', 'acme/plant-1/pressing/line-1/press-1', 'plant-1', '1000');
/** The other site. */
export const PLANT_2 = plant('acme/plant-2', 'acme/plant-2/welding/line-9/robot-1', 'plant-2', '2000');
export const PLANTS = [PLANT_1, PLANT_2] as const;

/** Assets, a signal with telemetry, states with a stop, health, two alerts, an ERP order and outbox row per plant. */
export async function seedPlants(h: RestHarness): Promise<void> {
  const { db, schema } = h.database;
  const writer = new HistorianWriter(db, { schema });
  const maintenance = new MaintenanceStore(db, schema);
  const erp = new ErpStore(db, schema);
  await writer.upsertAssets([{ id: 'acme', level: 'enterprise', name: 'ACME' }]);
  for (const { site, machine, signal, alertToAcknowledge, alertToResolve, orderId } of PLANTS) {
    const path = machine.split('/');
    const area = path.slice(0, 3).join('/');
    const line = path.slice(0, 4).join('/');
    await writer.upsertAssets([
      { id: site, parentId: 'acme', level: 'site', name: site },
      { id: area, parentId: site, level: 'area', name: area },
      { id: line, parentId: area, level: 'line', name: line },
      {
        id: machine,
        parentId: line,
        level: 'asset',
        name: 'Machine',
        type: 'press',
        attributes: { defaults: { idealCycleTimeS: 1 } },
      },
    ]);
    await writer.upsertSignals([{ assetId: machine, name: signal, unit: 'Cel', dataType: 'number' }]);
    await writer.writeNamedTelemetry(
      Array.from({ length: 60 }, (_, i) => ({
        signal: { assetId: machine, name: signal },
        timeUs: (T0_MS + i * MINUTE_MS) * 1000,
        value: 20 + i / 2,
        valueText: null,
        quality: 1,
      })),
    );
    await writer.writeStates([
      { assetId: machine, timeUs: T0_MS * 1000, state: 'RUNNING' },
      {
        assetId: machine,
        timeUs: (T0_MS + 60 * MINUTE_MS) * 1000,
        state: 'BREAKDOWN',
        reasonCode: 'M-01',
        reasonText: 'motor overload',
      },
      { assetId: machine, timeUs: (T0_MS + 80 * MINUTE_MS) * 1000, state: 'RUNNING' },
    ]);
    await maintenance.writeHealth([
      {
        assetId: machine,
        timeUs: (T0_MS + 30 * MINUTE_MS) * 1000,
        healthIndex: 80,
        rul: undefined,
        baselineReady: true,
        anomalyScore: 1,
        signals: [],
      },
    ]);
    for (const [alertId, cause] of [
      [alertToAcknowledge, 'vibration-zone-c'],
      [alertToResolve, 'bearing-degradation'],
    ] as const) {
      await maintenance.openAlert({
        alertId,
        assetId: machine,
        cause,
        signal: 'vibration_velocity_rms',
        severity: 'warning',
        message: `${cause} on the machine`,
        openedTimeUs: T0_MS * 1000,
        healthIndex: 70,
        rul: undefined,
        details: {},
      });
    }
    await erp.upsertOrders('sap', [
      {
        orderId,
        operationId: '0010',
        workCenter: `WC-${orderId}`,
        assetId: machine,
        material: 'M-100',
        materialDescription: 'Bracket',
        targetQuantity: 500,
        quantityUnit: 'PC',
        idealCycleTimeS: 1,
        status: 'released',
        scheduledStartUs: T0_MS * 1000,
        scheduledEndUs: (T0_MS + 120 * MINUTE_MS) * 1000,
        actualStartUs: 0,
        actualEndUs: 0,
        changedTimeUs: T0_MS * 1000,
        payload: { AUFNR: orderId },
      },
    ]);
    await erp.insertOutbox({
      id: `confirmation-${orderId}`,
      kind: 'confirmation',
      kilnRef: `${orderId}/0010/${machine}`,
      revision: 'final',
      assetId: machine,
      payload: { orderId, yieldQuantity: 480 },
      createdUs: T0_MS * 1000,
    });
  }
  // Problems name ERP records, not assets: one, so that the list a key for every site reads is not empty.
  await erp.recordProblems(
    'sap',
    'order',
    [{ recordId: '3000', problem: 'no work center "PRESS99"' }],
    T0_MS * 1000,
  );
}

/** Who calls in one column of the matrix: a credential, and the plant its requests ask about. */
export interface Caller {
  readonly name: string;
  /** The bearer token; null sends no Authorization at all. */
  readonly token: string | null;
  /** What the credential grants; absent for no, a wrong or a revoked key. */
  readonly grant?: { readonly site: string; readonly role: Role };
  readonly asks: Plant;
}

/**
 * The columns: no key, a wrong key, a revoked one, each role of plant 1, keys for every site, and plant 2's keys
 * asking about plant 1 (the other site), then plant 2's admin about its own plant (its requests are valid and
 * its key works: a refusal about plant 1 is about the site).
 */
export async function matrixCallers(h: RestHarness): Promise<Caller[]> {
  const key = async (site: string, role: Role, asks: Plant, name: string): Promise<Caller> => {
    const created = await h.keys.create(site, role, `matrix: ${name}`);
    return { name, token: created.token, grant: { site, role }, asks };
  };
  // Revoked after it worked once: what is refused is the revocation, not a key that never was.
  const revoked = await h.keys.create('*', 'admin', 'matrix: revoked');
  if ((await h.call('GET', '/api/v1/assets', { key: revoked.token })).statusCode !== 200) {
    throw new Error('the key to revoke did not work before its revocation');
  }
  await h.keys.revoke(revoked.id);
  return [
    { name: 'no key', token: null, asks: PLANT_1 },
    // Shaped like a real key (kiln_<12 hex>_<43 base64url>), known to nobody.
    {
      name: 'wrong key',
      token: `kiln_${'0'.repeat(12)}_${randomBytes(32).toString('base64url')}`,
      asks: PLANT_1,
    },
    { name: 'revoked key', token: revoked.token, asks: PLANT_1 },
    await key(PLANT_1.site, 'reader', PLANT_1, 'plant-1 reader'),
    await key(PLANT_1.site, 'operator', PLANT_1, 'plant-1 operator'),
    await key(PLANT_1.site, 'admin', PLANT_1, 'plant-1 admin'),
    await key('*', 'reader', PLANT_1, 'every-site reader'),
    await key('*', 'admin', PLANT_1, 'every-site admin'),
    await key(PLANT_2.site, 'reader', PLANT_1, 'plant-2 reader, other site'),
    await key(PLANT_2.site, 'admin', PLANT_1, 'plant-2 admin, other site'),
    await key(PLANT_2.site, 'admin', PLANT_2, 'plant-2 admin, own site'),
  ];
}

/** How one probe was answered. */
export interface Outcome {
  /** REST: the HTTP status; gRPC: the status code. */
  readonly code: number;
  /** The body, the first event or message, or the status details: for the report and the leak check. */
  readonly text: string;
  /** Streams: whether the first snapshot event (REST) or message (gRPC) arrived. */
  readonly delivered?: boolean;
}

export interface RestRequest {
  readonly url: string;
  readonly body?: unknown;
}

const authorization = (token: string | null): Record<string, string> =>
  token === null ? {} : { authorization: `Bearer ${token}` };

/** A request through fastify's inject. */
export async function restProbe(
  app: FastifyInstance,
  method: string,
  request: RestRequest,
  token: string | null,
): Promise<Outcome> {
  const response = await app.inject({
    method: method as 'GET',
    url: request.url,
    headers: authorization(token),
    ...(request.body === undefined ? {} : { payload: request.body as object }),
  });
  return { code: response.statusCode, text: response.body };
}

/**
 * A server-sent event stream over real HTTP (`base` is the listening server): the status, and for a stream
 * that opened its first event, whereupon the body is cancelled (the server gives the stream's slot back).
 */
export async function sseProbe(base: string, request: RestRequest, token: string | null): Promise<Outcome> {
  const response = await fetch(`${base}${request.url}`, {
    headers: authorization(token),
    signal: AbortSignal.timeout(10_000),
  });
  const body = response.body;
  if (response.status !== 200 || body === null) return { code: response.status, text: await response.text() };
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (!text.includes('\n\n')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return { code: response.status, text, delivered: text.startsWith('event: snapshot\n') };
}

/** Every method of the kiln.v1 services `@kiln/contracts` defines, by `Service/Method`. */
export function grpcMethods(): Map<string, MethodDefinition<unknown, unknown>> {
  const methods = new Map<string, MethodDefinition<unknown, unknown>>();
  for (const exported of Object.values(api) as unknown[]) {
    // Service definitions are plain objects of method definitions; clients, enums and message codecs are not.
    if (typeof exported !== 'object' || exported === null) continue;
    for (const method of Object.values(exported) as unknown[]) {
      const path = (method as { path?: unknown } | null)?.path;
      if (typeof path === 'string' && path.startsWith('/kiln.v1.')) {
        methods.set(path.slice('/kiln.v1.'.length), method as MethodDefinition<unknown, unknown>);
      }
    }
  }
  return methods;
}

function metadataOf(token: string | null): Metadata {
  const metadata = new Metadata();
  if (token !== null) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

const deadline = (): Date => new Date(Date.now() + 10_000);

/** A unary call: OK with the response, or the status the server answered. */
export function grpcUnaryProbe(
  client: Client,
  method: MethodDefinition<unknown, unknown>,
  request: unknown,
  token: string | null,
): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      metadataOf(token),
      { deadline: deadline() },
      (error: ServiceError | null, response?: unknown) => {
        if (error === null) resolve({ code: 0, text: JSON.stringify(response) });
        else resolve({ code: error.code, text: error.details });
      },
    );
  });
}

/** A server stream: its first message (then cancelled), or the status it ended with. */
export function grpcStreamProbe(
  client: Client,
  method: MethodDefinition<unknown, unknown>,
  request: unknown,
  token: string | null,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const call = client.makeServerStreamRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      metadataOf(token),
      { deadline: deadline() },
    );
    let answered = false;
    const answer = (outcome: Outcome): void => {
      if (answered) return;
      answered = true;
      resolve(outcome);
    };
    call.on('data', (message: unknown) => {
      answer({ code: 0, text: JSON.stringify(message), delivered: true });
      call.cancel();
    });
    // After the first message this is the CANCELLED of our own cancel, already answered.
    call.on('error', (error: ServiceError) => answer({ code: error.code, text: error.details }));
    call.on('end', () => answer({ code: 0, text: 'the stream ended without a message', delivered: false }));
  });
}

/**
 * Every route the server routes, as `METHOD /path` with OpenAPI's `{param}` (the HEAD twin of each GET left
 * out), read from fastify's printed routing tree: each line is one node, indented four characters per level,
 * its path the concatenation of its ancestors' segments and its own.
 */
export function routedRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const segments: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const node = /^((?:│ {3}| {4})*)[├└]── (.+?)(?: \(([^)]*)\))?$/.exec(line.trimEnd());
    if (node === null) continue;
    const depth = (node[1] ?? '').length / 4;
    segments.length = depth;
    segments.push(node[2] ?? '');
    const path = segments.join('').replace(/:(\w+)/g, '{$1}');
    const methods = (node[3] ?? '').split(', ').filter((method) => /^[A-Z]+$/.test(method));
    for (const method of methods) {
      if (method !== 'HEAD' || !methods.includes('GET')) routes.push(`${method} ${path}`);
    }
  }
  return routes;
}
