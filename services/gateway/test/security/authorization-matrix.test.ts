// The authorization matrix of the gateway: every REST route (the OpenAPI document's and the routes it hides) and
// every kiln.v1 gRPC method, each called by every caller of matrix-fixture.ts (no key, a wrong key, a
// revoked key, each role of plant 1, keys for every site, plant 2's keys about plant 1 and about plant 2), each
// answer held against the route's rule: its least role and how it checks the site. A route or method without a
// rule fails the suite, naming it, and so does a rule for a route that is gone. Every request is valid and about
// seeded data: validation runs before authorization, and an invalid request would hide a refusal.
import { Client, credentials, status, type MethodDefinition } from '@grpc/grpc-js';
import { api, OeeWindowKind } from '@kiln/contracts';
import { describeWith } from '@kiln/test-infra';
import { ALL_SITES, ROLES, type Role } from '../../src/auth/principal';
import { assetPath, restHarness, type RestHarness } from '../support/harness';
import {
  grpcMethods,
  grpcStreamProbe,
  grpcUnaryProbe,
  iso,
  matrixCallers,
  PLANTS,
  restProbe,
  routedRoutes,
  seedPlants,
  sseProbe,
  T0_MS,
  type Caller,
  type Outcome,
  type Plant,
  type RestRequest,
} from './matrix-fixture';

/**
 * How a route decides which plant a credential may read or change:
 * - `none`: no plant is involved, the role alone decides (metrics, public routes);
 * - `every-site`: only a credential for every site (`*`) passes (unmapped tags and ERP problems belong to no site);
 * - `named`: the request names an asset, signal, stop, alert, order or site of the plant: another site's
 *   credential is refused, 403, or 404 where the route does not tell that the thing exists;
 * - `scoped`: the answer is cut to the caller's site: another site's credential is answered, with nothing of the
 *   plant asked about (no id of another site may appear in a single site's answer).
 */
type SiteCheck = 'none' | 'every-site' | 'named' | 'scoped';

interface Rule<Request> {
  /** The least role that passes; null: public. */
  readonly role: Role | null;
  readonly site: SiteCheck;
  /** A valid request about the plant: plant 1 for most callers, plant 2 for plant 2's own-site probe. */
  readonly request: (plant: Plant) => Request;
  /** Answers an allowed caller may get besides success: 409 once an earlier probe resolved the alert. */
  readonly alsoAllowed?: readonly number[];
}

interface RestRule extends Rule<RestRequest> {
  /** Server-sent events: probed over real HTTP, allowed callers must get the first snapshot event. */
  readonly stream?: true;
  /** Public, but a credential presented is checked (`/readyz`: a wrong or revoked one is 401, docs/operations.md). */
  readonly checksPresentedKey?: true;
}

type GrpcRule = Rule<unknown>;
/** What the verdict reads of a rule of either transport. */
type AnyRule = Rule<unknown> & Pick<RestRule, 'checksPresentedKey'>;

const FROM = iso(T0_MS);
const TO = iso(T0_MS + 2 * 3_600_000);
const query = (params: Record<string, string>): string => new URLSearchParams(params).toString();
const seconds = (ms: number): api.Timestamp => ({ seconds: Math.floor(ms / 1000), nanos: 0 });
const range = { startTime: seconds(T0_MS), endTime: seconds(T0_MS + 2 * 3_600_000) };
const signalRefs = (p: Plant): api.SignalRef[] => [{ assetId: p.machine, signal: p.signal }];
/** Posted live data must lie within the gateway's window around now (docs/api.md, input rules). */
const aMinuteAgo = (): string => iso(Date.now() - 60_000);

const open = (url: string): RestRule => ({ role: null, site: 'none', request: () => ({ url }) });
const get = (role: Role, site: SiteCheck, url: (p: Plant) => string): RestRule => ({
  role,
  site,
  request: (p) => ({ url: url(p) }),
});
const post = (role: Role, url: (p: Plant) => string, body: (p: Plant) => unknown): RestRule => ({
  role,
  site: 'named',
  request: (p) => ({ url: url(p), body: body(p) }),
});
const postEvents = (path: string, event: (p: Plant) => Record<string, unknown>): RestRule =>
  post(
    'operator',
    () => `/api/v1/events/${path}`,
    (p) => ({ events: [{ assetId: p.machine, ...event(p) }] }),
  );

