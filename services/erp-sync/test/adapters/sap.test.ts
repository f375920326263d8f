import {
  ErpDataset,
  expireSapCsrfTokens,
  startErpSimulator,
  type ErpOrderRecord,
  type ErpSimulatorHandle,
} from '@kiln/simulator';
import { SapAdapter, parseSapAdapterOptions, type SapAdapterOptions } from '../../src/adapters/sap';
import {
  ErpRejectedError,
  ErpUnavailableError,
  type MaintenanceRequest,
  type OrderConfirmation,
} from '../../src/adapters/types';

const T0 = Date.UTC(2026, 11, 2, 6, 0, 0);
let nowMs = T0;
let sim: ErpSimulatorHandle;
let dataset: ErpDataset;

function order(
  id: number,
  overrides: Partial<ErpOrderRecord> = {},
): Omit<ErpOrderRecord, 'changedMs'> & { changedMs: number } {
  return {
    orderId: String(1_000_000 + id),
    operationId: '0010',
    workCenter: id % 2 === 0 ? 'L1M02' : 'L1M01',
    material: `MAT-${id}`,
    materialDescription: `Bracket ${id}`,
    targetQuantity: 100 * id,
    unit: 'PC',
    machineStandardValueS: 90,
    referenceQuantity: 10,
    status: 'REL',
    scheduledStartMs: T0,
    scheduledEndMs: T0 + 8 * 3_600_000,
    actualStartMs: undefined,
    actualEndMs: undefined,
    changedMs: T0 + id * 1000,
    confirmedYield: 0,
    confirmedScrap: 0,
    ...overrides,
  };
}

function basicOptions(overrides: Partial<SapAdapterOptions> = {}): SapAdapterOptions {
  return {
    baseUrl: sim.url,
    auth: { type: 'basic', username: 'KILN_RFC', password: 'kiln-secret' },
    pageSize: 4,
    timeoutMs: 2000,
    sapClient: '100',
    ...overrides,
  };
}

function confirmation(overrides: Partial<OrderConfirmation> = {}): OrderConfirmation {
  return {
    idempotencyKey: '0b9d6c52-8f31-4a57-9d1e-5c2f7a8b9c01',
    orderId: '1000001',
    operationId: '0010',
    workCenter: 'L1M01',
    yieldQuantity: 95,
    scrapQuantity: 5,
    quantityUnit: 'PC',
    machineTimeS: 5400,
    setupTimeS: 600,
    downTimeS: 300,
    startUs: (T0 + 30 * 60_000) * 1000,
    endUs: (T0 + 2 * 3_600_000) * 1000,
    final: false,
    ...overrides,
  };
}

const maintenance: MaintenanceRequest = {
  idempotencyKey: '7c1e4f0a-2b3c-4d5e-8f90-a1b2c3d4e5f6',
  alertId: 'alert-42',
  assetId: 'acme/plant-1/line-1/machine-1',
  workCenter: 'L1M01',
  cause: 'bearing wear',
  severity: 'critical',
  title: 'Spindle bearing wear predicted on press 1 within two shifts',
  description: 'Vibration RMS trending up for 36 h.',
  healthIndex: 0.31,
  rul: { estimateH: 40, lowerH: 28, upperH: 55 },
  openedTimeUs: T0 * 1000,
};

/** Arms the simulator's drop-response fault as the first POST to `entitySet` leaves: its answer is lost. */
function loseAnswerOfFirstPost(entitySet: string): void {
  const realFetch = globalThis.fetch;
  const spy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    if (init?.method === 'POST' && String(input).includes(entitySet)) {
      spy.mockRestore();
      sim.faults.set({ kind: 'drop-response', remaining: 1 });
    }
    return realFetch(input, init);
  });
}

beforeEach(async () => {
  nowMs = T0 + 3_600_000;
  dataset = new ErpDataset(() => nowMs);
  dataset.addWorkCenter({
    id: 'L1M01',
    plant: '1010',
    description: 'Press 1',
    assetId: 'acme/plant-1/line-1/machine-1',
  });
  dataset.addWorkCenter({
    id: 'L1M02',
    plant: '1010',
    description: 'Press 2',
    assetId: 'acme/plant-1/line-1/machine-2',
  });
  for (let id = 1; id <= 10; id += 1) dataset.upsertOrder(order(id));
  sim = await startErpSimulator({ dataset, maxPageSize: 3 });
});
afterEach(async () => {
  jest.restoreAllMocks();
  await sim.close();
});

