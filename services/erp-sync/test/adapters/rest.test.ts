import { startErpSimulator, type ErpSimulatorHandle } from '@kiln/simulator';
import { mapRestOrders, mapRestShifts, RestAdapter, type RestAdapterOptions } from '../../src/adapters/rest';
import {
  ErpRejectedError,
  ErpUnavailableError,
  type MaintenanceRequest,
  type OrderConfirmation,
} from '../../src/adapters/types';
import { plantDataset, T0 } from '../fixtures/erp-dataset';
import { simulatorOrders, simulatorShifts } from '../fixtures/simulator-rest-mapping';

let erp: ErpSimulatorHandle;
beforeEach(async () => {
  erp = await startErpSimulator({ dataset: plantDataset() });
});
afterEach(async () => {
  erp.faults.clear();
  await erp.close();
});

function options(overrides: Partial<RestAdapterOptions> = {}): RestAdapterOptions {
  return {
    ordersUrl: `${erp.url}/api/erp/orders?pageSize=2`,
    shiftsUrl: `${erp.url}/api/erp/shifts`,
    confirmationsUrl: `${erp.url}/api/erp/confirmations`,
    maintenanceUrl: `${erp.url}/api/erp/maintenance-requests`,
    auth: { type: 'basic', username: 'KILN_RFC', password: 'kiln-secret' },
    timeoutMs: 500,
    orders: simulatorOrders,
    shifts: simulatorShifts,
    ...overrides,
  };
}

const confirmation: OrderConfirmation = {
  idempotencyKey: '5b0c7a52-2f0e-4e52-9a55-0f1d2c3b4a59',
  orderId: '1000001',
  operationId: '0010',
  workCenter: 'L1M01',
  yieldQuantity: 40,
  scrapQuantity: 1,
  quantityUnit: 'PC',
  machineTimeS: 3000,
  setupTimeS: 0,
  downTimeS: 60,
  startUs: T0 * 1000,
  endUs: (T0 + 3_600_000) * 1000,
  final: false,
};

describe('the REST adapter against the simulator', () => {
  it('follows next links and maps every page', async () => {
    const result = await new RestAdapter(options()).readOrders(undefined);
    expect(result.problems).toEqual([]);
    expect(result.records.map((o) => o.orderId)).toEqual([
      '1000001',
      '1000002',
      '1000003',
      '1000004',
      '1000005',
    ]);
    expect(result.records[3]).toEqual(
      expect.objectContaining({
        workCenter: 'L1M02',
        targetQuantity: 400,
        idealCycleTimeS: 12,
        status: 'closed',
        actualEndUs: 0,
      }),
    );
    expect(result.cursor).toBe('2026-12-02T05:59:59.000Z');
  });

  it('pages by page number too and reads a delta from the cursor', async () => {
    const adapter = new RestAdapter(
      options({ ordersUrl: `${erp.url}/api/erp/orders`, paging: { type: 'page', pageSize: 2 } }),
    );
    const all = await adapter.readOrders(undefined);
    expect(all.records).toHaveLength(5);
    const order = erp.dataset.orders.get('1000002');
    if (order === undefined) throw new Error('fixture lacks 1000002');
    order.changedMs = T0 + 5000;
    const delta = await adapter.readOrders(all.cursor);
    expect(delta.records.map((o) => o.orderId)).toEqual(['1000005', '1000002']);
  });

  it('reads shifts with their breaks', async () => {
    const shifts = await new RestAdapter(options()).readShifts(undefined);
    expect(shifts.records).toEqual([
      expect.objectContaining({
        workCenter: 'L1M01',
        shiftId: '2026-12-02/early',
        breaks: [
          { startUs: (T0 + 4 * 3_600_000) * 1000, endUs: (T0 + 4.5 * 3_600_000) * 1000, reason: 'lunch' },
        ],
      }),
    ]);
  });

  it('posts a confirmation once per Idempotency-Key, even when its answer was lost', async () => {
    const adapter = new RestAdapter(options());
    erp.faults.set({ kind: 'drop-response', remaining: 1 });
    await expect(adapter.postConfirmation(confirmation)).rejects.toThrow(ErpUnavailableError);
    expect(await adapter.postConfirmation(confirmation)).toEqual({ erpRef: '0000000001', existing: true });
    expect(erp.dataset.confirmations).toEqual([
      expect.objectContaining({ externalKey: confirmation.idempotencyKey, yieldQuantity: 40 }),
    ]);
  });

  it('rejects a confirmation of a closed order and a wrong password; 503 is unavailable', async () => {
    await expect(
      new RestAdapter(options()).postConfirmation({ ...confirmation, orderId: '1000004' }),
    ).rejects.toThrow(expect.objectContaining({ name: 'ErpRejectedError', code: '422' }));
    const wrong = new RestAdapter(
      options({ auth: { type: 'basic', username: 'KILN_RFC', password: 'nope' } }),
    );
    await expect(wrong.readOrders(undefined)).rejects.toThrow(ErpRejectedError);
    erp.faults.set({ kind: 'status', status: 503, remaining: 1 });
    await expect(new RestAdapter(options()).readOrders(undefined)).rejects.toThrow(ErpUnavailableError);
  });

  it('creates a maintenance request once per key', async () => {
    const request: MaintenanceRequest = {
      idempotencyKey: 'a1b2',
      alertId: 'alert-3',
      assetId: 'acme/plant-1/line-1/machine-1',
      workCenter: 'L1M01',
      cause: 'overheating',
      severity: 'warning',
      title: 'Spindle temperature high',
      description: 'Above 80 °C for 10 min',
      healthIndex: undefined,
      rul: undefined,
      openedTimeUs: T0 * 1000,
    };
    const adapter = new RestAdapter(options());
    const first = await adapter.createMaintenanceRequest(request);
    expect(first.existing).toBe(false);
    expect(await adapter.createMaintenanceRequest(request)).toEqual({ erpRef: first.erpRef, existing: true });
    expect(erp.dataset.notifications).toEqual([expect.objectContaining({ priority: 2, via: 'rest' })]);
  });

  it('shapes a POST body with a template', async () => {
    const adapter = new RestAdapter(
      options({
        maintenanceBody: {
          '/workCenter': { pointer: '/workCenter' },
          '/title': { pointer: '/title' },
          '/description': { pointer: '/cause' },
          '/severity': { const: 'critical' },
        },
      }),
    );
    await adapter.createMaintenanceRequest({
      idempotencyKey: 'c3d4',
      alertId: 'alert-4',
      assetId: 'acme/plant-1/line-1/machine-1',
      workCenter: 'L1M01',
      cause: 'overheating',
      severity: 'info',
      title: 'Spindle temperature high',
      description: 'not sent',
      healthIndex: undefined,
      rul: undefined,
      openedTimeUs: T0 * 1000,
    });
    expect(erp.dataset.notifications).toEqual([
      expect.objectContaining({ longText: 'overheating', priority: 1 }),
    ]);
  });
});

