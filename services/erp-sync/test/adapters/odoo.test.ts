import { startErpSimulator, type ErpSimulatorHandle } from '@kiln/simulator';
import { OdooAdapter, type OdooAdapterOptions } from '../../src/adapters/odoo';
import {
  ErpRejectedError,
  ErpUnavailableError,
  type MaintenanceRequest,
  type OrderConfirmation,
} from '../../src/adapters/types';
import { orderRecord, plantDataset, T0 } from '../fixtures/erp-dataset';

let erp: ErpSimulatorHandle;
beforeEach(async () => {
  erp = await startErpSimulator({ dataset: plantDataset() });
});
afterEach(async () => {
  erp.faults.clear();
  await erp.close();
});

const protocols: [string, (url: string) => OdooAdapterOptions][] = [
  [
    'JSON-2',
    (baseUrl) => ({
      protocol: 'json2',
      baseUrl,
      db: 'kiln',
      apiKey: 'odoo-api-key-kiln',
      timeoutMs: 500,
      pageSize: 2,
    }),
  ],
  [
    'legacy JSON-RPC',
    (baseUrl) => ({
      protocol: 'jsonrpc',
      baseUrl,
      db: 'kiln',
      login: 'kiln@example.com',
      password: 'kiln-secret',
      timeoutMs: 500,
      pageSize: 2,
    }),
  ],
];

function confirmation(overrides: Partial<OrderConfirmation> = {}): OrderConfirmation {
  return {
    idempotencyKey: '7f1c1f0e-3c1b-4a57-9d0c-1b2a3c4d5e6f',
    orderId: '1000001',
    operationId: '0010',
    workCenter: 'L1M01',
    yieldQuantity: 40,
    scrapQuantity: 2,
    quantityUnit: 'PC',
    machineTimeS: 3000,
    setupTimeS: 300,
    downTimeS: 120,
    startUs: T0 * 1000,
    endUs: (T0 + 3_600_000) * 1000,
    final: false,
    ...overrides,
  };
}

const maintenance: MaintenanceRequest = {
  idempotencyKey: '0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70',
  alertId: 'alert-17',
  assetId: 'acme/plant-1/line-1/machine-2',
  workCenter: 'L1M02',
  cause: 'bearing-wear',
  severity: 'critical',
  title: 'Bearing wear on press 2',
  description: 'Vibration RMS trending up; RUL about 40 h.',
  healthIndex: 0.3,
  rul: { estimateH: 40, lowerH: 30, upperH: 55 },
  openedTimeUs: T0 * 1000,
};

/** Runs `body` with the simulator dropping the answer of the first Odoo `write` (processed, then cut). */
async function withDroppedWrite<T>(body: () => Promise<T>): Promise<T> {
  const realFetch = global.fetch;
  global.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const text = typeof init?.body === 'string' ? init.body : '';
    if (String(input).endsWith('/write') || text.includes('"write"'))
      erp.faults.set({ kind: 'drop-response', remaining: 1 });
    return realFetch(input, init);
  }) as typeof fetch;
  try {
    return await body();
  } finally {
    global.fetch = realFetch;
  }
}

