// Fuzzing the REST write routes: bodies of the right shape with hostile values (control characters, lone
// surrogates, long strings, huge and non-finite numbers, NaN-like strings, wrong types, deep nesting), whole
// hostile bodies, and hostile path parameters. Every generated request goes through the validators the server
// compiled for its route (captured as fastify compiles them: the same functions, no HTTP); a share goes through
// fastify itself (app.inject, no port), whose answer must agree. Every answer comes within a time bound, none is
// a 5xx, every 400 names its field, and whatever is accepted held only clean text and finite numbers.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { textProblem } from '@kiln/contracts';
import { describeWith, fuzzRuns } from '@kiln/test-infra';
import { HistorianWriter } from '@kiln/timeseries';
import type { LightMyRequestResponse } from 'fastify';
import { restHarness, type RestHarness } from './support/harness';
import { RouteValidators } from './support/route-validators';
import { CANONICAL_STATES } from '../src/rest/schemas';

const RUNS = fuzzRuns();
/** A property's time: ~5 ms an input on a loaded machine, with room; at least ten minutes. */
const TIMEOUT_MS = Math.max(600_000, RUNS * 20);
const NOW_MS = Date.UTC(2026, 11, 6, 12);
const ASSET = 'acme/plant-1/press/line-1/press-1';
const STOP_START_US = (NOW_MS - 3_600_000) * 1000;
const STOP_ID = `${ASSET}@${STOP_START_US}`;
/** Far above the few ms an answer takes (also on a loaded machine), far below a hung request. */
const TIME_BOUND_MS = 10_000;
/**
 * Every generated request is checked against the validators the server compiled for the route (the same
 * functions, without HTTP: ~0.1 ms instead of ~1.5 ms); one in END_TO_END_EVERY, the first ACCEPTED_END_TO_END
 * the validators accept and every path parameter at the router's edge also go through app.inject(), where the
 * answer must agree with the validators' verdict.
 */
const END_TO_END_EVERY = 20;
const ACCEPTED_END_TO_END = 25;

/**
 * Any code points, lone surrogates included. One arbitrary cut to length: fast-check spends ~1.2 s working out
 * the slices of each string arbitrary of unit 'binary' it builds.
 */
const binaryText = fc.string({ unit: 'binary', maxLength: 200 });
const binaryTextUpTo = (maxLength: number): fc.Arbitrary<string> =>
  binaryText.map((text) => text.slice(0, maxLength));
/** Any text: printable, control characters, lone surrogates, NaN-like words, long runs. */
const hostileText = fc.oneof(
  binaryTextUpTo(40),
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

  /** What JSON.parse makes of toJson(). */
  toValue(): unknown {
    let value: unknown = 'bottom';
    for (let level = 0; level < this.depth; level += 1) value = this.arrays ? [value] : { a: value };
    return value;
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
/**
 * What the server's JSON parser makes of jsonOf(value), without writing and parsing the text: non-finite numbers
 * become null, -0 becomes 0, a key such as __proto__ stays an own key. Checked against JSON.parse(jsonOf(value))
 * for every request that goes end to end.
 */
function parsedValueOf(value: unknown): unknown {
  if (value instanceof DeepNesting) return value.toValue();
  if (Array.isArray(value)) return value.map(parsedValueOf);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, parsedValueOf(item)]));
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : null;
  return value === undefined ? null : value;
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
const nearUnit = fc.constantFrom('a', 'B', '-', ' ', '\n', '\t', '\u0000', '\u0007', '\u007f', '\ud800');
const nearText = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.string({ maxLength }), weight: 4 },
    // One unit arbitrary for all: fast-check works out a string arbitrary's slices once per unit (~0.4 s).
    { arbitrary: fc.string({ unit: nearUnit, maxLength }), weight: 1 },
  );