describe('mapping webhook bodies', () => {
  it('reads Kiln-shaped orders with the default mapping and reports bad items by id', () => {
    const result = mapRestOrders([
      {
        orderId: 'A1',
        workCenter: 'L1M01',
        targetQuantity: '50',
        status: 'REL',
        changedTimeUs: 1_700_000_000_000_000,
      },
      { orderId: 'A2', workCenter: 'L1M01', targetQuantity: 'many', status: 'REL' },
      { orderId: 'A3', targetQuantity: 1, status: 'weird' },
    ]);
    expect(result.records).toEqual([
      expect.objectContaining({
        orderId: 'A1',
        targetQuantity: 50,
        status: 'released',
        operationId: '',
        changedTimeUs: 1_700_000_000_000_000,
      }),
    ]);
    expect(result.problems).toEqual([
      { recordId: 'A2', problem: expect.stringContaining('targetQuantity') },
      { recordId: 'A3', problem: expect.stringMatching(/workCenter is missing.*status/) },
    ]);
  });

  it('applies constants, value maps, epoch conversions and escaped pointers', () => {
    const result = mapRestOrders(
      { data: { rows: [{ 'no/id': 7, wc: 'P1', qty: 10, st: 'OPEN', start: 1_764_655_200 }] } },
      {
        items: '/data/rows',
        fields: {
          orderId: { pointer: '/no~1id' },
          workCenter: { pointer: '/wc' },
          targetQuantity: { pointer: '/qty' },
          status: { pointer: '/st', values: { OPEN: 'released' } },
          scheduledStartUs: { pointer: '/start', convert: 'epochS' },
          quantityUnit: { const: 'PC' },
        },
      },
    );
    expect(result.problems).toEqual([]);
    expect(result.records[0]).toEqual(
      expect.objectContaining({
        orderId: '7',
        workCenter: 'P1',
        status: 'released',
        quantityUnit: 'PC',
        scheduledStartUs: 1_764_655_200_000_000,
      }),
    );
  });

  it('refuses a shift that ends before it starts', () => {
    const result = mapRestShifts({
      items: [
        {
          workCenter: 'L1M01',
          shiftId: 's1',
          startUs: '2026-12-02T14:00:00Z',
          endUs: '2026-12-02T06:00:00Z',
        },
      ],
    });
    expect(result.records).toEqual([]);
    expect(result.problems).toEqual([{ recordId: 'L1M01/s1', problem: 'the shift ends before it starts' }]);
  });
});
