// Fuzzing what ERPs answer, at each adapter's parse step: CSV order lists and shift calendars, SAP OData v2
// A_ProductionOrder_2 entities, Odoo mrp.production / mrp.workorder records and generic REST JSON. Inputs are random
// text and JSON, and records shaped like real ones with hostile values (times before 1970 or past 9999, numbers
// past 1e308, control characters, wrong types). A parser may refuse a record (a RecordProblem naming the field) or
// a whole file (an error naming the file), never throw anything else or take long; every record it accepts holds
// text, numbers and times that Kafka, the OEE service and PostgreSQL take.
import fc from 'fast-check';
import { numberProblem, textProblem, timeProblem } from '@kiln/contracts';
import { fuzzRuns } from '@kiln/test-infra';
import { parseOrdersCsv, parseShiftsCsv } from '../src/adapters/csv/parse';
import { mapOdooOrders } from '../src/adapters/odoo/records';
import { mapRestOrders, mapRestShifts } from '../src/adapters/rest/mapping';
import { mapProductionOrder } from '../src/adapters/sap/order-mapping';
import type { ErpOrder, ErpShift, RecordProblem } from '../src/adapters/types';

const RUNS = fuzzRuns();
const TIME_BOUND_MS = 1_000;
/** CPU time of this process (not wall clock: other processes on a busy machine do not count against a parser). */
const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;
const CHANGED_US = 1_764_000_000_000_000;

function timed<T>(parse: () => T): T {
  const started = process.cpuUsage();
  const result = parse();
  const elapsedMs = cpuMs(process.cpuUsage(started));
  if (elapsedMs > TIME_BOUND_MS) throw new Error(`parsing took ${elapsedMs.toFixed(0)} ms`);
  return result;
}

// ---- oracles: what a record must be for Kafka, the OEE service and PostgreSQL ----

function textFieldProblems(record: object, fields: readonly string[]): string[] {
  return fields.flatMap((field) => {
    const value: unknown = (record as Record<string, unknown>)[field];
    if (typeof value !== 'string') return [`${field} is ${typeof value}`];
    const problem = textProblem(value);
    return problem === undefined ? [] : [`${field} ${problem}`];
  });
}

/** 0 is "not set" in ErpOrder and ErpShift; anything else must be a time the database holds. */
function optionalTimeProblems(record: object, fields: readonly string[]): string[] {
  return fields.flatMap((field) => {
    const value = (record as Record<string, unknown>)[field];
    if (value === 0) return [];
    const problem = typeof value === 'number' ? timeProblem(value) : 'is not a number';
    return problem === undefined ? [] : [`${field} ${problem}`];
  });
}

function orderProblems(order: ErpOrder): string[] {
  return [
    ...textFieldProblems(order, [
      'orderId',
      'operationId',
      'workCenter',
      'material',
      'materialDescription',
      'quantityUnit',
    ]),
    ...(order.orderId === '' ? ['orderId is empty'] : []),
    ...(order.workCenter === '' ? ['workCenter is empty'] : []),
    ...(['targetQuantity', 'idealCycleTimeS'] as const).flatMap((field) => {
      const problem = numberProblem(order[field], { min: 0 });
      return problem === undefined ? [] : [`${field} ${problem}`];
    }),
    ...optionalTimeProblems(order, [
      'scheduledStartUs',
      'scheduledEndUs',
      'actualStartUs',
      'actualEndUs',
      'changedTimeUs',
    ]),
  ];
}

function shiftProblems(shift: ErpShift): string[] {
  return [
    ...textFieldProblems(shift, ['workCenter', 'shiftId', 'name']),
    ...(shift.workCenter === '' || shift.shiftId === '' ? ['workCenter or shiftId is empty'] : []),
    ...(['startUs', 'endUs'] as const).flatMap((field) => {
      const problem = timeProblem(shift[field]);
      return problem === undefined ? [] : [`${field} ${problem}`];
    }),
    ...optionalTimeProblems(shift, ['changedTimeUs']),
    ...(shift.endUs > shift.startUs ? [] : ['endUs is not after startUs']),
    ...shift.breaks.flatMap((item, i) => [
      ...textFieldProblems(item, ['reason']).map((problem) => `breaks[${i}].${problem}`),
      ...(['startUs', 'endUs'] as const).flatMap((field) => {
        const problem = timeProblem(item[field]);
        return problem === undefined ? [] : [`breaks[${i}].${field} ${problem}`];
      }),
    ]),
  ];
}