describe.each(protocols)('the Odoo adapter over %s', (_name, optionsFor) => {
  const adapter = (): OdooAdapter => new OdooAdapter(optionsFor(erp.url));

  it('reads all open orders over several pages with work center codes and ideal cycle times', async () => {
    const result = await adapter().readOrders(undefined);
    expect(result.problems).toEqual([]);
    expect(result.records.map((o) => o.orderId)).toEqual(['1000001', '1000002', '1000003', '1000005']);
    expect(result.records[1]).toEqual({
      orderId: '1000002',
      operationId: '0010',
      workCenter: 'L1M02',
      material: 'MAT-1',
      materialDescription: 'Bracket',
      targetQuantity: 200,
      quantityUnit: 'PC',
      // duration_expected 120 s / 10 pc * 200 pc = 40 min; 40 * 60 / 200 = 12 s.
      idealCycleTimeS: 12,
      status: 'released',
      scheduledStartUs: T0 * 1000,
      scheduledEndUs: (T0 + 8 * 3_600_000) * 1000,
      actualStartUs: 0,
      actualEndUs: 0,
      changedTimeUs: (T0 - 4000) * 1000,
    });
    expect(result.cursor).toBe('2026-12-02 05:59:59');
  });

  it('reads only orders written since the cursor, closed ones included', async () => {
    const first = await adapter().readOrders(undefined);
    const order = erp.dataset.orders.get('1000004');
    if (order === undefined) throw new Error('fixture lacks 1000004');
    order.changedMs = T0 + 60_000;
    const delta = await adapter().readOrders(first.cursor);
    // '>=' on write_date re-reads the order written in the cursor's second (1000005): harmless, never a gap.
    expect(delta.records.map((o) => [o.orderId, o.status])).toEqual([
      ['1000005', 'released'],
      ['1000004', 'closed'],
    ]);
    expect(delta.cursor).toBe('2026-12-02 06:01:00');
  });

  it('reports bad records with their id and skips them', async () => {
    erp.dataset.upsertOrder(orderRecord('1000006', { workCenter: 'GHOST' }));
    erp.dataset.upsertOrder(orderRecord('1000007', { material: '' }));
    const result = await adapter().readOrders(undefined);
    expect(result.records.map((o) => o.orderId)).not.toEqual(expect.arrayContaining(['1000006', '1000007']));
    expect(result.records).toHaveLength(4);
    expect(result.problems).toEqual([
      { recordId: '1000007', problem: expect.stringContaining('product_id') },
      { recordId: '1000006', problem: expect.stringContaining('workcenter_id') },
    ]);
  });

  it('refuses wrong credentials with ErpRejectedError', async () => {
    const options = optionsFor(erp.url);
    const wrong =
      options.protocol === 'json2' ? { ...options, apiKey: 'stolen' } : { ...options, password: 'guess' };
    await expect(new OdooAdapter(wrong).readOrders(undefined)).rejects.toThrow(ErpRejectedError);
  });

  it('applies a confirmation once when it is posted twice', async () => {
    const first = await adapter().postConfirmation(confirmation());
    const again = await adapter().postConfirmation(confirmation());
    expect(first).toEqual({ erpRef: '0000000001', existing: false });
    expect(again).toEqual({ erpRef: '0000000001', existing: true });
    expect(erp.dataset.confirmations).toEqual([
      expect.objectContaining({ yieldQuantity: 40, scrapQuantity: 2, machineTimeS: 3000, via: 'odoo' }),
    ]);
  });

  it('applies a confirmation once when the answer to its write was lost', async () => {
    const odoo = adapter();
    await withDroppedWrite(async () => {
      await expect(odoo.postConfirmation(confirmation())).rejects.toThrow(ErpUnavailableError);
    });
    expect(await odoo.postConfirmation(confirmation())).toEqual({ erpRef: '0000000001', existing: true });
    expect(erp.dataset.orders.get('1000001')).toEqual(
      expect.objectContaining({ confirmedYield: 40, confirmedScrap: 2 }),
    );
    expect(erp.dataset.confirmations).toHaveLength(1);
  });

  it('adds a final confirmation to what was produced and marks the order done', async () => {
    await adapter().postConfirmation(confirmation());
    const final = await adapter().postConfirmation(
      confirmation({ idempotencyKey: 'second', yieldQuantity: 60, final: true }),
    );
    expect(final.existing).toBe(false);
    expect(erp.dataset.orders.get('1000001')).toEqual(
      expect.objectContaining({ confirmedYield: 100, status: 'CNF' }),
    );
  });

  it('rejects a confirmation of a done order', async () => {
    await expect(adapter().postConfirmation(confirmation({ orderId: '1000004' }))).rejects.toThrow(
      ErpRejectedError,
    );
    expect(erp.dataset.confirmations).toEqual([]);
  });

  it('treats 503 and a hanging server as unavailable', async () => {
    erp.faults.set({ kind: 'status', status: 503, remaining: 1 });
    await expect(adapter().readOrders(undefined)).rejects.toThrow(ErpUnavailableError);
    erp.faults.set({ kind: 'hang', delayMs: 1500, remaining: 1 });
    await expect(adapter().readOrders(undefined)).rejects.toThrow(ErpUnavailableError);
  });

  it('creates a maintenance request once, looking its key up first', async () => {
    const first = await adapter().createMaintenanceRequest(maintenance);
    const again = await adapter().createMaintenanceRequest(maintenance);
    expect(first.existing).toBe(false);
    expect(again).toEqual({ erpRef: first.erpRef, existing: true });
    expect(erp.dataset.notifications).toEqual([
      expect.objectContaining({
        workCenter: 'L1M02',
        text: 'Bearing wear on press 2',
        priority: 1,
        via: 'odoo',
      }),
    ]);
  });
});
