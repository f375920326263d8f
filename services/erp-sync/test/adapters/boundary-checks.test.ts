// Regressions found by fuzzing ERP answers (test/erp-responses.fuzz.test.ts): each record below was once published
// with a time no database holds, NaN, or text PostgreSQL refuses, or refused without naming its field; now it is a
// RecordProblem naming the field in the ERP's own terms, and the other records of the answer go on.
import { parseOrdersCsv, parseShiftsCsv } from '../../src/adapters/csv/parse';
import { mapOdooOrders } from '../../src/adapters/odoo/records';
import { mapRestOrders, mapRestShifts } from '../../src/adapters/rest/mapping';
import { mapProductionOrder } from '../../src/adapters/sap/order-mapping';

const CHANGED_US = 1_764_000_000_000_000;
const NOT_A_TIME = /is -?[\d.e+]+ us, not a time between 1970 and \d+|is NaN us/;

describe('CSV files at the boundary', () => {
  const header = 'order_id,work_center,target_quantity,scheduled_start';

  it('refuses an order id with U+0000 and a start past the year 275760, keeping the good row', () => {
    const text = [
      header,
      '1001,L1M01,10,2026-12-02T06:00:00Z',
      '10\u000002,L1M01,10,',
      '1003,L1M01,10,+275760-09-13T00:00:00Z',
    ].join('\n');
    const result = parseOrdersCsv(text, { file: 'orders.csv', changedTimeUs: CHANGED_US });
    expect(result.records.map((order) => order.orderId)).toEqual(['1001']);
    expect(result.problems).toEqual([
      {
        recordId: '10\u000002',
        problem: expect.stringMatching(/^orders\.csv:3: order_id holds the character U\+0000/),
      },
      { recordId: '1003', problem: expect.stringMatching(/^orders\.csv:4: scheduled_start /) },
    ]);
    expect(result.problems[1]?.problem).toMatch(NOT_A_TIME);
  });

  it('refuses a shift starting before 1970', () => {
    const text = 'work_center,shift_id,start,end\nL1M01,early,1969-12-31T22:00:00Z,1970-01-01T06:00:00Z';
    const result = parseShiftsCsv(text, { file: 'shifts.csv', changedTimeUs: CHANGED_US });
    expect(result.records).toEqual([]);
    expect(result.problems).toEqual([
      {
        recordId: 'L1M01/early',
        problem: expect.stringMatching(/^shifts\.csv:2: start is -7200000000 us, not a time/),
      },
    ]);
  });
});

describe('SAP OData v2 entities at the boundary', () => {
  const entity = (overrides: Record<string, unknown>) => ({
    ManufacturingOrder: '1000001',
    TotalQuantity: '100',
    LastChangeDateTime: '/Date(1764655200000)/',
    to_ProductionOrderOperation: { results: [{ ManufacturingOrderOperation: '0010', WorkCenter: 'L1M01' }] },
    ...overrides,
  });

  it('refuses a LastChangeDateTime past 9999 and does not make it the cursor (no ISO form: the read threw)', () => {
    const mapped = mapProductionOrder(entity({ LastChangeDateTime: '/Date(99999999999999999)/' }), 0, 2);
    expect(mapped.orders).toEqual([]);
    expect(mapped.changedMs).toBeUndefined();
    expect(mapped.problems).toEqual([
      {
        recordId: '1000001/0010',
        problem: expect.stringMatching(/^LastChangeDateTime is \d+ us, not a time/),
      },
    ]);
  });

  it('refuses a TotalQuantity of 400 digits (Infinity) and a WorkCenter with U+0000', () => {
    expect(mapProductionOrder(entity({ TotalQuantity: '9'.repeat(400) }), 0, 2).problems).toEqual([
      { recordId: '1000001/0010', problem: 'TotalQuantity is Infinity, not a finite number' },
    ]);
    const nul = entity({
      to_ProductionOrderOperation: {
        results: [{ ManufacturingOrderOperation: '0010', WorkCenter: 'L1\u0000' }],
      },
    });
    expect(mapProductionOrder(nul, 0, 2).problems[0]?.problem).toMatch(
      /^WorkCenter holds the character U\+0000/,
    );
  });

  it('names the entity when it is not an object, and ids an entity by index when its uri is empty', () => {
    expect(mapProductionOrder({ __metadata: { uri: '' } }, 7, 2).problems[0]?.recordId).toBe(
      'A_ProductionOrder_2 #7',
    );
    expect(mapProductionOrder([], 0, 2).problems[0]?.problem).toBe(
      'A_ProductionOrder_2 entity: Invalid input: expected object, received array',
    );
  });
});

describe('Odoo records at the boundary', () => {
  const production = (overrides: Record<string, unknown>) => ({
    id: 1,
    name: 'WH/MO/00001',
    product_id: [5, '[BR-1] Bracket'],
    product_qty: 100,
    product_uom_id: [1, 'Units'],
    state: 'confirmed',
    date_start: '2026-12-02 06:00:00',
    date_finished: false,
    write_date: '2026-12-01 10:00:00',
    ...overrides,
  });
  const workorder = {
    id: 11,
    name: 'Pressing',
    production_id: [1, 'WH/MO/00001'],
    workcenter_id: [3, 'Press 4'],
    duration_expected: 60,
    qty_production: 100,
    date_start: false,
    date_finished: false,
  };

  it('refuses a write_date or date_start that is no date (it became NaN) instead of publishing NaN', () => {
    const codes = new Map([[3, 'L1M01']]);
    expect(mapOdooOrders([production({})], [workorder], codes).records).toHaveLength(1);
    const badWrite = mapOdooOrders([production({ write_date: '2026-13-45 99:99:99' })], [workorder], codes);
    expect(badWrite.records).toEqual([]);
    expect(badWrite.problems).toEqual([
      {
        recordId: 'WH/MO/00001',
        problem: expect.stringMatching(/^mrp\.workorder 11: mrp\.production write_date is NaN us/),
      },
    ]);
    const badStart = mapOdooOrders(
      [production({ date_start: '2026-12-02 06:00:00 tomorrow' })],
      [workorder],
      codes,
    );
    expect(badStart.problems).toEqual([
      { recordId: 'WH/MO/00001', problem: 'mrp.production: date_start: expected "YYYY-MM-DD HH:MM:SS"' },
    ]);
  });
});

describe('REST ERP JSON at the boundary', () => {
  it('ids an item with an empty order id by its index and names the field of a break', () => {
    expect(mapRestOrders([{ orderId: '' }]).problems[0]?.recordId).toBe('item 0');
    const shifts = mapRestShifts({
      items: [
        {
          workCenter: 'L1M01',
          shiftId: 'early',
          startUs: 1,
          endUs: 2,
          breaks: [{ startUs: 1, endUs: 2, reason: false }],
        },
      ],
    });
    expect(shifts.problems).toEqual([
      { recordId: 'L1M01/early', problem: 'breaks[0]: reason: false is not a string' },
    ]);
  });

  it('refuses a shift of epoch µs 1e300 and an order id with U+0000', () => {
    const shifts = mapRestShifts({
      items: [{ workCenter: 'L1M01', shiftId: 'early', startUs: 1, endUs: 1e300 }],
    });
    expect(shifts.problems[0]?.problem).toMatch(/^endUs is 1e\+300 us, not a time/);
    expect(
      mapRestOrders([{ orderId: 'a\u0000', workCenter: 'L1M01', targetQuantity: 1, status: 'REL' }])
        .problems[0]?.problem,
    ).toMatch(/^orderId holds the character U\+0000/);
  });
});