function expectNamed(problems: readonly RecordProblem[], fieldNames: RegExp): void {
  for (const problem of problems) {
    expect(problem.recordId).not.toBe('');
    expect(problem.problem).toMatch(fieldNames);
  }
}

// ---- hostile values ----

// One cell in ~30 is longer than a text field may be: enough to be tried in every file, few enough to keep fast.
const hostileText = fc.oneof(
  { weight: 15, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 15,
    arbitrary: fc.constantFrom('L1M01', '1000001', '', ' ', '\u0000', 'a\u0000b', '\u001b', '\ud800'),
  },
  { weight: 1, arbitrary: fc.constant('x'.repeat(4_097)) },
);
const hostileNumberText = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.constantFrom('1e308', '1e309', '-0', '9'.repeat(400), '0x10', 'NaN', 'Infinity', '12.5', '', ' 7 '),
);
const hostileIsoTime = fc.oneof(
  fc.date().map((date) => (Number.isNaN(date.getTime()) ? 'Invalid' : date.toISOString())),
  fc.constantFrom(
    '2026-12-02T06:00:00Z',
    '2026-12-02 06:00:00',
    '1969-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '-271821-04-20T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '2026-02-30T00:00:00Z',
  ),
);

// ---- CSV ----

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const ORDER_COLUMNS = [
  'order_id',
  'operation_id',
  'work_center',
  'material',
  'material_description',
  'target_quantity',
  'unit',
  'ideal_cycle_time_s',
  'status',
  'scheduled_start',
  'scheduled_end',
] as const;
const SHIFT_COLUMNS = ['work_center', 'shift_id', 'name', 'start', 'end', 'breaks', 'cancelled'] as const;
const CSV_FIELD_NAMES = new RegExp(
  `^\\S+:\\d+: .*(${[...ORDER_COLUMNS, ...SHIFT_COLUMNS, 'break', 'shift'].join('|')})`,
);

const orderCell = (column: (typeof ORDER_COLUMNS)[number]) => {
  switch (column) {
    case 'target_quantity':
    case 'ideal_cycle_time_s':
      return fc.oneof(hostileNumberText, hostileText);
    case 'scheduled_start':
    case 'scheduled_end':
      return fc.oneof(hostileIsoTime, hostileText);
    case 'status':
      return fc.oneof(
        fc.constantFrom('REL', 'TECO', 'released', 'running', 'DLT', '', 'toString'),
        hostileText,
      );
    default:
      return hostileText;
  }
};
const shiftCell = (column: (typeof SHIFT_COLUMNS)[number]) => {
  switch (column) {
    case 'start':
    case 'end':
      return fc.oneof(hostileIsoTime, hostileText);
    case 'breaks':
      return fc.oneof(
        fc.constantFrom(
          '09:00-09:15 breakfast',
          '12:00-12:30;15:00-15:10',
          '99:99-00:00',
          '23:00-01:00 night',
        ),
        fc
          .tuple(hostileIsoTime, hostileIsoTime, hostileText)
          .map(([from, to, reason]) => `${from}/${to} ${reason}`),
        hostileText,
      );
    case 'cancelled':
      return fc.constantFrom('', 'true', 'yes', '1', 'no');
    default:
      return hostileText;
  }
};

function csvText<C extends string>(
  columns: readonly C[],
  cell: (column: C) => fc.Arbitrary<string>,
): fc.Arbitrary<string> {
  const row = fc.tuple(...columns.map(cell)).map((cells) => cells.map(csvCell).join(','));
  return fc.oneof(
    fc.array(row, { maxLength: 6 }).map((rows) => [columns.join(','), ...rows].join('\n')),
    fc
      .tuple(fc.shuffledSubarray([...columns]), fc.array(row, { maxLength: 3 }))
      .map(([header, rows]) => [header.join(','), ...rows].join('\r\n')),
    fc.string({
      unit: fc.constantFrom('a', ',', '"', '\n', '\r', '\u0000', '1', ';', '\ufeff'),
      maxLength: 200,
    }),
  );
}

function parseCsvTimed<T>(
  parse: () => { records: T[]; problems: RecordProblem[] },
): { records: T[]; problems: RecordProblem[] } | undefined {
  try {
    return timed(parse);
  } catch (error) {
    // A file that is not CSV at all (unbalanced quotes) is refused whole, naming the file.
    expect(String(error)).toMatch(/^Error: fuzz\.csv: not readable as CSV/);
    return undefined;
  }
}