/** Every REST route by `METHOD /path` as the OpenAPI document spells it (docs/api.md has the roles). */
const REST_RULES: Readonly<Record<string, RestRule>> = {
  'GET /healthz': open('/healthz'),
  'GET /readyz': { ...open('/readyz'), checksPresentedKey: true },
  'GET /metrics': get('reader', 'none', () => '/metrics'),
  // Hidden from the document: the description itself, its browsable UI (public while gateway.auth.publicDocs)
  // and the dashboard's static page and files, which hold no data.
  'GET /openapi.json': open('/openapi.json'),
  'GET /docs': open('/docs'),
  'GET /docs/': open('/docs/'),
  'GET /docs/*': open('/docs/static/index.css'),
  'GET /docs/json': open('/docs/json'),
  'GET /docs/yaml': open('/docs/yaml'),
  'GET /docs/static/index.html': open('/docs/static/index.html'),
  'GET /docs/static/swagger-initializer.js': open('/docs/static/swagger-initializer.js'),
  'GET /': open('/'),
  'GET /dashboard/dashboard.js': open('/dashboard/dashboard.js'),
  'GET /dashboard/dashboard.css': open('/dashboard/dashboard.css'),

  'GET /api/v1/assets': get('reader', 'scoped', () => `/api/v1/assets?${query({ pageSize: '1000' })}`),
  'GET /api/v1/assets/tree': get(
    'reader',
    'named',
    (p) => `/api/v1/assets/tree?${query({ rootId: p.site })}`,
  ),
  'GET /api/v1/assets/{assetId}': get('reader', 'named', (p) => assetPath(p.machine)),
  'PUT /api/v1/assets/{assetId}': {
    role: 'admin',
    site: 'named',
    // The machine as seeded: changing it again and again changes nothing.
    request: (p) => ({
      url: assetPath(p.machine),
      body: { name: 'Machine', level: 'asset', type: 'press', settings: { defaultIdealCycleTimeS: 1 } },
    }),
  },
  'GET /api/v1/assets/{assetId}/signals': get('reader', 'named', (p) => assetPath(p.machine, '/signals')),
  'GET /api/v1/assets/{assetId}/health': get('reader', 'named', (p) => assetPath(p.machine, '/health')),
  'GET /api/v1/telemetry': get(
    'reader',
    'named',
    (p) =>
      `/api/v1/telemetry?${query({ signal: `${p.machine}/${p.signal}`, from: FROM, to: TO, bucket: '15m' })}`,
  ),
  'GET /api/v1/telemetry/latest': get(
    'reader',
    'named',
    (p) => `/api/v1/telemetry/latest?${query({ signal: `${p.machine}/${p.signal}` })}`,
  ),
  'GET /api/v1/oee': get(
    'reader',
    'named',
    (p) => `/api/v1/oee?${query({ assetId: p.machine, from: FROM, to: TO, granularity: 'hour' })}`,
  ),
  'GET /api/v1/oee/live': get('reader', 'named', (p) => `/api/v1/oee/live?${query({ assetId: p.machine })}`),
  'GET /api/v1/stream': {
    ...get('reader', 'named', (p) => `/api/v1/stream?${query({ assetId: p.machine, intervalS: '60' })}`),
    stream: true,
  },
  'GET /api/v1/states': get(
    'reader',
    'named',
    (p) => `/api/v1/states?${query({ assetId: p.machine, from: FROM, to: TO })}`,
  ),
  'GET /api/v1/stops': get(
    'reader',
    'named',
    (p) => `/api/v1/stops?${query({ assetId: p.machine, from: FROM, to: TO })}`,
  ),
  'POST /api/v1/stops/{stopId}/reason': post(
    'operator',
    (p) => `/api/v1/stops/${encodeURIComponent(p.stopId)}/reason`,
    () => ({ reasonCode: 'M-02', reasonText: 'bearing' }),
  ),
  'POST /api/v1/events/machine-states': postEvents('machine-states', () => ({
    state: 'IDLE',
    startTime: aMinuteAgo(),
  })),
  'POST /api/v1/events/production-counts': postEvents('production-counts', () => ({
    time: aMinuteAgo(),
    totalCount: 10,
  })),
  'POST /api/v1/events/orders': postEvents('orders', (p) => ({
    orderId: `${p.orderId}-posted`,
    status: 'RELEASED',
  })),
  'POST /api/v1/events/shifts': postEvents('shifts', () => ({ shiftId: 'early', start: FROM, end: TO })),
  'GET /api/v1/alerts': get('reader', 'named', (p) => `/api/v1/alerts?${query({ siteId: p.site })}`),
  // Another site's alert is 404: its existence is not told.
  'GET /api/v1/alerts/{alertId}': get(
    'reader',
    'named',
    (p) => `/api/v1/alerts/${encodeURIComponent(p.alertToAcknowledge)}`,
  ),
  'POST /api/v1/alerts/{alertId}/acknowledge': post(
    'operator',
    (p) => `/api/v1/alerts/${encodeURIComponent(p.alertToAcknowledge)}/acknowledge`,
    () => ({ comment: 'on it' }),
  ),
  'POST /api/v1/alerts/{alertId}/resolve': {
    ...post(
      'operator',
      (p) => `/api/v1/alerts/${encodeURIComponent(p.alertToResolve)}/resolve`,
      () => ({ comment: 'bearing replaced' }),
    ),
    alsoAllowed: [409],
  },
  'GET /api/v1/orders': get('reader', 'named', (p) => `/api/v1/orders?${query({ siteId: p.site })}`),
  // Another site's order is 404 too.
  'GET /api/v1/orders/{orderId}': get(
    'reader',
    'named',
    (p) => `/api/v1/orders/${encodeURIComponent(p.orderId)}`,
  ),
  'GET /api/v1/erp/outbox': get(
    'operator',
    'scoped',
    () => `/api/v1/erp/outbox?${query({ kind: 'confirmation' })}`,
  ),
  'GET /api/v1/erp/problems': get(
    'operator',
    'every-site',
    () => `/api/v1/erp/problems?${query({ kind: 'order' })}`,
  ),
  'GET /api/v1/unmapped': get('admin', 'every-site', () => '/api/v1/unmapped'),
  'GET /api/v1/audit': get('admin', 'scoped', () => `/api/v1/audit?${query({ pageSize: '1000' })}`),
};