const plainText = nearText(20);
const freeText = nearText(60);
const count = fc.oneof(
  { arbitrary: fc.nat({ max: 1_000 }), weight: 4 },
  { arbitrary: fc.double({ min: 0, max: 1e12, noNaN: true }), weight: 1 },
);

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
  { assetId, state: fc.constantFrom(...CANONICAL_STATES, 'running', 'OFF'), startTime: isoTime },
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
  { reasonText: freeText, state: fc.constantFrom(...CANONICAL_STATES, 'RUNNING', 'UNKNOWN_STOP') },
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
  /** The route as the server registered it, `/api/v1/stops/:stopId/reason`. */
  readonly pattern: string;
  /** The route's one path parameter (decoded), if it has one. */
  readonly parameter?: { readonly name: string; readonly value: fc.Arbitrary<string> };
  readonly body: fc.Arbitrary<unknown>;
  /** Statuses other than 2xx and 400 that the route may answer to a valid body (an unknown stop, a resolved alert). */
  readonly otherStatuses: readonly number[];
}

const ROUTES: readonly WriteRoute[] = [
  ...(['machine-states', 'production-counts', 'orders', 'shifts'] as const).map((kind): WriteRoute => ({
    name: `POST /api/v1/events/${kind}`,
    method: 'POST',
    pattern: `/api/v1/events/${kind}`,
    body: events(
      {
        'machine-states': machineState,
        'production-counts': productionCount,
        orders: order,
        shifts: shift,
      }[kind],
    ),
    otherStatuses: [403],
  })),
  {
    name: 'POST /api/v1/stops/:stopId/reason',
    method: 'POST',
    pattern: '/api/v1/stops/:stopId/reason',
    parameter: {
      name: 'stopId',
      value: pathParameter(
        fc.oneof(
          fc.constant(STOP_ID),
          fc.nat().map((n) => `${ASSET}@${n}`),
        ),
      ),
    },
    body: stopReason,
    otherStatuses: [403, 404],
  },
  ...(['acknowledge', 'resolve'] as const).map((action): WriteRoute => ({
    name: `POST /api/v1/alerts/:alertId/${action}`,
    method: 'POST',
    pattern: `/api/v1/alerts/:alertId/${action}`,
    parameter: { name: 'alertId', value: pathParameter(fc.uuid()) },
    body: alertChange,
    otherStatuses: [404, 409],
  })),
  {
    name: 'PUT /api/v1/assets/:assetId',
    method: 'PUT',
    pattern: '/api/v1/assets/:assetId',
    parameter: {
      name: 'assetId',
      value: pathParameter(fc.constantFrom(ASSET, 'acme', 'acme/plant-1', 'acme/plant-9/x')),
    },
    body: assetChange,
    otherStatuses: [403],
  },
];

/** The request's URL: the route with its parameter URL-encoded in place. */
const urlOf = (route: WriteRoute, parameter: string | undefined): string =>
  route.parameter === undefined || parameter === undefined
    ? route.pattern
    : route.pattern.replace(`:${route.parameter.name}`, encodeURIComponent(parameter));

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
  /** Present when the route's schema refused the request (absent for the parser's and the handlers' refusals). */
  readonly issues?: readonly { readonly field: string; readonly message: string }[];
}

/** Where the server's problem documents say a schema issue is: `/events/1/time` -> `events[1].time`. */
function fieldOf(pointer: string, where: string): string {
  const path = pointer
    .split('/')
    .filter((part) => part !== '')
    .map((part, i) =>
      /^\d+$/.test(part)
        ? `[${part}]`
        : `${i === 0 ? '' : '.'}${part.replaceAll('~1', '/').replaceAll('~0', '~')}`,
    )
    .join('');
  return path === '' ? where : path;
}

/** A body as JSON.parse reads it; undefined when JSON.parse refuses it. */
type Parsed = { readonly value: unknown } | undefined;

function parsedOf(payload: string): Parsed {
  try {
    return { value: JSON.parse(payload) as unknown };
  } catch {
    return undefined;
  }
}

/** What the route's own compiled validators (no HTTP) make of a request, in the order the server applies them. */
type Verdict =
  | { readonly kind: 'unparsable' }
  | { readonly kind: 'refused'; readonly field: string }
  | { readonly kind: 'accepted'; readonly request: { readonly params: unknown; readonly body: unknown } };

