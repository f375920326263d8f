// Fuzzing the REST write routes through fastify's own parser and validators (app.inject, no port): bodies of the
// right shape with hostile values (control characters, lone surrogates, long strings, huge and non-finite numbers,
// NaN-like strings, wrong types, deep nesting), whole hostile bodies, and hostile path parameters. Every answer
// comes within a time bound, none is a 5xx, every 400 names its field, and whatever is accepted held only clean
// text and finite numbers.
import fc from 'fast-check';
import { textProblem } from '@kiln/contracts';
import { describeWith, fuzzRuns } from '@kiln/test-infra';
import { HistorianWriter } from '@kiln/timeseries';
import type { LightMyRequestResponse } from 'fastify';
import { restHarness, type RestHarness } from './support/harness';

const RUNS = fuzzRuns();
/** A property's time: ~5 ms an input on a loaded machine, with room; at least ten minutes. */
const TIMEOUT_MS = Math.max(600_000, RUNS * 20);
const NOW_MS = Date.UTC(2026, 11, 6, 12);
const ASSET = 'acme/plant-1/press/line-1/press-1';
const STOP_START_US = (NOW_MS - 3_600_000) * 1000;
const STOP_ID = `${ASSET}@${STOP_START_US}`;
/** Far above the few ms an answer takes (also on a loaded machine), far below a hung request. */
const TIME_BOUND_MS = 10_000;

/** Any text: printable, control characters, lone surrogates, NaN-like words, long runs. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('a', '\u0000', '\n', '\t', '\u0007', '\u001b', '\ud83d\ude00', '\ud800'),
    maxLength: 80,
  }),
  fc.constantFrom(
    '',
    'NaN',
    'Infinity',
    '-Infinity',
    '1e999',
    'null',
    'undefined',
    '__proto__',
    'constructor',
  ),
  fc.constantFrom('\u0000', 'motor\u0000overload', '\u007f', '\udfff', 'x'.repeat(5_000), 'é'.repeat(70_000)),
);
const hostileNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(-0, -1, 1e16, 1e300, -1e300, 2 ** 53, 2 ** 64, Number.MAX_VALUE, Number.MIN_VALUE),
);
/** Arrays or objects nested `depth` levels deep, written as JSON text (JSON.stringify would run out of stack). */
class DeepNesting {
  constructor(
    readonly depth: number,
    readonly arrays: boolean,
  ) {}

  toJson(): string {
    return this.arrays
      ? `${'['.repeat(this.depth)}"bottom"${']'.repeat(this.depth)}`
      : `${'{"a":'.repeat(this.depth)}"bottom"${'}'.repeat(this.depth)}`;
  }

  [fc.toStringMethod](): string {
    return `DeepNesting(${this.depth}, ${this.arrays ? 'arrays' : 'objects'})`;
  }
}
/** In a field: up to a thousand levels (the raw-body property sends a hundred thousand). */
const deepNesting = fc
  .tuple(fc.integer({ min: 1, max: 1_000 }), fc.boolean())
  .map(([depth, arrays]) => new DeepNesting(depth, arrays));