// ---- SAP OData v2 ----

const edmDateTime = fc.oneof(
  fc.integer({ min: -1e16, max: 1e16 }).map((ms) => `/Date(${ms})/`),
  fc.constantFrom(
    '/Date(1764655200000)/',
    '/Date(1764655200000+0100)/',
    `/Date(${'9'.repeat(30)})/`,
    '/Date(-1)/',
  ),
  hostileText,
  fc.constant(null),
);
const edmTime = fc.oneof(fc.constantFrom('PT06H00M00S', 'PT999999999H', 'PT1.5S', 'PT', null), hostileText);
const edmDecimal = fc.oneof(hostileNumberText, fc.double(), fc.constant(null));
const sapOperation = fc.record(
  {
    ManufacturingOrderOperation: hostileText,
    WorkCenter: hostileText,
    OperationReferenceQuantity: edmDecimal,
    StandardWorkQuantity2: edmDecimal,
    StandardWorkQuantityUnit2: fc.oneof(fc.constantFrom('S', 'MIN', 'H', 'KG'), hostileText),
  },
  { requiredKeys: [] },
);
const sapOrder = fc.record(
  {
    ManufacturingOrder: hostileText,
    ManufacturingOrderText: hostileText,
    Material: hostileText,
    MaterialName: hostileText,
    TotalQuantity: edmDecimal,
    ProductionUnit: hostileText,
    MfgOrderScheduledStartDate: edmDateTime,
    MfgOrderScheduledStartTime: edmTime,
    MfgOrderScheduledEndDate: edmDateTime,
    MfgOrderScheduledEndTime: edmTime,
    MfgOrderActualStartDate: edmDateTime,
    MfgOrderConfirmedEndDate: edmDateTime,
    OrderIsReleased: fc.boolean(),
    OrderIsClosed: fc.oneof(fc.boolean(), hostileText),
    LastChangeDateTime: edmDateTime,
    to_ProductionOrderOperation: fc.record({
      results: fc.array(fc.oneof(sapOperation, fc.jsonValue({ maxDepth: 2 })), { maxLength: 3 }),
    }),
    __metadata: fc.record({ uri: hostileText }),
  },
  { requiredKeys: [] },
);
const SAP_FIELD_NAMES =
  /ManufacturingOrder|WorkCenter|Quantity|Material|Production|MfgOrder|OrderIs|LastChangeDateTime|operation|StandardWork/;

// ---- Odoo ----

const odooDatetime = fc.oneof(
  fc.constantFrom(
    '2026-12-02 06:00:00',
    '1969-12-31 23:59:59',
    '0000-01-01 00:00:00',
    '2026-13-45 99:99:99x',
    false,
  ),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString().replace('T', ' ').slice(0, 19)),
  hostileText,
);
const odooNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e308, -1, 0), hostileText);
const many2one = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 3 }), hostileText),
  fc.constant(false),
  hostileText,
);
const odooProduction = fc.record(
  {
    id: fc.oneof(fc.integer({ min: 0, max: 3 }), hostileText),
    name: hostileText,
    product_id: many2one,
    product_qty: odooNumber,
    product_uom_id: many2one,
    state: fc.oneof(
      fc.constantFrom('draft', 'confirmed', 'progress', 'to_close', 'done', 'cancel'),
      hostileText,
    ),
    date_start: odooDatetime,
    date_finished: odooDatetime,
    write_date: odooDatetime,
  },
  { requiredKeys: [] },
);
const odooWorkorder = fc.record(
  {
    id: fc.integer({ min: 0, max: 10 }),
    name: fc.oneof(hostileText, fc.constant(false)),
    production_id: many2one,
    workcenter_id: many2one,
    duration_expected: odooNumber,
    qty_production: odooNumber,
    date_start: odooDatetime,
    date_finished: odooDatetime,
  },
  { requiredKeys: [] },
);
const odooCodes = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 3 }), hostileText), { maxLength: 4 })
  .map((entries) => new Map(entries));
const ODOO_FIELD_NAMES =
  /mrp\.production|mrp\.workorder|name|product|state|date_|write_date|work center|duration|qty|id/;

// ---- generic REST ----

