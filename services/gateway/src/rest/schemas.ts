// The REST shapes, declared once with zod: they validate requests, serialize responses and become the OpenAPI
// document. Times are ISO 8601 with a zone; durations are seconds; ratios are fractions (0.85, not 85 %).
import { MACHINE_STATE_NAMES } from '@kiln/asset-model';
import { z } from 'zod';
import { ROLES } from '../auth/principal';
import { MAX_COMMENT_LENGTH } from '../domain/alerts';
import { ASSET_LEVELS } from '../domain/assets';
import { GRANULARITIES } from '../domain/oee';
import { MAX_PAGE_SIZE } from '../domain/paging';
import {
  MAX_COUNT_DELTA,
  MAX_CYCLE_TIME_S,
  MAX_ORDER_QUANTITY,
  type LiveTimeCheck,
} from '../domain/input-rules';
import { AGGREGATES } from '../domain/telemetry';
import { invalidArgument } from '../errors';
import { boundedNumber, freeText, isoTime, lineText, liveTime } from './input-schemas';

export { isoTime } from './input-schemas';

/** The canonical machine states by name (docs/architecture.md section 6), as the plant file writes them. */
export const CANONICAL_STATES = MACHINE_STATE_NAMES;

export const assetIdSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(
    /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/,
    'expected a lower-case asset path such as acme/plant-1',
  )
  .meta({ example: 'acme/plant-1/assembly/line-1/machine-1' });

export const pageQuery = {
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  cursor: lineText(512).optional(),
};

export const rangeQuery = { from: isoTime, to: isoTime };

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().optional().describe('Pass as `cursor` for the next page; absent on the last page'),
  });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    field: z.string().optional().describe('The request field at fault'),
    issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const errorResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  429: problemSchema,
};

export const assetSettingsSchema = z.object({
  defaultIdealCycleTimeS: z
    .number()
    .positive()
    .max(86_400)
    .optional()
    .describe('Seconds per part without an order standard'),
  microStopThresholdS: z
    .number()
    .min(0)
    .max(86_400)
    .optional()
    .describe('Stops shorter than this are small stops'),
});

export const assetSchema = z
  .object({
    id: assetIdSchema,
    parentId: z.string().nullable(),
    level: z.enum(ASSET_LEVELS),
    name: z.string(),
    type: z.string(),
    settings: assetSettingsSchema,
    timeZone: z
      .string()
      .optional()
      .describe("A site's IANA time zone: its shift calendar, OEE hours and days follow this wall clock"),
    updatedAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'Asset' });

export interface AssetNodeOut extends z.output<typeof assetSchema> {
  children: AssetNodeOut[];
}
export const assetNodeSchema: z.ZodType<AssetNodeOut> = assetSchema
  .extend({ children: z.array(z.lazy(() => assetNodeSchema)) })
  .meta({ id: 'AssetNode' });

export const assetChangeSchema = z.strictObject({
  name: lineText(200).min(1),
  level: z.enum(ASSET_LEVELS),
  type: lineText(100).optional(),
  settings: assetSettingsSchema.strict().optional(),
  timeZone: z
    .string()
    .max(100)
    .optional()
    .describe('Sites only: IANA time zone such as Europe/Berlin (absent: unchanged; default oee.timeZone)'),
});

export const signalSchema = z
  .object({
    assetId: z.string(),
    name: z.string(),
    unit: z.string().describe('UCUM code'),
    dataType: z.string(),
    description: z.string(),
  })
  .meta({ id: 'Signal' });

export const signalParam = lineText(600)
  .min(3)
  .describe('<asset id>/<signal name>')
  .meta({ example: 'acme/plant-1/assembly/line-1/machine-1/temperature' });

export const signalsQuery = z.union([signalParam, z.array(signalParam).min(1).max(100)]);

export const telemetryQuery = z.strictObject({
  signal: signalsQuery,
  ...rangeQuery,
  bucket: lineText(20).default('1m').describe('Bucket width: 1m, 15m, 1h, 1d, ...'),
  agg: z
    .union([z.enum(AGGREGATES), z.array(z.enum(AGGREGATES))])
    .optional()
    .describe('Aggregates to return (default all)'),
  source: z.enum(['raw', 'rollup']).default('raw'),
});

