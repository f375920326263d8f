import { copyFileSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvAdapter, parseOrdersCsv, parseShiftsCsv } from '../../src/adapters/csv';
import { ErpUnavailableError } from '../../src/adapters/types';

const fixture = (name: string): string => join(__dirname, '..', 'fixtures', name);
const us = (iso: string): number => Date.parse(iso) * 1000;

describe('parsing an order list', () => {
  it('reads every column of a good file, times without offset as UTC', () => {
    const { records, problems } = parseOrdersCsv(readFileSync(fixture('orders.csv'), 'utf8'), {
      file: 'orders.csv',
      changedTimeUs: 42,
    });
    expect(problems).toEqual([]);
    expect(records).toHaveLength(3);
    expect(records[1]).toEqual({
      orderId: '1000002',
      operationId: '0010',
      workCenter: 'L1M02',
      material: 'MAT-2',
      materialDescription: 'Housing, large',
      targetQuantity: 250,
      quantityUnit: 'PC',
      idealCycleTimeS: 30.5,
      status: 'released',
      scheduledStartUs: us('2026-12-02T06:00:00Z'),
      scheduledEndUs: us('2026-12-02T14:00:00Z'),
      actualStartUs: 0,
      actualEndUs: 0,
      changedTimeUs: 42,
    });
    expect(records[2]).toEqual(
      expect.objectContaining({ status: 'closed', idealCycleTimeS: 0, scheduledStartUs: 0 }),
    );
  });

  it('reports bad rows with file, line and order id, and keeps the good ones', () => {
    const { records, problems } = parseOrdersCsv(readFileSync(fixture('orders-bad.csv'), 'utf8'), {
      file: 'orders-bad.csv',
      changedTimeUs: 0,
    });
    expect(records.map((r) => r.orderId)).toEqual(['1000001', '1000005']);
    expect(problems).toEqual([
      {
        recordId: '1000002',
        problem: 'orders-bad.csv:3: target_quantity "lots" is not a non-negative number',
      },
      { recordId: '1000003', problem: 'orders-bad.csv:5: work_center is empty' },
      { recordId: '1000004', problem: 'orders-bad.csv:6: status "PAUSED" is not a known order status' },
    ]);
  });

  it('takes renamed columns and another delimiter', () => {
    const text = 'Auftrag;Platz;Menge;Status\n4711;L1M01;10;REL\n';
    const { records } = parseOrdersCsv(text, {
      file: 'sap.csv',
      delimiter: ';',
      columns: { orderId: 'Auftrag', workCenter: 'Platz', targetQuantity: 'Menge', status: 'Status' },
      changedTimeUs: 0,
    });
    expect(records).toEqual([
      expect.objectContaining({ orderId: '4711', workCenter: 'L1M01', targetQuantity: 10 }),
    ]);
  });
});

describe('parsing a shift calendar', () => {
  it('reads breaks from one column or from further rows, across midnight', () => {
    const { records, problems } = parseShiftsCsv(readFileSync(fixture('shifts.csv'), 'utf8'), {
      file: 'shifts.csv',
      changedTimeUs: 0,
    });
    expect(records.map((s) => [s.workCenter, s.shiftId, s.breaks.length])).toEqual([
      ['L1M01', '2026-12-02/early', 2],
      ['L1M01', '2026-12-02/night', 2],
    ]);
    expect(records[1]?.breaks).toEqual([
      { startUs: us('2026-12-03T02:00:00Z'), endUs: us('2026-12-03T02:30:00Z'), reason: '' },
      { startUs: us('2026-12-03T04:00:00Z'), endUs: us('2026-12-03T04:10:00Z'), reason: 'coffee' },
    ]);
    expect(problems).toEqual([
      {
        recordId: 'L1M02/2026-12-02/early',
        problem: 'shifts.csv:5: break "15:00-15:30" does not lie inside the shift',
      },
    ]);
  });
});

describe('the CSV adapter', () => {
  it('reads a file once and nothing while it stays unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-erp-csv-'));
    const ordersPath = join(dir, 'orders.csv');
    copyFileSync(fixture('orders.csv'), ordersPath);
    const adapter = new CsvAdapter({ ordersPath, shiftsPath: fixture('shifts.csv') });
    const first = await adapter.readOrders(undefined);
    expect(first.records).toHaveLength(3);
    const again = await adapter.readOrders(first.cursor);
    expect(again).toEqual({ records: [], problems: [], cursor: first.cursor });
    writeFileSync(
      ordersPath,
      `${readFileSync(ordersPath, 'utf8')}1000009,0010,L1M01,MAT-1,Bracket,5,PC,12,REL,,\n`,
    );
    utimesSync(ordersPath, new Date('2026-12-02T07:00:00Z'), new Date('2026-12-02T07:00:00Z'));
    const changed = await adapter.readOrders(first.cursor);
    expect(changed.records).toHaveLength(4);
    expect(changed.records[3]).toEqual(
      expect.objectContaining({ orderId: '1000009', changedTimeUs: us('2026-12-02T07:00:00Z') }),
    );
    expect(changed.cursor).not.toBe(first.cursor);
    expect((await adapter.readShifts(undefined)).records).toHaveLength(2);
  });

  it('reports a missing file as unavailable', async () => {
    await expect(
      new CsvAdapter({ ordersPath: '/nonexistent/orders.csv' }).readOrders(undefined),
    ).rejects.toThrow(ErpUnavailableError);
  });
});
