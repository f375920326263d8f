// Reads of telemetry (JSON or CSV), OEE, machine states and stops, and an operator's stop reason.
import type { FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayApi } from '../api';
import { MAX_LATEST_AGE_MS } from '../domain/latest-cache';
import { checkedRange, parseIsoTime, type TimeRangeUs } from '../domain/range';
import { parseSignalPath, type SignalPath } from '../domain/telemetry';
import { principalOf } from './authenticate';
import { intervalJson, latestBody, oeeJson, seriesCsv, seriesJson, stopJson } from './mapping';
import { memoizedValidatorCompiler } from './query-memo';
import { lineText } from './input-schemas';
import {
  errorResponses,
  latestSchema,
  oeeQuery,
  oeeResultSchema,
  pageOf,
  seriesSchema,
  signalsQuery,
  stateIntervalSchema,
  statesQuery,
  stopReasonSchema,
  stopSchema,
  telemetryQuery,
} from './schemas';

const security = [{ bearer: [] }];
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Signals of a validated query, parsed once per query object (a remembered one is frozen and served again). */
const parsedSignals = new WeakMap<object, readonly SignalPath[]>();

function signalsOf(query: { readonly signal: string | string[] }): readonly SignalPath[] {
  const known = parsedSignals.get(query);
  if (known !== undefined) return known;
  const signals = list(query.signal).map((text, i) => parseSignalPath(`signal[${i}]`, text));
  if (Object.isFrozen(query)) parsedSignals.set(query, signals);
  return signals;
}

export function rangeOf(api: GatewayApi, query: { from: string; to: string }): TimeRangeUs {
  return checkedRange(
    parseIsoTime('from', query.from),
    parseIsoTime('to', query.to),
    api.limits.maxRangeDays,
  );
}

export function dataRoutes(app: FastifyInstance, api: GatewayApi): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/api/v1/telemetry',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'Bucketed aggregates of signals over a range (CSV with Accept: text/csv)',
        security,
        querystring: telemetryQuery,
        response: { 200: z.object({ series: z.array(seriesSchema) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const series = await api.telemetry.range(principalOf(request), {
        signals: list(query.signal).map((text, i) => parseSignalPath(`signal[${i}]`, text)),
        range: rangeOf(api, query),
        bucket: query.bucket,
        ...(query.agg === undefined ? {} : { aggregates: list(query.agg) }),
        source: query.source,
      });
      if ((request.headers.accept ?? '').includes('text/csv')) {
        // CSV bypasses the JSON serializer of the route's schema.
        const csv: unknown = seriesCsv(series);
        return reply
          .type('text/csv; charset=utf-8')
          .serializer((payload: unknown) => String(payload))
          .send(csv as { series: [] });
      }
      return { series: series.map(seriesJson) };
    },
  );
  typed.get(
    '/api/v1/telemetry/latest',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'The latest stored value of each signal',
        security,
        querystring: z.strictObject({
          signal: signalsQuery,
          maxAgeMs: z.coerce
            .number()
            .int()
            .min(0)
            .max(MAX_LATEST_AGE_MS)
            .optional()
            .describe(
              'How long ago (ms) the value may have been read from the hot state (as OPC UA Read maxAge): 0 reads ' +
                'it now; absent: the gateway setting gateway.latest.maxAgeMs (500 by default)',
            ),
        }),
        response: { 200: z.object({ values: z.array(latestSchema) }), ...errorResponses },
      },
      // What dashboards poll many times a second: a query text seen before is validated once (query-memo.ts),
      // and the answer is written as JSON text made of each value's remembered text (latestBody), not walked by
      // zod again (the schema still documents it and types the handler).
      validatorCompiler: memoizedValidatorCompiler(validatorCompiler),
      serializerCompiler: () => (data) => (typeof data === 'string' ? data : JSON.stringify(data)),
    },
    async (request, reply) => {
      const latest = await api.telemetry.latest(
        principalOf(request),
        signalsOf(request.query),
        request.query.maxAgeMs,
      );
      const body: unknown = latestBody(latest);
      return reply.type('application/json; charset=utf-8').send(body as { values: [] });
    },
  );
  typed.get(
    '/api/v1/oee',
    {
      schema: {
        tags: ['oee'],
        summary: 'OEE of an asset for a range, whole or per hour, shift, order or day',
        security,
        querystring: oeeQuery,
        response: { 200: z.object({ results: z.array(oeeResultSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { assetId, granularity } = request.query;
      const results = await api.oee.oee(
        principalOf(request),
        assetId,
        rangeOf(api, request.query),
        granularity,
      );
      return { results: results.map(oeeJson) };
    },
  );
  typed.get(
    '/api/v1/oee/live',
    {
      schema: {
        tags: ['oee'],
        summary: 'Live OEE of the open hour, shift, order and day',
        security,
        querystring: z.strictObject({ assetId: oeeQuery.shape.assetId }),
        response: { 200: z.object({ results: z.array(oeeResultSchema) }), ...errorResponses },
      },
    },
    async (request) => ({
      results: (await api.oee.liveOee(principalOf(request), request.query.assetId)).map(oeeJson),
    }),
  );
  typed.get(
    '/api/v1/states',
    {
      schema: {
        tags: ['states'],
        summary: 'The state timeline of an asset (paged)',
        security,
        querystring: statesQuery,
        response: { 200: pageOf(stateIntervalSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { assetId, pageSize, cursor } = request.query;
      const page = await api.states.timeline(principalOf(request), assetId, rangeOf(api, request.query), {
        ...(pageSize === undefined ? {} : { pageSize }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return { ...page, items: page.items.map(intervalJson) };
    },
  );
  typed.get(
    '/api/v1/stops',
    {
      schema: {
        tags: ['states'],
        summary: 'The stops of an asset with their reasons (paged)',
        security,
        querystring: statesQuery.extend({
          withoutReason: z
            .enum(['true', 'false'])
            .default('false')
            .describe('Only stops nobody gave a reason yet'),
        }),
        response: { 200: pageOf(stopSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { assetId, pageSize, cursor, withoutReason } = request.query;
      const page = await api.states.stops(
        principalOf(request),
        assetId,
        rangeOf(api, request.query),
        {
          ...(pageSize === undefined ? {} : { pageSize }),
          ...(cursor === undefined ? {} : { cursor }),
        },
        { withoutReasonOnly: withoutReason === 'true' },
      );
      return { ...page, items: page.items.map(stopJson) };
    },
  );
  typed.post(
    '/api/v1/stops/:stopId/reason',
    {
      schema: {
        tags: ['states'],
        summary: 'Give a stop its reason (operator); applied asynchronously',
        security,
        params: z.object({
          stopId: lineText(600).min(3).describe('From GET /api/v1/stops, URL-encoded'),
        }),
        body: stopReasonSchema,
        response: { 202: stopSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const stop = await api.states.setReason(principalOf(request), request.params.stopId, request.body);
      return reply.code(202).send(stopJson(stop));
    },
  );
}