export const bucketSchema = z.object({
  start: z.string(),
  avg: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  last: z.number().nullable(),
  count: z.number().nullable(),
});

export const seriesSchema = z
  .object({ signal: z.string(), assetId: z.string(), name: z.string(), buckets: z.array(bucketSchema) })
  .meta({ id: 'Series' });

export const latestSchema = z
  .object({
    signal: z.string(),
    time: z.string(),
    value: z.number().nullable(),
    valueText: z.string().nullable(),
    quality: z.enum(['good', 'uncertain', 'bad', 'unknown']),
  })
  .meta({ id: 'LatestValue' });

export const oeeQuery = z.strictObject({
  assetId: assetIdSchema,
  ...rangeQuery,
  granularity: z.enum(GRANULARITIES).default('none'),
});

const seconds = z.number().describe('seconds');
export const oeeResultSchema = z
  .object({
    assetId: z.string(),
    window: z.enum(['hour', 'shift', 'order', 'day', 'range']),
    windowStart: z.string(),
    windowEnd: z.string(),
    windowRef: z.string().describe('Shift or order id of the window'),
    calendarTimeS: seconds,
    plannedBusyTimeS: seconds,
    actualProductionTimeS: seconds,
    unplannedStopTimeS: seconds,
    offlineTimeS: seconds,
    microStopCount: z.number(),
    microStopTimeS: seconds,
    totalCount: z.number(),
    goodCount: z.number(),
    scrapCount: z.number(),
    idealProductionTimeS: seconds,
    availability: z.number().nullable().describe('Fraction; null without planned busy time'),
    performance: z.number().nullable(),
    quality: z
      .number()
      .nullable()
      .describe(
        'Good parts x ideal cycle time / total parts x ideal cycle time (good / total where every part has ' +
          'the same ideal cycle time; a roll-up weighs each asset and order by its own); null without parts',
      ),
    oee: z
      .number()
      .nullable()
      .describe(
        'Availability x performance x quality = good parts x ideal cycle time / planned busy time, also for a ' +
          'roll-up over assets (the sum of their good output time over the sum of their planned busy time)',
      ),
    teep: z.number().nullable(),
    performanceAboveIdeal: z.boolean().describe('Performance above 100 %: check the ideal cycle time'),
    losses: z.object({
      breakdownS: seconds,
      setupAdjustmentS: seconds,
      smallStopsS: seconds,
      reducedSpeedS: seconds,
      startupRejectsS: seconds,
      productionRejectsS: seconds,
    }),
    mtbfS: z.number().nullable(),
    mttrS: z.number().nullable(),
    settings: z
      .object({
        microStopThresholdS: z.number(),
        noOrderIsPlanned: z.boolean(),
        defaultIdealCycleTimeS: z.number(),
        plannedStopsInAvailability: z.boolean(),
        startupPeriodS: z.number(),
      })
      .nullable()
      .describe(
        'The settings the figures were computed with; null for a roll-up over assets with different ones',
      ),
    timeZone: z
      .string()
      .nullable()
      .describe(
        "IANA zone (or fixed offset +HH:MM) whose wall clock cut the hour, shift and day windows: the site's " +
          'timeZone, else oee.timeZone. windowStart and windowEnd stay UTC; null where no one zone applies ' +
          '(an enterprise roll-up)',
      ),
    rollUpBasis: z
      .literal('ideal-time')
      .describe(
        'How parts of different ideal cycle times are weighed, in one window and in a roll-up over windows or ' +
          'assets: by ideal time (quality = good x ideal cycle time / total x ideal cycle time), so that ' +
          'availability x performance x quality = OEE at every level (docs/oee.md)',
      ),
  })
  .meta({ id: 'OeeResult' });

export const statesQuery = z.strictObject({ assetId: assetIdSchema, ...rangeQuery, ...pageQuery });