function verdictOf(
  validators: RouteValidators,
  route: WriteRoute,
  parameter: string | undefined,
  parsed: Parsed,
): Verdict {
  // The body is parsed before any schema runs.
  if (parsed === undefined) return { kind: 'unparsable' };
  const body = parsed.value;
  const params = route.parameter === undefined ? {} : { [route.parameter.name]: parameter };
  const parts = [
    ['params', params],
    ['body', body],
  ] as const;
  for (const [part, data] of parts) {
    const validate = validators.get(route.method, route.pattern, part);
    if (validate === undefined) {
      if (part === 'params' && route.parameter === undefined) continue;
      throw new Error(`${route.name}: the server compiled no ${part} validator`);
    }
    const validation = validate(data);
    if ('error' in validation) {
      const [first] = validation.error;
      if (first === undefined || (first.message ?? '') === '') {
        throw new Error(`${route.name}: the ${part} validator refused without an issue`);
      }
      return { kind: 'refused', field: fieldOf(first.instancePath, part) };
    }
  }
  return { kind: 'accepted', request: { params, body } };
}

/**
 * A path parameter the router itself answers or may not match, before any validator: missing or empty, or
 * longer than it takes (maxParamLength 600, encoded: a 414 whatever the body).
 */
function routerEdgeOf(route: WriteRoute, parameter: string | undefined): 'empty' | 'too long' | undefined {
  if (route.parameter === undefined) return undefined;
  if (parameter === undefined || parameter === '') return 'empty';
  return parameter.length > 600 || encodeURIComponent(parameter).length > 600 ? 'too long' : undefined;
}

function checkVerdict(route: WriteRoute, verdict: Verdict, tookMs: number): void {
  if (tookMs > TIME_BOUND_MS) throw new Error(`${route.name}: validating took ${Math.round(tookMs)} ms`);
  if (verdict.kind !== 'accepted') return;
  const unclean = uncleanValueIn(verdict.request, 'request');
  if (unclean !== undefined) throw new Error(`${route.name}: the route's validators accepted ${unclean}`);
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

/**
 * The server and the route's validators agree: what they refuse, the server refuses (400) naming the same
 * field; what the server's schema refuses (a problem with issues), they refuse. Proves that the inputs checked
 * only against the validators were checked against what the server runs.
 */
function checkAgreement(route: WriteRoute, verdict: Verdict, response: LightMyRequestResponse): void {
  const { statusCode } = response;
  const problem = statusCode === 400 ? response.json<Problem>() : undefined;
  const answer = `${statusCode} ${response.body.slice(0, 300)}`;
  if (verdict.kind === 'unparsable' && statusCode !== 400) {
    throw new Error(`${route.name}: answered ${answer} to a body JSON.parse refuses`);
  }
  if (verdict.kind === 'refused') {
    if (problem === undefined) {
      throw new Error(
        `${route.name}: the validators refused ${verdict.field}; the server answered ${answer}`,
      );
    }
    if (problem.issues !== undefined && problem.field !== verdict.field) {
      throw new Error(`${route.name}: the validators refused ${verdict.field}; the server ${answer}`);
    }
  }
  if (verdict.kind === 'accepted' && problem?.issues !== undefined) {
    throw new Error(`${route.name}: the validators accepted what the server's schema refused: ${answer}`);
  }
}

/** How often each answer came. */
class Tally<Key extends number | string> {
  private readonly counts = new Map<Key, number>();
  total = 0;

  add(key: Key): void {
    this.counts.set(key, this.count(key) + 1);
    this.total += 1;
  }

  count(key: Key): number {
    return this.counts.get(key) ?? 0;
  }

  summary(): string {
    return [...this.counts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, count]) => `${key} x ${count}`)
      .join(', ');
  }
}

/** One generated request: checked against the route's validators, and now and then sent to the server too. */
class Exerciser {
  readonly verdicts = new Tally<Verdict['kind'] | 'at the router'>();
  readonly statuses = new Tally<number>();
  private generated = 0;
  private acceptedEndToEnd = 0;
  private tooLong = 0;