describe('SapAdapter.readOrders', () => {
  it('reads every open order across client pages and server __next pages, with the cursor at the latest change', async () => {
    const adapter = new SapAdapter(basicOptions());
    const result = await adapter.readOrders(undefined);
    expect(result.problems).toEqual([]);
    expect(result.records.map((r) => r.orderId)).toEqual(
      Array.from({ length: 10 }, (_, i) => String(1_000_001 + i)),
    );
    expect(result.cursor).toBe(new Date(T0 + 10_000).toISOString());
    expect(result.records[0]).toEqual({
      orderId: '1000001',
      operationId: '0010',
      workCenter: 'L1M01',
      material: 'MAT-1',
      materialDescription: 'Bracket 1',
      targetQuantity: 100,
      quantityUnit: 'PC',
      idealCycleTimeS: 9,
      status: 'released',
      scheduledStartUs: T0 * 1000,
      scheduledEndUs: (T0 + 8 * 3_600_000) * 1000,
      actualStartUs: 0,
      actualEndUs: 0,
      changedTimeUs: (T0 + 1000) * 1000,
    });
  });

  it('reads only the orders changed after the cursor', async () => {
    const adapter = new SapAdapter(basicOptions());
    const first = await adapter.readOrders(undefined);
    nowMs = T0 + 7_200_000;
    dataset.upsertOrder(order(3, { targetQuantity: 333, changedMs: undefined as unknown as number }));
    dataset.upsertOrder(order(11, { changedMs: nowMs + 1 }));
    const delta = await adapter.readOrders(first.cursor);
    expect(delta.records.map((r) => [r.orderId, r.targetQuantity])).toEqual([
      ['1000003', 333],
      ['1000011', 1100],
    ]);
    expect(delta.cursor).toBe(new Date(nowMs + 1).toISOString());
    const nothing = await adapter.readOrders(delta.cursor);
    expect(nothing).toEqual({ records: [], problems: [], cursor: delta.cursor });
  });

  it('misses no order when an order already read changes while the pages are read', async () => {
    const realFetch = globalThis.fetch;
    let requests = 0;
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const response = await realFetch(input, init);
      requests += 1;
      if (requests === 1) dataset.upsertOrder(order(1, { targetQuantity: 111, changedMs: T0 + 60_000 }));
      return response;
    });
    // Client pages no larger than the server's: __next (an offset, as SAP's $skiptoken) would shift here.
    const result = await new SapAdapter(basicOptions({ pageSize: 3 })).readOrders(undefined);
    expect(result.records.map((r) => r.orderId).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => String(1_000_001 + i)),
    );
    expect(result.records.find((r) => r.orderId === '1000001')?.targetQuantity).toBe(111);
    expect(result.cursor).toBe(new Date(T0 + 60_000).toISOString());
  });

  it('derives the ideal cycle time from the machine standard value in SEC, MIN or H and the reference quantity', async () => {
    dataset.upsertOrder(order(1, { machineStandardValueS: 45, referenceQuantity: 1 }));
    dataset.upsertOrder(order(2, { machineStandardValueS: 300, referenceQuantity: 100 }));
    dataset.upsertOrder(order(3, { machineStandardValueS: 7200, referenceQuantity: 1000 }));
    dataset.upsertOrder(order(4, { machineStandardValueS: 0, referenceQuantity: 1 }));
    const result = await new SapAdapter(basicOptions()).readOrders(undefined);
    const cycle = new Map(result.records.map((r) => [r.orderId, r.idealCycleTimeS]));
    expect(cycle.get('1000001')).toBeCloseTo(45);
    expect(cycle.get('1000002')).toBeCloseTo(3);
    expect(cycle.get('1000003')).toBeCloseTo(7.2);
    expect(cycle.get('1000004')).toBe(0);
  });

  it('maps SAP system statuses onto Kiln order states', async () => {
    const statuses = ['CRTD', 'REL', 'PCNF', 'CNF', 'TECO', 'CLSD', 'DLT'] as const;
    statuses.forEach((status, i) => dataset.upsertOrder(order(i + 1, { status })));
    const result = await new SapAdapter(basicOptions()).readOrders(new Date(T0).toISOString());
    const byId = new Map(result.records.map((r) => [r.orderId, r.status]));
    expect(statuses.map((_, i) => byId.get(String(1_000_001 + i)))).toEqual([
      'planned',
      'released',
      'running',
      'completed',
      'closed',
      'closed',
      'cancelled',
    ]);
    const open = await new SapAdapter(basicOptions()).readOrders(undefined);
    expect(open.records.map((r) => r.orderId)).not.toContain('1000005');
  });

  it('reports a record without work center or with a quantity of the wrong type by its id and reads the rest', async () => {
    dataset.upsertOrder(order(2, { workCenter: '' }));
    dataset.upsertOrder(order(5, { targetQuantity: Number.NaN }));
    const result = await new SapAdapter(basicOptions()).readOrders(undefined);
    expect(result.records).toHaveLength(8);
    expect(result.problems).toEqual([
      { recordId: '1000002/#0', problem: expect.stringMatching(/work center/) },
      { recordId: '1000005', problem: expect.stringMatching(/TotalQuantity/) },
    ]);
  });

  it('reads with an OAuth client-credentials token', async () => {
    const adapter = new SapAdapter(
      basicOptions({
        auth: {
          type: 'oauth',
          tokenUrl: `${sim.url}/oauth/token`,
          clientId: 'kiln',
          clientSecret: 'kiln-client-secret',
        },
      }),
    );
    expect((await adapter.readOrders(undefined)).records).toHaveLength(10);
  });

  it('rejects wrong credentials naming the URL', async () => {
    const adapter = new SapAdapter(
      basicOptions({ auth: { type: 'basic', username: 'KILN_RFC', password: 'wrong' } }),
    );
    await expect(adapter.readOrders(undefined)).rejects.toThrow(ErpRejectedError);
    await expect(adapter.readOrders(undefined)).rejects.toThrow(/A_ProductionOrder_2.*401/);
  });

  it('filters on the plant', async () => {
    const result = await new SapAdapter(basicOptions({ plant: '2000' })).readOrders(undefined);
    expect(result.records).toEqual([]);
  });
});