/** Every kiln.v1 request names what it is about: an asset, a signal, a stop, an alert or a site. */
const grpcRule = (role: Role, request: (p: Plant) => unknown): GrpcRule => ({ role, site: 'named', request });

/** Every kiln.v1 method by `Service/Method`; requests as the generated codecs build them. */
const GRPC_RULES: Readonly<Record<string, GrpcRule>> = {
  'AssetService/GetAssetTree': grpcRule('reader', (p) =>
    api.GetAssetTreeRequest.fromPartial({ rootAssetId: p.site }),
  ),
  'AssetService/GetAsset': grpcRule('reader', (p) => api.GetAssetRequest.fromPartial({ assetId: p.machine })),
  'AssetService/ListAssets': grpcRule('reader', (p) => api.ListAssetsRequest.fromPartial({ siteId: p.site })),
  'AssetService/ListSignals': grpcRule('reader', (p) =>
    api.ListSignalsRequest.fromPartial({ assetId: p.machine }),
  ),
  'AssetService/UpsertAsset': grpcRule('admin', (p) =>
    api.UpsertAssetRequest.fromPartial({
      asset: {
        id: p.machine,
        name: 'Machine',
        level: api.AssetLevel.ASSET_LEVEL_ASSET,
        type: 'press',
        defaultIdealCycleTimeS: 1,
      },
    }),
  ),
  'TelemetryService/QueryRange': grpcRule('reader', (p) =>
    api.QueryRangeRequest.fromPartial({
      signals: signalRefs(p),
      ...range,
      bucket: { seconds: 900, nanos: 0 },
    }),
  ),
  'TelemetryService/GetLatest': grpcRule('reader', (p) =>
    api.GetLatestRequest.fromPartial({ signals: signalRefs(p) }),
  ),
  'TelemetryService/StreamLive': grpcRule('reader', (p) =>
    api.StreamLiveRequest.fromPartial({ signals: signalRefs(p) }),
  ),
  'OeeService/GetOee': grpcRule('reader', (p) =>
    api.GetOeeRequest.fromPartial({
      assetId: p.machine,
      ...range,
      granularity: OeeWindowKind.OEE_WINDOW_KIND_HOUR,
    }),
  ),
  'OeeService/GetLosses': grpcRule('reader', (p) =>
    api.GetLossesRequest.fromPartial({ assetId: p.machine, ...range }),
  ),
  'OeeService/StreamLiveOee': grpcRule('reader', (p) =>
    api.StreamLiveOeeRequest.fromPartial({ assetIds: [p.machine] }),
  ),
  'MachineStateService/GetStateTimeline': grpcRule('reader', (p) =>
    api.GetStateTimelineRequest.fromPartial({ assetId: p.machine, ...range }),
  ),
  'MachineStateService/ListStops': grpcRule('reader', (p) =>
    api.ListStopsRequest.fromPartial({ assetId: p.machine, ...range }),
  ),
  'MachineStateService/SetStopReason': grpcRule('operator', (p) =>
    api.SetStopReasonRequest.fromPartial({ stopId: p.stopId, reasonCode: 'M-02', reasonText: 'bearing' }),
  ),
  'AlertService/ListAlerts': grpcRule('reader', (p) => api.ListAlertsRequest.fromPartial({ siteId: p.site })),
  'AlertService/AcknowledgeAlert': grpcRule('operator', (p) =>
    api.AcknowledgeAlertRequest.fromPartial({ alertId: p.alertToAcknowledge, comment: 'on it' }),
  ),
  'AlertService/ResolveAlert': {
    ...grpcRule('operator', (p) =>
      api.ResolveAlertRequest.fromPartial({ alertId: p.alertToResolve, comment: 'bearing replaced' }),
    ),
    alsoAllowed: [status.FAILED_PRECONDITION],
  },
};