export const stateIntervalSchema = z
  .object({
    state: z.string(),
    reasonCode: z.string(),
    reasonText: z.string(),
    start: z.string(),
    end: z.string().nullable().describe('null while the state lasts'),
    durationS: z.number().nullable(),
    assignedBy: z.string().optional(),
  })
  .meta({ id: 'StateInterval' });

export const stopSchema = stateIntervalSchema
  .extend({ stopId: z.string().describe('Stable id: <asset id>@<start in epoch µs>'), assetId: z.string() })
  .meta({ id: 'Stop' });

export const stopReasonSchema = z.strictObject({
  reasonCode: lineText(64).min(1),
  reasonText: freeText(500).default(''),
  state: z
    .enum(CANONICAL_STATES)
    .exclude(['RUNNING'])
    .optional()
    .describe('Re-classify the stop as this state'),
});

export const acceptedSchema = z.object({ accepted: z.number().int().describe('Events published') });

/** The events of live plant data, their times checked against the gateway's clock. */
export function liveEventSchemas(check: LiveTimeCheck) {
  const time = liveTime(check);
  const count = boundedNumber(0, MAX_COUNT_DELTA);
  return {
    machineState: z.strictObject({
      assetId: assetIdSchema,
      state: z.enum(CANONICAL_STATES),
      startTime: time,
      reasonCode: lineText(64).default(''),
      reasonText: freeText(500).default(''),
      sourceCode: lineText(64).default(''),
    }),
    productionCount: z.strictObject({
      assetId: assetIdSchema,
      time: time.describe(
        'End of the interval the parts were made in: the window ending at this time gets them (docs/oee.md)',
      ),
      intervalStart: time
        .optional()
        .describe(
          'Start of the interval, where known (not after time): a count straddling a window boundary is shared ' +
            'between the windows by time; without it the count is a point at time',
        ),
      totalCount: count,
      goodCount: count.optional().describe('Default: total - scrap'),
      scrapCount: count.default(0),
      orderId: lineText(100).default(''),
    }),
  };
}

export const ORDER_STATUSES = ['PLANNED', 'RELEASED', 'RUNNING', 'COMPLETED', 'CLOSED', 'CANCELLED'] as const;

export const orderEventSchema = z.strictObject({
  assetId: assetIdSchema,
  orderId: lineText(100).min(1),
  operationId: lineText(100).default(''),
  material: lineText(100).default(''),
  materialDescription: freeText(500).default(''),
  targetQuantity: boundedNumber(0, MAX_ORDER_QUANTITY).default(0),
  quantityUnit: lineText(20).default(''),
  idealCycleTimeS: boundedNumber(0, MAX_CYCLE_TIME_S).default(0).describe('0: the asset default applies'),
  status: z.enum(ORDER_STATUSES),
  scheduledStart: isoTime.optional(),
  scheduledEnd: isoTime.optional(),
  actualStart: isoTime.optional(),
  actualEnd: isoTime.optional(),
  erpSystem: lineText(50).default('api'),
  changedTime: isoTime.optional().describe('Default: now'),
});

export const shiftEventSchema = z.strictObject({
  assetId: assetIdSchema,
  shiftId: lineText(100).min(1),
  name: lineText(100).default(''),
  start: isoTime,
  end: isoTime,
  breaks: z
    .array(z.strictObject({ start: isoTime, end: isoTime, reason: lineText(100).default('') }))
    .max(50)
    .default([]),
  cancelled: z.boolean().default(false),
  erpSystem: lineText(50).default('api'),
  changedTime: isoTime.optional().describe('Default: now'),
});

export const eventsBody = <T extends z.ZodType>(event: T) =>
  z.strictObject({ events: z.array(event).min(1).max(10_000) });

export const keyCreateSchema = z.strictObject({
  site: lineText(200).min(1).describe('acme/plant-1, or * for every site'),
  role: z.enum(ROLES),
  label: lineText(200).default(''),
});

const rulSchema = z
  .object({
    estimateH: z.number().describe('Hours of operation'),
    lowerH: z.number(),
    upperH: z.number(),
  })
  .meta({ id: 'RemainingUsefulLife', description: 'Remaining useful life with its interval' });