describe('SapAdapter.postConfirmation', () => {
  it('posts yield, scrap, activity times and execution times with the key as ExternalSystemConfirmation', async () => {
    const result = await new SapAdapter(basicOptions()).postConfirmation(confirmation({ final: true }));
    expect(result).toEqual({ erpRef: '0000000001/1', existing: false });
    expect(dataset.confirmations).toEqual([
      expect.objectContaining({
        externalKey: confirmation().idempotencyKey,
        yieldQuantity: 95,
        scrapQuantity: 5,
        machineTimeS: 5400,
        setupTimeS: 600,
        downTimeS: 300,
        final: true,
      }),
    ]);
    expect(dataset.orders.get('1000001')?.status).toBe('CNF');
  });

  it('creates a confirmation once when the same key is posted twice', async () => {
    const adapter = new SapAdapter(basicOptions());
    const first = await adapter.postConfirmation(confirmation());
    const second = await adapter.postConfirmation(confirmation());
    expect(second).toEqual({ erpRef: first.erpRef, existing: true });
    expect(dataset.confirmations).toHaveLength(1);
  });

  it('finds the confirmation by its key when the response was lost', async () => {
    const adapter = new SapAdapter(basicOptions());
    loseAnswerOfFirstPost('ProdnOrdConf2');
    const result = await adapter.postConfirmation(confirmation());
    expect(result).toEqual({ erpRef: '0000000001/1', existing: true });
    expect(dataset.confirmations).toHaveLength(1);
  });

  it('fetches a new CSRF token once the old one expired', async () => {
    const adapter = new SapAdapter(basicOptions());
    await adapter.postConfirmation(confirmation());
    expireSapCsrfTokens(dataset);
    const second = await adapter.postConfirmation(
      confirmation({ idempotencyKey: '1a2b3c4d-0000-4000-8000-000000000002' }),
    );
    expect(second.existing).toBe(false);
    expect(dataset.confirmations).toHaveLength(2);
  });

  it('rejects a confirmation of a technically completed order with SAP code and text', async () => {
    dataset.upsertOrder(order(1, { status: 'TECO' }));
    const attempt = new SapAdapter(basicOptions()).postConfirmation(confirmation());
    await expect(attempt).rejects.toBeInstanceOf(ErpRejectedError);
    await expect(attempt).rejects.toMatchObject({
      code: 'BS/013',
      message: expect.stringMatching(/TECO is active/),
    });
    expect(dataset.confirmations).toHaveLength(0);
  });

  it('reports 503 as unavailable, naming the URL and status', async () => {
    sim.faults.set({ kind: 'status', status: 503 });
    const attempt = new SapAdapter(basicOptions()).postConfirmation(confirmation());
    await expect(attempt).rejects.toBeInstanceOf(ErpUnavailableError);
    await expect(attempt).rejects.toThrow(/API_PROD_ORDER_CONFIRMATION_2_SRV.*503/);
    sim.faults.clear();
    expect(dataset.confirmations).toHaveLength(0);
  });

  it('reports 429 Too Many Requests as unavailable', async () => {
    sim.faults.set({ kind: 'status', status: 429, remaining: 1 });
    const attempt = new SapAdapter(basicOptions()).readOrders(undefined);
    await expect(attempt).rejects.toBeInstanceOf(ErpUnavailableError);
    await expect(attempt).rejects.toThrow(/A_ProductionOrder_2.*answered 429/);
  });

  it('reports a server hanging past the timeout as unavailable', async () => {
    sim.faults.set({ kind: 'hang', delayMs: 800 });
    const adapter = new SapAdapter(basicOptions({ timeoutMs: 300 }));
    await expect(adapter.readOrders(undefined)).rejects.toThrow(/timed out after 300 ms/);
    await expect(adapter.readOrders(undefined)).rejects.toBeInstanceOf(ErpUnavailableError);
    sim.faults.clear();
  });
});