/** JSON text of a generated body, deep nesting included. */
function jsonOf(value: unknown): string {
  if (value instanceof DeepNesting) return value.toJson();
  if (Array.isArray(value)) return `[${value.map(jsonOf).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${jsonOf(item)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  hostileNumber,
  fc.constantFrom(null, true, false, [], {}),
  deepNesting,
  fc.array(hostileText, { maxLength: 3 }),
  fc.dictionary(hostileText, hostileText, { maxKeys: 3 }),
);

const isoAround = fc
  .integer({ min: -400 * 86_400_000, max: 3 * 86_400_000 })
  .map((offsetMs) => new Date(NOW_MS + offsetMs).toISOString());
const isoTime = fc.oneof(
  { arbitrary: isoAround, weight: 6 },
  {
    arbitrary: fc.constantFrom(
      '0001-01-01T00:00:00Z',
      '1969-12-31T23:59:59Z',
      '9999-12-31T23:59:59.999999+00:00',
      '9999-12-31T23:59:59-14:00',
      '2026-02-30T06:00:00Z',
      '2026-12-06T12:00:00',
      '2026-12-06T25:00:00Z',
      '+275760-09-13T00:00:00Z',
    ),
    weight: 1,
  },
);
const assetId = fc.oneof(
  { arbitrary: fc.constantFrom(ASSET, 'acme/plant-1', 'acme/plant-2/x'), weight: 6 },
  { arbitrary: fc.constantFrom('ACME/Plant', "a' OR '1'='1", 'acme//x', 'acme/plant-1/\u0000'), weight: 1 },
);
/** Text of the right type, now and then with a control character, a line break or a lone surrogate in it. */
const nearText = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.string({ maxLength }), weight: 4 },
    {
      arbitrary: fc.string({
        unit: fc.constantFrom('a', 'B', '-', ' ', '\n', '\t', '\u0000', '\u0007', '\u007f', '\ud800'),
        maxLength,
      }),
      weight: 1,
    },
  );
const plainText = nearText(20);
const freeText = nearText(60);
const count = fc.oneof(
  { arbitrary: fc.nat({ max: 1_000 }), weight: 4 },
  { arbitrary: fc.double({ min: 0, max: 1e12, noNaN: true }), weight: 1 },
);
const STATES = [
  'RUNNING',
  'IDLE',
  'STARVED',
  'BLOCKED',
  'CHANGEOVER',
  'BREAKDOWN',
  'PLANNED_STOP',
  'NO_ORDER',
];

type Mutation =
  | { readonly kind: 'hostile'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'drop'; readonly key: string }
  | { readonly kind: 'extra'; readonly key: string; readonly value: unknown };

/**
 * An object of the right shape (required fields present, optional ones sometimes), as often as not with one or
 * two mutations: a field given a hostile value, a field left out, an unknown key.
 */
function shaped(
  required: Record<string, fc.Arbitrary<unknown>>,
  optional: Record<string, fc.Arbitrary<unknown>> = {},
): fc.Arbitrary<Record<string, unknown>> {
  const keys = [...Object.keys(required), ...Object.keys(optional)];
  const base = fc.record({ ...required, ...optional }, { requiredKeys: Object.keys(required) });
  const key = fc.constantFrom(...keys);
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('hostile' as const), key, value: hostileValue }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('drop' as const), key }), weight: 1 },
    {
      arbitrary: fc.record({ kind: fc.constant('extra' as const), key: hostileText, value: hostileValue }),
      weight: 1,
    },
  );
  const mutations = fc.oneof(
    { arbitrary: fc.constant([]), weight: 1 },
    { arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }), weight: 1 },
  );
  return fc.tuple(base, mutations).map(([record, changes]) => {
    let changed = Object.entries(record);
    for (const change of changes) {
      changed = changed.filter(([name]) => name !== change.key);
      if (change.kind !== 'drop') changed.push([change.key, change.value]);
    }
    return Object.fromEntries(changed);
  });
}

const events = (event: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.record({ events: fc.array(event, { minLength: 1, maxLength: 3 }) }), weight: 8 },
    { arbitrary: fc.record({ events: hostileValue }), weight: 1 },
    { arbitrary: hostileValue, weight: 1 },
  );

const machineState = shaped(
  { assetId, state: fc.constantFrom(...STATES, 'running', 'OFF'), startTime: isoTime },
  { reasonCode: plainText, reasonText: freeText, sourceCode: plainText },
);
const productionCount = shaped(
  { assetId, time: isoTime, totalCount: count },
  { goodCount: count, scrapCount: count, orderId: plainText },
);
const order = shaped(
  {
    assetId,
    orderId: plainText,
    status: fc.constantFrom('PLANNED', 'RELEASED', 'RUNNING', 'COMPLETED', 'CLOSED', 'CANCELLED'),
  },
  {
    operationId: plainText,
    material: plainText,
    materialDescription: freeText,
    targetQuantity: count,
    quantityUnit: plainText,
    idealCycleTimeS: count,
    scheduledStart: isoTime,
    scheduledEnd: isoTime,
    actualStart: isoTime,
    actualEnd: isoTime,
    erpSystem: plainText,
    changedTime: isoTime,
  },
);
/** A shift of 8 hours with a break inside it, now and then somewhere else. */
const shift = fc
  .tuple(isoAround, fc.integer({ min: -3_600_000, max: 10 * 3_600_000 }))
  .chain(([start, breakOffsetMs]) => {
    const startMs = Date.parse(start);
    const iso = (ms: number): string => new Date(ms).toISOString();
    const pause = shaped(
      {
        start: fc.oneof(fc.constant(iso(startMs + breakOffsetMs)), isoTime),
        end: fc.oneof(fc.constant(iso(startMs + breakOffsetMs + 1_800_000)), isoTime),
      },
      { reason: plainText },
    );
    return shaped(
      {
        assetId,
        shiftId: plainText,
        start: fc.oneof(fc.constant(start), isoTime),
        end: fc.oneof(fc.constant(iso(startMs + 8 * 3_600_000)), isoTime),
      },
      {
        name: plainText,
        breaks: fc.array(pause, { maxLength: 2 }),
        cancelled: fc.boolean(),
        erpSystem: plainText,
        changedTime: isoTime,
      },
    );
  });
const stopReason = shaped(
  { reasonCode: plainText },
  { reasonText: freeText, state: fc.constantFrom(...STATES, 'RUNNING', 'UNKNOWN_STOP') },
);
const alertChange = fc.oneof(
  { arbitrary: shaped({}, { comment: freeText }), weight: 4 },
  { arbitrary: hostileValue, weight: 1 },
);
const assetChange = shaped(
  { name: plainText, level: fc.constantFrom('enterprise', 'site', 'area', 'line', 'cell', 'asset') },
  { type: plainText, settings: shaped({}, { defaultIdealCycleTimeS: count, microStopThresholdS: count }) },
);
const pathParameter = (valid: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: hostileText, weight: 1 }).map((text) =>
    // encodeURIComponent refuses lone surrogates; a client can still send their bytes escaped.
    text.replace(/[\ud800-\udfff]/g, '\ufffd'),
  );

interface WriteRoute {
  readonly name: string;
  readonly method: 'POST' | 'PUT';
  readonly path: fc.Arbitrary<string>;
  readonly body: fc.Arbitrary<unknown>;
  /** Statuses other than 2xx and 400 that the route may answer to a valid body (an unknown stop, a resolved alert). */
  readonly otherStatuses: readonly number[];
}

const ROUTES: readonly WriteRoute[] = [
  {
    name: 'POST /api/v1/events/machine-states',
    method: 'POST',
    path: fc.constant('/api/v1/events/machine-states'),
    body: events(machineState),
    otherStatuses: [403],
  },
  {
    name: 'POST /api/v1/events/production-counts',
    method: 'POST',
    path: fc.constant('/api/v1/events/production-counts'),
    body: events(productionCount),
    otherStatuses: [403],
  },
  {
    name: 'POST /api/v1/events/orders',
    method: 'POST',
    path: fc.constant('/api/v1/events/orders'),
    body: events(order),
    otherStatuses: [403],
  },
  {
    name: 'POST /api/v1/events/shifts',
    method: 'POST',
    path: fc.constant('/api/v1/events/shifts'),
    body: events(shift),
    otherStatuses: [403],
  },
  {
    name: 'POST /api/v1/stops/:stopId/reason',
    method: 'POST',
    path: pathParameter(
      fc.oneof(
        fc.constant(STOP_ID),
        fc.nat().map((n) => `${ASSET}@${n}`),
      ),
    ).map((id) => `/api/v1/stops/${encodeURIComponent(id)}/reason`),
    body: stopReason,
    otherStatuses: [403, 404],
  },
  ...(['acknowledge', 'resolve'] as const).map((action): WriteRoute => ({
    name: `POST /api/v1/alerts/:alertId/${action}`,
    method: 'POST',
    path: pathParameter(fc.uuid()).map((id) => `/api/v1/alerts/${encodeURIComponent(id)}/${action}`),
    body: alertChange,
    otherStatuses: [404, 409],
  })),
  {
    name: 'PUT /api/v1/assets/:assetId',
    method: 'PUT',
    path: pathParameter(fc.constantFrom(ASSET, 'acme', 'acme/plant-1', 'acme/plant-9/x')).map(
      (id) => `/api/v1/assets/${encodeURIComponent(id)}`,
    ),
    body: assetChange,
    otherStatuses: [403],
  },
];

/** Every string in an accepted body (keys and values) must have been clean; every number finite. */
function uncleanValueIn(value: unknown, path = 'body'): string | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value, 100_000);
    return problem === undefined ? undefined : `${path} ${problem}`;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is ${value}`;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = uncleanValueIn(key, `${path} key`) ?? uncleanValueIn(item, `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

interface Problem {
  readonly status: number;
  readonly field?: string;
  readonly detail?: string;
}

function checkAnswer(
  route: WriteRoute,
  body: unknown,
  response: LightMyRequestResponse,
  tookMs: number,
): void {
  if (tookMs > TIME_BOUND_MS) throw new Error(`${route.name} took ${Math.round(tookMs)} ms`);
  const { statusCode } = response;
  if (statusCode >= 500)
    throw new Error(`${route.name} answered ${statusCode}: ${response.body.slice(0, 500)}`);
  // 414: a path parameter longer than the router takes, named like any other refusal.
  if (statusCode === 400 || statusCode === 414) {
    const problem = response.json<Problem>();
    if (typeof problem.field !== 'string' || problem.field === '') {
      throw new Error(`${route.name}: a ${statusCode} without its field: ${response.body.slice(0, 500)}`);
    }
    if (!(problem.detail ?? '').startsWith(`${problem.field}: `)) {
      throw new Error(
        `${route.name}: the detail does not start with the field: ${response.body.slice(0, 500)}`,
      );
    }
    return;
  }
  if (statusCode >= 200 && statusCode < 300) {
    const unclean = uncleanValueIn(body);
    if (unclean !== undefined) throw new Error(`${route.name} accepted (${statusCode}) ${unclean}`);
    return;
  }
  if (!route.otherStatuses.includes(statusCode)) {
    throw new Error(`${route.name} answered ${statusCode}: ${response.body.slice(0, 500)}`);
  }
}

/** How often each answer came. */
class Tally {
  private readonly counts = new Map<number, number>();
  total = 0;

  add(statusCode: number): void {
    this.counts.set(statusCode, this.count(statusCode) + 1);
    this.total += 1;
  }

  count(statusCode: number): number {
    return this.counts.get(statusCode) ?? 0;
  }

  summary(): string {
    return [...this.counts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([statusCode, count]) => `${statusCode} x ${count}`)
      .join(', ');
  }
}

describeWith(['postgres', 'redis'], 'REST bodies, fuzzed', () => {
  let h: RestHarness;

  beforeAll(async () => {
    // No rate limit: the properties send thousands of requests a minute with one key.
    h = await restHarness({
      now: () => NOW_MS,
      consume: false,
      section: { rateLimit: { max: 0, windowMs: 60_000 } },
    });
    // A plant for the asset upserts to hang off and a stop for the reasons to land on.
    const writer = new HistorianWriter(h.database.db, { schema: h.database.schema });
    await writer.upsertAssets([
      { id: 'acme', level: 'enterprise', name: 'ACME' },
      { id: 'acme/plant-1', parentId: 'acme', level: 'site', name: 'Plant 1' },
      { id: 'acme/plant-1/press', parentId: 'acme/plant-1', level: 'area', name: 'Press' },
      { id: 'acme/plant-1/press/line-1', parentId: 'acme/plant-1/press', level: 'line', name: 'Line 1' },
    ]);
    await writer.writeStates([
      { assetId: ASSET, timeUs: STOP_START_US, state: 'UNKNOWN_STOP' },
      { assetId: ASSET, timeUs: STOP_START_US + 600_000_000, state: 'RUNNING' },
    ]);
  });

  afterAll(async () => {
    await h?.stop();
  });

  it.each(ROUTES.map((route) => [route.name, route] as const))(
    `REST %s: ${RUNS} generated bodies`,
    async (_name, route) => {
      const statuses = new Tally();
      await fc.assert(
        fc.asyncProperty(route.path, route.body, async (url, body) => {
          const started = performance.now();
          const response = await h.app.inject({
            method: route.method,
            url,
            headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json' },
            payload: jsonOf(body),
          });
          checkAnswer(route, body, response, performance.now() - started);
          statuses.add(response.statusCode);
        }),
        { numRuns: RUNS },
      );
      console.log(`REST ${route.name}: ${statuses.total} generated bodies, statuses ${statuses.summary()}`);
      // Not vacuous: the generated bodies reach past validation (to the bus or the database) and are refused.
      expect(statuses.total - statuses.count(400) - statuses.count(414)).toBeGreaterThan(0);
      expect(statuses.count(400)).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );

  it(
    `REST write routes, raw JSON text: ${RUNS} generated bodies`,
    async () => {
      // What JSON.stringify never writes: 1e999 (Infinity once parsed), duplicate and __proto__ keys, bare values,
      // truncated documents, other encodings.
      const rawBody = fc.oneof(
        fc.constantFrom(
          '{"events":[{"assetId":"acme/plant-1/press/line-1/press-1","state":"RUNNING","startTime":"2026-12-06T11:00:00Z","reasonText":"\\u0000"}]}',
          '{"events":[{"assetId":"acme/plant-1/press/line-1/press-1","time":"2026-12-06T11:00:00Z","totalCount":1e999}]}',
          '{"events":[{"__proto__":{"x":1}}]}',
          '{"constructor":{"prototype":{"x":1}}}',
          '{"events":[],"events":[1]}',
          '{"events":',
          '',
          'null',
          '"text"',
          '\ufeff{}',
          new DeepNesting(100_000, true).toJson(),
          `{"events":[${new DeepNesting(100_000, false).toJson()}]}`,
        ),
        fc.json(),
        fc.string({ unit: 'binary', maxLength: 200 }),
      );
      const route = fc.constantFrom(
        ...ROUTES.filter((one) => one.method === 'POST' && one.name.includes('events')),
      );
      const statuses = new Tally();
      await fc.assert(
        fc.asyncProperty(route, rawBody, async (one, payload) => {
          const started = performance.now();
          const response = await h.app.inject({
            method: one.method,
            url: one.name.split(' ')[1] ?? '',
            headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json' },
            payload,
          });
          let parsed: unknown;
          try {
            parsed = JSON.parse(payload) as unknown;
          } catch {
            parsed = undefined;
          }
          checkAnswer(one, parsed, response, performance.now() - started);
          statuses.add(response.statusCode);
        }),
        { numRuns: RUNS },
      );
      console.log(
        `REST write routes, raw JSON text: ${statuses.total} generated bodies, statuses ${statuses.summary()}`,
      );
    },
    TIMEOUT_MS,
  );
});