export const ALERT_STATUS_NAMES = ['open', 'acknowledged', 'resolved'] as const;

export const alertSchema = z
  .object({
    alertId: z.string(),
    assetId: z.string(),
    cause: z.string().describe('What deduplicates alerts of one asset, e.g. vibration-zone-c'),
    signal: z.string().describe('The signal that raised it; empty when none did'),
    severity: z.enum(['info', 'warning', 'critical']),
    status: z.enum(ALERT_STATUS_NAMES),
    message: z.string(),
    openedTime: z.string(),
    updatedTime: z.string(),
    resolvedTime: z.string().nullable().describe('null while not resolved'),
    healthIndex: z.number().nullable().describe('Asset health 0-100 when the alert last changed'),
    rul: rulSchema.nullable(),
    actor: z.string().describe('Who last acknowledged or resolved it'),
    details: z
      .record(z.string(), z.string())
      .describe('The comment of the last acknowledgement or resolution is under "comment"'),
  })
  .meta({ id: 'MaintenanceAlert' });

export const alertsQuery = z.strictObject({
  assetId: assetIdSchema.optional(),
  siteId: assetIdSchema.optional().describe('Only alerts of assets below this site, e.g. acme/plant-1'),
  status: z
    .union([lineText(100), z.array(lineText(100)).max(10)])
    .optional()
    .describe(
      'open, acknowledged, resolved: repeat the parameter or separate with commas; default every status',
    ),
  ...pageQuery,
  pageToken: lineText(512).optional().describe('Same as cursor (the gRPC name)'),
});

export const alertIdParams = z.object({
  alertId: lineText(200).min(1).describe('The alert id, URL-encoded'),
});

export const alertChangeSchema = z
  .strictObject({
    comment: freeText(MAX_COMMENT_LENGTH).default('').describe('Stored in the alert details under "comment"'),
  })
  .nullish()
  .describe('May be left out');

export const conflictResponses = { ...errorResponses, 409: problemSchema };

const signalHealthSchema = z.object({
  signal: z.string(),
  healthIndex: z.number().describe('0 (failed) to 100 (as healthy as its baseline)'),
  anomalyScore: z.number().describe('Robust z units against the signal baseline'),
  zone: z.string().describe('ISO 10816-3 / 20816-3 zone A-D for vibration velocity; empty for others'),
  value: z.number().describe('Mean over the last feature window, in unit'),
  unit: z.string(),
});

export const assetHealthSchema = z
  .object({
    assetId: z.string(),
    time: z.string().describe('End of the feature window scored'),
    healthIndex: z.number().describe('0 (failed) to 100 (healthy)'),
    rul: rulSchema.nullable().describe('null while no degradation trend is seen'),
    baselineReady: z.boolean().describe('false while the baseline is learned (health is then 100)'),
    anomalyScore: z.number(),
    signals: z.array(signalHealthSchema),
  })
  .meta({ id: 'AssetHealth' });

export const healthHistorySchema = z
  .object({
    assetId: z.string(),
    from: z.string(),
    to: z.string(),
    points: z.array(assetHealthSchema).describe('Oldest first'),
    truncated: z.boolean().describe('More scores lie after the last point: ask again from just after it'),
  })
  .meta({ id: 'AssetHealthHistory' });

/** The statuses of an ERP order operation as erp-sync stores them. */
export const ERP_ORDER_STATUS_NAMES = [
  'planned',
  'released',
  'running',
  'completed',
  'closed',
  'cancelled',
] as const;
export const ERP_OUTBOX_STATUS_NAMES = ['pending', 'sent', 'failed'] as const;
export const ERP_OUTBOX_KIND_NAMES = ['confirmation', 'notification'] as const;
export const ERP_PROBLEM_KIND_NAMES = ['order', 'shift', 'confirmation', 'notification'] as const;

/** `status=a&status=b` or `status=a,b`. */
const statusListQuery = (names: readonly string[]) =>
  z
    .union([lineText(100), z.array(lineText(100)).max(10)])
    .optional()
    .describe(`${names.join(', ')}: repeat the parameter or separate with commas; default every status`);