/** What a caller must get from a route. */
type Verdict = 'public' | 'allowed' | 'unauthenticated' | 'forbidden' | 'forbidden-or-hidden';

const rankOf = (role: Role): number => ROLES.indexOf(role);

function verdictOf(rule: AnyRule, caller: Caller): Verdict {
  const { grant } = caller;
  if (rule.role === null) {
    const refusedKey = caller.token !== null && grant === undefined;
    return refusedKey && rule.checksPresentedKey === true ? 'unauthenticated' : 'public';
  }
  if (grant === undefined) return 'unauthenticated';
  if (rule.site === 'named' && grant.site !== ALL_SITES && grant.site !== caller.asks.site) {
    // Refused for the site whatever the role: 403, or 404 where the route does not tell what exists. Such a 404
    // is about the site, not a missing thing: the same request succeeds for the allowed callers of plant 1 (the
    // every-site admin always is one), and an allowed caller's 404 is a mismatch.
    return 'forbidden-or-hidden';
  }
  if (rule.site === 'every-site' && grant.site !== ALL_SITES) return 'forbidden';
  return rankOf(grant.role) >= rankOf(rule.role) ? 'allowed' : 'forbidden';
}

/** The answers of a transport that the verdicts are told by. */
interface Codes {
  /** What a public route gives anyone: an answer, not a refusal. */
  readonly answered: (code: number) => boolean;
  readonly success: (code: number) => boolean;
  readonly unauthenticated: number;
  readonly forbidden: number;
  readonly hidden: number;
  readonly name: (code: number) => string;
  /** What the first item of a stream is called. */
  readonly firstOfStream: string;
}

const HTTP: Codes = {
  answered: (code) => code < 400,
  success: (code) => code >= 200 && code < 300,
  unauthenticated: 401,
  forbidden: 403,
  hidden: 404,
  name: String,
  firstOfStream: 'snapshot event',
};

const GRPC: Codes = {
  answered: (code) => code === status.OK,
  success: (code) => code === status.OK,
  unauthenticated: status.UNAUTHENTICATED,
  forbidden: status.PERMISSION_DENIED,
  hidden: status.NOT_FOUND,
  name: (code) => status[code] ?? String(code),
  firstOfStream: 'message',
};

/** Why an outcome does not match the rule for this caller; undefined when it does. */
function mismatchOf(
  rule: AnyRule,
  caller: Caller,
  outcome: Outcome,
  codes: Codes,
  isStream: boolean,
): string | undefined {
  const { code } = outcome;
  const got = `got ${codes.name(code)}: ${outcome.text.replace(/\s+/g, ' ').slice(0, 200)}`;
  const expected = (what: string): string => `expected ${what}; ${got}`;
  switch (verdictOf(rule, caller)) {
    case 'public':
      return codes.answered(code) ? undefined : expected('an answer, not a refusal');
    case 'unauthenticated':
      return code === codes.unauthenticated ? undefined : expected(codes.name(codes.unauthenticated));
    case 'forbidden':
      return code === codes.forbidden ? undefined : expected(codes.name(codes.forbidden));
    case 'forbidden-or-hidden':
      return code === codes.forbidden || code === codes.hidden
        ? undefined
        : expected(`${codes.name(codes.forbidden)} or ${codes.name(codes.hidden)} (another site)`);
    case 'allowed': {
      // Success, not merely "not refused": an invalid request (400) would hide the refusals of the others.
      const alsoAllowed = rule.alsoAllowed ?? [];
      if (!codes.success(code) && !alsoAllowed.includes(code)) {
        return expected(['success', ...alsoAllowed.map(codes.name)].join(' or '));
      }
      if (isStream && codes.success(code) && outcome.delivered !== true) {
        return expected(`the stream's first ${codes.firstOfStream}`);
      }
      // A single site's answer names nothing of another site.
      const site = caller.grant?.site;
      const leaked = PLANTS.find(
        (p) =>
          rule.site === 'scoped' && site !== ALL_SITES && p.site !== site && outcome.text.includes(p.site),
      );
      return leaked === undefined ? undefined : `answered data of ${leaked.site}; ${got}`;
    }
  }
}

