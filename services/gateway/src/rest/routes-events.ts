// POST /api/v1/events/*: batches of canonical events from MES or manual sources, validated, converted to the
// event contracts and published to the topics normalized OT data travels on; answered 202 with the count.
// Also the unmapped tags normalization has seen.
import {
  MachineState,
  machineStateFromJSON,
  orderStatusFromJSON,
  type MachineStateEvent,
  type ProductionCountBatch,
  type ProductionOrder,
  type Shift,
} from '@kiln/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayApi } from '../api';
import { invalidArgument, permissionDenied } from '../errors';
import { windowOf } from '../domain/input-rules';
import { isoOf, parseIsoTime } from '../domain/range';
import { ALL_SITES, requireRole } from '../auth/principal';
import { principalOf } from './authenticate';
import {
  acceptedSchema,
  errorResponses,
  eventsBody,
  liveEventSchemas,
  orderEventSchema,
  shiftEventSchema,
} from './schemas';

const security = [{ bearer: [] }];
type In<T extends z.ZodType> = z.output<T>;
type LiveEvents = ReturnType<typeof liveEventSchemas>;

function machineStateOf(event: In<LiveEvents['machineState']>, i: number): MachineStateEvent {
  return {
    assetId: event.assetId,
    event: {
      $case: 'change',
      value: {
        state: machineStateFromJSON(`MACHINE_STATE_${event.state}`) as MachineState,
        startTimeUs: parseIsoTime(`events[${i}].startTime`, event.startTime),
        reasonCode: event.reasonCode,
        reasonText: event.reasonText,
        sourceCode: event.sourceCode,
      },
    },
  };
}

function countsOf(events: In<LiveEvents['productionCount']>[]): ProductionCountBatch[] {
  const byAsset = new Map<string, ProductionCountBatch>();
  events.forEach((event, i) => {
    const good = event.goodCount ?? event.totalCount - event.scrapCount;
    if (good < 0 || good + event.scrapCount > event.totalCount + 1e-9) {
      throw invalidArgument(`events[${i}]`, 'goodCount + scrapCount must not exceed totalCount');
    }
    const timeUs = parseIsoTime(`events[${i}].time`, event.time);
    const intervalStartUs =
      event.intervalStart === undefined
        ? undefined
        : parseIsoTime(`events[${i}].intervalStart`, event.intervalStart);
    if (intervalStartUs !== undefined && intervalStartUs > timeUs) {
      throw invalidArgument(`events[${i}].intervalStart`, 'intervalStart must not be after time');
    }
    const batch = byAsset.get(event.assetId) ?? { assetId: event.assetId, deltas: [] };
    batch.deltas.push({
      timeUs,
      intervalStartUs,
      totalCount: event.totalCount,
      goodCount: good,
      scrapCount: event.scrapCount,
      orderId: event.orderId,
    });
    byAsset.set(event.assetId, batch);
  });
  return [...byAsset.values()];
}

const optionalUs = (field: string, text: string | undefined): number =>
  text === undefined ? 0 : parseIsoTime(field, text);

function orderOf(event: In<typeof orderEventSchema>, i: number, nowUs: number): ProductionOrder {
  return {
    assetId: event.assetId,
    orderId: event.orderId,
    operationId: event.operationId,
    material: event.material,
    materialDescription: event.materialDescription,
    targetQuantity: event.targetQuantity,
    quantityUnit: event.quantityUnit,
    idealCycleTimeS: event.idealCycleTimeS,
    status: orderStatusFromJSON(`ORDER_STATUS_${event.status}`),
    scheduledStartUs: optionalUs(`events[${i}].scheduledStart`, event.scheduledStart),
    scheduledEndUs: optionalUs(`events[${i}].scheduledEnd`, event.scheduledEnd),
    actualStartUs: optionalUs(`events[${i}].actualStart`, event.actualStart),
    actualEndUs: optionalUs(`events[${i}].actualEnd`, event.actualEnd),
    erpSystem: event.erpSystem,
    changedTimeUs:
      event.changedTime === undefined ? nowUs : parseIsoTime(`events[${i}].changedTime`, event.changedTime),
  };
}