/** `status=a&status=b` or `status=a,b`, each one of `names`. */
export function statusNamesOf<T extends string>(
  status: string | string[] | undefined,
  names: readonly T[],
): T[] | undefined {
  if (status === undefined) return undefined;
  const given = (Array.isArray(status) ? status : [status])
    .flatMap((text) => text.split(','))
    .map((text) => text.trim())
    .filter((text) => text !== '');
  for (const name of given) {
    if (!(names as readonly string[]).includes(name)) {
      throw invalidArgument('status', `"${name}" is not one of ${names.join(', ')}`);
    }
  }
  return given as T[];
}

export const erpOrderOperationSchema = z
  .object({
    orderId: z.string(),
    operationId: z.string().describe('Empty when the ERP order has one operation'),
    erpSystem: z.string(),
    workCenter: z.string(),
    assetId: z.string().nullable().describe('The Kiln asset of the work center; null when unmapped'),
    material: z.string(),
    materialDescription: z.string(),
    targetQuantity: z.number(),
    quantityUnit: z.string(),
    idealCycleTimeS: z.number().describe('Seconds per piece; 0: the asset default applies'),
    status: z.string().describe(ERP_ORDER_STATUS_NAMES.join(', ')),
    scheduledStart: z.string().nullable(),
    scheduledEnd: z.string().nullable(),
    actualStart: z.string().nullable(),
    actualEnd: z.string().nullable(),
    changedTime: z.string().describe('When the ERP last changed the record'),
  })
  .meta({ id: 'ErpOrderOperation' });

export const erpOrderSchema = z
  .object({
    orderId: z.string(),
    operations: z.array(erpOrderOperationSchema).describe('By operation id'),
  })
  .meta({ id: 'ErpOrder' });

export const ordersQuery = z.strictObject({
  assetId: assetIdSchema.optional(),
  siteId: assetIdSchema.optional().describe('Only orders of assets below this site, e.g. acme/plant-1'),
  status: statusListQuery(ERP_ORDER_STATUS_NAMES),
  ...pageQuery,
});

export const orderIdParams = z.object({
  orderId: lineText(200).min(1).describe('The ERP order id, URL-encoded'),
});

export const erpOutboxEntrySchema = z
  .object({
    id: z.string().describe('The idempotency key sent to the ERP'),
    kind: z.enum(ERP_OUTBOX_KIND_NAMES),
    kilnRef: z.string().describe('order/operation/asset of a confirmation, the alert id of a notification'),
    revision: z.string(),
    assetId: z.string().nullable().describe('The asset it is about; null when the row does not tell'),
    status: z.enum(ERP_OUTBOX_STATUS_NAMES),
    attempts: z.number().int().describe('Send attempts that reached a result'),
    nextAttemptTime: z.string().describe('When a pending row is due (or leased until)'),
    lastError: z.string().nullable().describe('Why the last attempt failed or the ERP refused it'),
    erpRef: z.string().nullable().describe("The ERP's document number once sent"),
    createdTime: z.string(),
    sentTime: z.string().nullable(),
    payload: z.unknown().describe('What is (or was) sent to the ERP'),
  })
  .meta({ id: 'ErpOutboxEntry' });

export const outboxQuery = z.strictObject({
  status: statusListQuery(ERP_OUTBOX_STATUS_NAMES),
  kind: z.enum(ERP_OUTBOX_KIND_NAMES).optional(),
  ...pageQuery,
});

export const erpProblemSchema = z
  .object({
    erpSystem: z.string(),
    kind: z.enum(ERP_PROBLEM_KIND_NAMES),
    recordId: z.string().describe("The ERP record (order id, shift id) or the outbox row's Kiln reference"),
    problem: z.string(),
    seenTime: z.string().describe('When it was last seen'),
  })
  .meta({ id: 'ErpSyncProblem' });

export const problemsQuery = z.strictObject({
  kind: z.enum(ERP_PROBLEM_KIND_NAMES).optional(),
  pageSize: pageQuery.pageSize,
});