describeWith(['postgres', 'redis'], 'authorization matrix', () => {
  let h: RestHarness;
  let base: string;
  let grpc: Client;
  let callers: Caller[];
  /** `METHOD /path`: the document's routes and the router's (which also routes what the document hides). */
  let restRoutes: string[];
  /** `Service/Method` of every kiln.v1 service. */
  let methods: Map<string, MethodDefinition<unknown, unknown>>;

  beforeAll(async () => {
    // No OEE service consuming what the probes post: every probe reads the data as seeded.
    h = await restHarness({ consume: false });
    await seedPlants(h);
    callers = await matrixCallers(h);
    // Server-sent events over real HTTP: inject waits for the end of a response, and a stream does not end.
    base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    grpc = new Client(h.grpcAddress, credentials.createInsecure());
    const description = await h.call('GET', '/openapi.json', { key: null });
    const documented = Object.entries(description.json<{ paths: Record<string, object> }>().paths).flatMap(
      ([path, item]) =>
        Object.keys(item)
          .filter((method) => ['get', 'put', 'post', 'patch', 'delete'].includes(method))
          .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routed = routedRoutes(h.app);
    // The router's routes are read from its printout: a documented route missing there means that reading broke.
    expect(documented.filter((route) => !routed.includes(route))).toEqual([]);
    restRoutes = [...new Set([...documented, ...routed])];
    methods = grpcMethods();
  }, 60_000);

  afterAll(async () => {
    grpc?.close();
    await h?.stop();
  });

  it('has a rule for every REST route and gRPC method, and none for a route that is gone', () => {
    expect(restRoutes.length).toBeGreaterThan(0);
    expect(methods.size).toBeGreaterThan(0);
    const problems = [
      ...restRoutes.filter((route) => REST_RULES[route] === undefined).map((route) => `${route}: no rule`),
      ...[...methods.keys()]
        .filter((name) => GRPC_RULES[name] === undefined)
        .map((name) => `${name}: no rule`),
      ...Object.keys(REST_RULES)
        .filter((route) => !restRoutes.includes(route))
        .map((route) => `${route}: a rule for a route the server does not have`),
      ...Object.keys(GRPC_RULES)
        .filter((name) => !methods.has(name))
        .map((name) => `${name}: a rule for a method kiln.v1 does not have`),
    ];
    expect(problems).toEqual([]);
  });

  it('answers every route and method as its rule says, for every credential', async () => {
    // Every mismatch is collected and reported at once; the probes run one after another, so that the ones that
    // change state (an alert resolved) do so in the order of the callers.
    const mismatches: string[] = [];
    const probed = { rest: 0, grpc: 0, probes: 0 };
    for (const route of restRoutes) {
      const rule = REST_RULES[route];
      if (rule === undefined) continue; // named by the test above
      const method = route.slice(0, route.indexOf(' '));
      probed.rest += 1;
      for (const caller of callers) {
        const request = rule.request(caller.asks);
        const outcome =
          rule.stream === true
            ? await sseProbe(base, request, caller.token)
            : await restProbe(h.app, method, request, caller.token);
        probed.probes += 1;
        const mismatch = mismatchOf(rule, caller, outcome, HTTP, rule.stream === true);
        if (mismatch !== undefined) mismatches.push(`${route} | ${caller.name}: ${mismatch}`);
      }
    }
    for (const [name, method] of methods) {
      const rule = GRPC_RULES[name];
      if (rule === undefined) continue;
      probed.grpc += 1;
      for (const caller of callers) {
        const request = rule.request(caller.asks);
        const outcome = method.responseStream
          ? await grpcStreamProbe(grpc, method, request, caller.token)
          : await grpcUnaryProbe(grpc, method, request, caller.token);
        probed.probes += 1;
        const mismatch = mismatchOf(rule, caller, outcome, GRPC, method.responseStream);
        if (mismatch !== undefined) mismatches.push(`${name} | ${caller.name}: ${mismatch}`);
      }
    }
    console.log(
      `authorization matrix: ${probed.rest} REST routes and ${probed.grpc} gRPC methods x ` +
        `${callers.length} credentials = ${probed.probes} probes`,
    );
    expect(mismatches).toEqual([]);
  }, 60_000);
});