function shiftOf(event: In<typeof shiftEventSchema>, i: number, nowUs: number): Shift {
  const startUs = parseIsoTime(`events[${i}].start`, event.start);
  const endUs = parseIsoTime(`events[${i}].end`, event.end);
  if (!(endUs > startUs)) throw invalidArgument(`events[${i}].end`, 'must be after start');
  return {
    assetId: event.assetId,
    shiftId: event.shiftId,
    name: event.name,
    startUs,
    endUs,
    breaks: event.breaks.map((pause, j) => {
      const breakStart = parseIsoTime(`events[${i}].breaks[${j}].start`, pause.start);
      const breakEnd = parseIsoTime(`events[${i}].breaks[${j}].end`, pause.end);
      if (!(breakEnd > breakStart) || breakStart < startUs || breakEnd > endUs) {
        throw invalidArgument(
          `events[${i}].breaks[${j}]`,
          'a break must lie inside its shift and end after it starts',
        );
      }
      return { startUs: breakStart, endUs: breakEnd, reason: pause.reason };
    }),
    cancelled: event.cancelled,
    erpSystem: event.erpSystem,
    changedTimeUs:
      event.changedTime === undefined ? nowUs : parseIsoTime(`events[${i}].changedTime`, event.changedTime),
  };
}

export function eventRoutes(app: FastifyInstance, api: GatewayApi, now: () => number = Date.now): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const live = liveEventSchemas({ now, window: windowOf(api.limits.liveEventWindow) });
  const post = <T extends z.ZodType>(
    path: string,
    summary: string,
    event: T,
    publish: (request: Parameters<typeof principalOf>[0], events: In<T>[]) => Promise<number>,
  ): void => {
    typed.post(
      `/api/v1/events/${path}`,
      {
        schema: {
          tags: ['events'],
          summary,
          security,
          body: eventsBody(event),
          response: { 202: acceptedSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const accepted = await publish(request, request.body.events as In<T>[]);
        return reply.code(202).send({ accepted });
      },
    );
  };
  post('machine-states', 'Post machine state changes (operator)', live.machineState, (request, events) =>
    api.events.machineStates(principalOf(request), events.map(machineStateOf)),
  );
  post(
    'production-counts',
    'Post production count deltas (operator)',
    live.productionCount,
    (request, events) => api.events.productionCounts(principalOf(request), countsOf(events)),
  );
  post('orders', 'Post production orders (operator)', orderEventSchema, (request, events) =>
    api.events.orders(
      principalOf(request),
      events.map((event, i) => orderOf(event, i, now() * 1000)),
    ),
  );
  post('shifts', 'Post shifts with their breaks (operator)', shiftEventSchema, (request, events) =>
    api.events.shifts(
      principalOf(request),
      events.map((event, i) => shiftOf(event, i, now() * 1000)),
    ),
  );

  typed.get(
    '/api/v1/unmapped',
    {
      schema: {
        tags: ['assets'],
        summary: 'Tags seen without a mapping rule (admin of every site)',
        security,
        response: {
          200: z.object({
            source: z
              .enum(['live', 'stored'])
              .describe(
                'live: from normalization in this process; stored: as its partitions last saved them (the most recently seen 500 each)',
              ),
            tags: z.array(
              z.object({
                sourceId: z.string(),
                tag: z.string(),
                reason: z.string(),
                detail: z.string(),
                count: z.number(),
                firstSeen: z.string(),
                lastSeen: z.string(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin');
      // An unmapped tag belongs to no site yet (no rule maps it to an asset): a site's admin would see the tag
      // names of every site.
      if (principal.site !== ALL_SITES) {
        throw permissionDenied(
          `unmapped tags belong to no site until a rule maps them; listing them takes an admin key of every site (*), this one is of ${principal.site}`,
        );
      }
      const { source, tags } = await api.unmapped();
      return {
        source,
        tags: tags.map(({ firstSeenUs, lastSeenUs, ...tag }) => ({
          ...tag,
          firstSeen: isoOf(firstSeenUs),
          lastSeen: isoOf(lastSeenUs),
        })),
      };
    },
  );
}