describe('SapAdapter.createMaintenanceRequest', () => {
  it('creates a notification once, found by its external reference before any create', async () => {
    const adapter = new SapAdapter(basicOptions());
    const first = await adapter.createMaintenanceRequest(maintenance);
    const second = await adapter.createMaintenanceRequest(maintenance);
    expect(first.existing).toBe(false);
    expect(second).toEqual({ erpRef: first.erpRef, existing: true });
    expect(dataset.notifications).toHaveLength(1);
    const created = dataset.notifications[0];
    expect(created?.priority).toBe(1);
    expect(created?.text.length).toBeLessThanOrEqual(40);
    expect(created?.externalKey).toBe('7C1E4F0A2B3C4D5E8F90');
    expect(created?.longText).toEqual(expect.stringContaining('Asset: acme/plant-1/line-1/machine-1'));
    expect(created?.longText).toEqual(expect.stringContaining('Kiln alert: alert-42'));
    expect(created?.longText).toEqual(expect.stringContaining('Remaining useful life: 40 h (28-55 h)'));
  });

  it('reports a lost lookup as unavailable without creating anything', async () => {
    const adapter = new SapAdapter(basicOptions());
    sim.faults.set({ kind: 'drop-response', remaining: 1 });
    await expect(adapter.createMaintenanceRequest(maintenance)).rejects.toBeInstanceOf(ErpUnavailableError);
    expect(dataset.notifications).toHaveLength(0);
    expect((await adapter.createMaintenanceRequest(maintenance)).existing).toBe(false);
    expect(dataset.notifications).toHaveLength(1);
  });

  it('finds the notification by its reference when the create response was lost', async () => {
    const adapter = new SapAdapter(basicOptions());
    loseAnswerOfFirstPost('MaintenanceNotification');
    const result = await adapter.createMaintenanceRequest(maintenance);
    expect(result).toEqual({ erpRef: dataset.notifications[0]?.notificationId, existing: true });
    expect(dataset.notifications).toHaveLength(1);
  });

  it('rejects an unknown work center with SAP code', async () => {
    const attempt = new SapAdapter(basicOptions()).createMaintenanceRequest({
      ...maintenance,
      workCenter: 'NOPE',
    });
    await expect(attempt).rejects.toMatchObject({
      name: 'ErpRejectedError',
      code: 'IW/WORK_CENTER_NOT_FOUND',
    });
  });
});

describe('SAP adapter options', () => {
  it('names the offending key', () => {
    expect(() =>
      parseSapAdapterOptions({
        baseUrl: 'not a url',
        auth: { type: 'oauth', tokenUrl: 'http://x/t', clientId: 'k' },
      }),
    ).toThrow(/sap\.baseUrl[\s\S]*sap\.auth\.clientSecret/);
    expect(() =>
      parseSapAdapterOptions({
        baseUrl: 'http://s4:443',
        auth: { type: 'basic', username: 'u', password: 'p' },
        sapClient: '1',
      }),
    ).toThrow(/sap\.sapClient/);
  });
});
