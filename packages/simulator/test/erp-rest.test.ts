import { ErpDataset, startErpSimulator, type ErpSimulatorHandle } from '../src/erp';

const T0 = Date.parse('2026-12-02T06:00:00Z');
const AUTH = `Basic ${Buffer.from('KILN_RFC:kiln-secret').toString('base64')}`;

function seed(): ErpDataset {
  const dataset = new ErpDataset(() => T0 + 3_600_000);
  dataset.addWorkCenter({
    id: 'L1M01',
    plant: '1000',
    description: 'Press 1',
    assetId: 'acme/plant-1/line-1/machine-1',
  });
  for (let i = 1; i <= 5; i += 1) {
    dataset.upsertOrder({
      orderId: `100000${i}`,
      operationId: '0010',
      workCenter: 'L1M01',
      material: 'MAT-1',
      materialDescription: 'Bracket',
      targetQuantity: 100 * i,
      unit: 'PC',
      machineStandardValueS: 60,
      referenceQuantity: 10,
      status: i === 5 ? 'CLSD' : 'REL',
      scheduledStartMs: T0,
      scheduledEndMs: T0 + 3_600_000,
      actualStartMs: undefined,
      actualEndMs: undefined,
      confirmedYield: 0,
      confirmedScrap: 0,
      changedMs: T0 + i * 1000,
    });
  }
  dataset.upsertShift({
    workCenter: 'L1M01',
    shiftId: '2026-12-02/early',
    name: 'Early',
    startMs: T0,
    endMs: T0 + 8 * 3_600_000,
    breaks: [{ startMs: T0 + 4 * 3_600_000, endMs: T0 + 4.5 * 3_600_000, reason: 'lunch' }],
    cancelled: false,
  });
  return dataset;
}

let erp: ErpSimulatorHandle;
beforeEach(async () => {
  erp = await startErpSimulator({ dataset: seed() });
});
afterEach(async () => {
  await erp.close();
});

const get = async (path: string, auth = AUTH): Promise<Response> =>
  fetch(`${erp.url}${path}`, { headers: { authorization: auth } });
const post = async (path: string, body: unknown, key: string | undefined): Promise<Response> =>
  fetch(`${erp.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: AUTH,
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  });

describe('the generic REST face', () => {
  it('needs basic auth', async () => {
    expect((await get('/api/erp/orders', 'Basic eDp5')).status).toBe(401);
  });

  it('pages orders with a next link and filters by changedSince', async () => {
    const first = (await (
      await get('/api/erp/orders?pageSize=2&changedSince=2026-12-02T06:00:02Z')
    ).json()) as { items: { id: string }[]; next: string | null };
    expect(first.items.map((i) => i.id)).toEqual(['1000002', '1000003']);
    expect(first.next).not.toBeNull();
    const second = (await (await fetch(first.next ?? '', { headers: { authorization: AUTH } })).json()) as {
      items: { id: string; cycleTimeS: number }[];
      next: string | null;
    };
    expect(second.items.map((i) => i.id)).toEqual(['1000004', '1000005']);
    expect(second.items[0]?.cycleTimeS).toBe(6);
    expect(second.next).toBeNull();
  });

  it('serves shifts with their breaks', async () => {
    const page = (await (await get('/api/erp/shifts')).json()) as { items: unknown[] };
    expect(page.items).toEqual([
      expect.objectContaining({
        id: '2026-12-02/early',
        breaks: [{ start: '2026-12-02T10:00:00.000Z', end: '2026-12-02T10:30:00.000Z', reason: 'lunch' }],
      }),
    ]);
  });

  it('books a confirmation once per Idempotency-Key: 201 first, 200 with the same result after', async () => {
    const body = {
      orderId: '1000001',
      operationId: '0010',
      yieldQuantity: 40,
      scrapQuantity: 1,
      final: false,
    };
    const first = await post('/api/erp/confirmations', body, 'key-1');
    const again = await post('/api/erp/confirmations', body, 'key-1');
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(await first.json());
    expect(erp.dataset.confirmations).toHaveLength(1);
  });

  it('refuses a confirmation without a key (400) and on a closed order (422)', async () => {
    expect(
      (await post('/api/erp/confirmations', { orderId: '1000001', yieldQuantity: 1 }, undefined)).status,
    ).toBe(400);
    const closed = await post('/api/erp/confirmations', { orderId: '1000005', yieldQuantity: 1 }, 'key-2');
    expect(closed.status).toBe(422);
    expect(await closed.json()).toEqual(expect.objectContaining({ code: 'ORDER_CLOSED' }));
  });

  it('creates a maintenance request once per key', async () => {
    const body = {
      workCenter: 'L1M01',
      title: 'Bearing wear',
      description: 'RUL 40 h',
      severity: 'critical',
    };
    expect((await post('/api/erp/maintenance-requests', body, 'm-1')).status).toBe(201);
    expect((await post('/api/erp/maintenance-requests', body, 'm-1')).status).toBe(200);
    expect(erp.dataset.notifications).toEqual([expect.objectContaining({ priority: 1, via: 'rest' })]);
  });
});