  constructor(
    private readonly h: RestHarness,
    private readonly validators: RouteValidators,
  ) {}

  /**
   * `parsed`: what the server's JSON parser makes of `payloadOf()` (written only for a request sent); worked out
   * from the generated value unless `fromPayload`, and then compared with the parse of what is sent.
   */
  async exercise(
    route: WriteRoute,
    parameter: string | undefined,
    parsed: Parsed,
    payloadOf: () => string,
    fromPayload = false,
  ): Promise<void> {
    this.generated += 1;
    const edge = routerEdgeOf(route, parameter);
    let verdict: Verdict | undefined;
    if (edge === undefined) {
      const started = performance.now();
      verdict = verdictOf(this.validators, route, parameter, parsed);
      checkVerdict(route, verdict, performance.now() - started);
      this.verdicts.add(verdict.kind);
    } else {
      this.verdicts.add('at the router');
    }
    // Every empty parameter is sent; of the too long ones (refused the same way whatever the body) a share.
    const endToEnd =
      edge === 'empty' ||
      (edge === 'too long' && this.tooLong++ % END_TO_END_EVERY === 0) ||
      this.generated % END_TO_END_EVERY === 1 ||
      (verdict?.kind === 'accepted' && this.acceptedEndToEnd < ACCEPTED_END_TO_END);
    if (!endToEnd) return;
    if (verdict?.kind === 'accepted') this.acceptedEndToEnd += 1;
    const payload = payloadOf();
    if (!fromPayload && !isDeepStrictEqual(parsedOf(payload), parsed)) {
      throw new Error(
        `${route.name}: the validators were given another body than the one sent: ${payload.slice(0, 300)}`,
      );
    }
    const started = performance.now();
    const response = await this.h.app.inject({
      method: route.method,
      url: urlOf(route, parameter),
      headers: { authorization: `Bearer ${this.h.adminKey}`, 'content-type': 'application/json' },
      payload,
    });
    checkAnswer(route, parsed?.value, response, performance.now() - started);
    if (verdict !== undefined) checkAgreement(route, verdict, response);
    this.statuses.add(response.statusCode);
  }

  summary(): string {
    return (
      `route validators: ${this.verdicts.summary()}; ` +
      `end to end (${this.statuses.total}): statuses ${this.statuses.summary()}`
    );
  }
}

describeWith(['postgres', 'redis'], 'REST bodies, fuzzed', () => {
  let h: RestHarness;
  const validators = new RouteValidators();

  beforeAll(async () => {
    // No rate limit: the properties send thousands of requests a minute with one key.
    h = await restHarness({
      now: () => NOW_MS,
      consume: false,
      section: { rateLimit: { max: 0, windowMs: 60_000 } },
      validators,
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
      const exerciser = new Exerciser(h, validators);
      const parameter = route.parameter?.value ?? fc.constant(undefined);
      await fc.assert(
        fc.asyncProperty(parameter, route.body, (value, body) => {
          return exerciser.exercise(route, value, { value: parsedValueOf(body) }, () => jsonOf(body));
        }),
        { numRuns: RUNS },
      );
      console.log(`REST ${route.name}: ${RUNS} generated bodies; ${exerciser.summary()}`);
      // Not vacuous: the generated bodies reach past validation (to the bus or the database) and are refused,
      // through the validators and end to end.
      expect(exerciser.verdicts.count('accepted')).toBeGreaterThan(0);
      expect(exerciser.verdicts.count('refused')).toBeGreaterThan(0);
      const { statuses } = exerciser;
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
        binaryText,
      );
      const route = fc.constantFrom(
        ...ROUTES.filter((one) => one.method === 'POST' && one.name.includes('events')),
      );
      const exerciser = new Exerciser(h, validators);
      await fc.assert(
        fc.asyncProperty(route, rawBody, (one, payload) =>
          exerciser.exercise(one, undefined, parsedOf(payload), () => payload, true),
        ),
        { numRuns: RUNS },
      );
      console.log(`REST write routes, raw JSON text: ${RUNS} generated bodies; ${exerciser.summary()}`);
      expect(exerciser.statuses.count(400)).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );
});