const restValue = fc.oneof(hostileText, odooNumber, fc.boolean(), fc.constant(null), hostileIsoTime);
const restOrder = fc.record(
  {
    orderId: restValue,
    operationId: restValue,
    workCenter: restValue,
    material: restValue,
    targetQuantity: restValue,
    idealCycleTimeS: restValue,
    status: fc.oneof(fc.constantFrom('REL', 'released', 'closed'), restValue),
    scheduledStartUs: fc.oneof(restValue, fc.double()),
    changedTimeUs: fc.oneof(restValue, fc.double()),
  },
  { requiredKeys: [] },
);
const restShift = fc.record(
  {
    workCenter: restValue,
    shiftId: restValue,
    name: restValue,
    startUs: fc.oneof(restValue, fc.double()),
    endUs: fc.oneof(restValue, fc.double()),
    cancelled: restValue,
    breaks: fc.oneof(
      fc.array(fc.record({ startUs: restValue, endUs: restValue, reason: restValue }, { requiredKeys: [] }), {
        maxLength: 3,
      }),
      restValue,
    ),
  },
  { requiredKeys: [] },
);
const REST_FIELD_NAMES =
  /orderId|operationId|workCenter|material|targetQuantity|idealCycleTimeS|quantityUnit|status|Us\b|shiftId|name|cancelled|breaks|shift|negative/;

describe('ERP response fuzzing', () => {
  it(`ERP CSV order file: ${RUNS} generated inputs, no crash, every refusal names its field`, () => {
    fc.assert(
      fc.property(csvText(ORDER_COLUMNS, orderCell), (text) => {
        const result = parseCsvTimed(() =>
          parseOrdersCsv(text, { file: 'fuzz.csv', changedTimeUs: CHANGED_US }),
        );
        if (result === undefined) return;
        for (const order of result.records) expect(orderProblems(order)).toEqual([]);
        expectNamed(result.problems, CSV_FIELD_NAMES);
      }),
      { numRuns: RUNS },
    );
  });

  it(`ERP CSV shift calendar: ${RUNS} generated inputs, no crash, every refusal names its field`, () => {
    fc.assert(
      fc.property(csvText(SHIFT_COLUMNS, shiftCell), (text) => {
        const result = parseCsvTimed(() =>
          parseShiftsCsv(text, { file: 'fuzz.csv', changedTimeUs: CHANGED_US }),
        );
        if (result === undefined) return;
        for (const shift of result.records) expect(shiftProblems(shift)).toEqual([]);
        expectNamed(result.problems, CSV_FIELD_NAMES);
      }),
      { numRuns: RUNS },
    );
  });

  it(`SAP OData v2 production order: ${RUNS} generated inputs, no crash, every refusal names its field`, () => {
    fc.assert(
      fc.property(
        fc.oneof(sapOrder, fc.jsonValue({ maxDepth: 3 })),
        fc.constantFrom(1, 2, 3),
        (raw, activity) => {
          const mapped = timed(() => mapProductionOrder(raw, 0, activity));
          for (const order of mapped.orders) expect(orderProblems(order)).toEqual([]);
          expectNamed(mapped.problems, SAP_FIELD_NAMES);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`Odoo JSON-RPC production orders: ${RUNS} generated inputs, no crash, every refusal names its field`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(odooProduction, fc.jsonValue({ maxDepth: 2 })), { maxLength: 4 }),
        fc.array(fc.oneof(odooWorkorder, fc.jsonValue({ maxDepth: 2 })), { maxLength: 6 }),
        odooCodes,
        (productions, workorders, codes) => {
          const mapped = timed(() => mapOdooOrders(productions, workorders, codes));
          for (const order of mapped.records) expect(orderProblems(order)).toEqual([]);
          expectNamed(mapped.problems, ODOO_FIELD_NAMES);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`REST ERP JSON orders and shifts: ${RUNS} generated inputs, no crash, every refusal names its field`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ items: fc.array(fc.oneof(restOrder, restShift), { maxLength: 4 }) }),
          fc.array(restOrder, { maxLength: 3 }),
          fc.jsonValue({ maxDepth: 3 }),
        ),
        (body) => {
          for (const map of [mapRestOrders, mapRestShifts] as const) {
            let mapped;
            try {
              mapped = timed(() => map(body));
            } catch (error) {
              // A body without a list of items is refused whole, naming the pointer.
              expect(String(error)).toMatch(/^TypeError: No array of items at "\/items"/);
              continue;
            }
            const check = map === mapRestOrders ? orderProblems : shiftProblems;
            for (const record of mapped.records) expect(check(record as ErpOrder & ErpShift)).toEqual([]);
            expectNamed(mapped.problems, REST_FIELD_NAMES);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
