import { ErpDataset, startErpSimulator, type ErpSimulatorHandle } from '../src/erp';
import { domainPredicate } from '../src/erp/odoo-domain';

const T0 = Date.parse('2026-12-02T06:00:00Z');

function seed(): ErpDataset {
  const dataset = new ErpDataset(() => T0 + 3_600_000);
  dataset.addWorkCenter({
    id: 'L1M01',
    plant: '1000',
    description: 'Press 1',
    assetId: 'acme/plant-1/line-1/machine-1',
  });
  dataset.addWorkCenter({
    id: 'L1M02',
    plant: '1000',
    description: 'Press 2',
    assetId: 'acme/plant-1/line-1/machine-2',
  });
  const base = {
    operationId: '0010',
    materialDescription: 'Bracket',
    unit: 'PC',
    machineStandardValueS: 120,
    referenceQuantity: 10,
    scheduledStartMs: T0,
    scheduledEndMs: T0 + 8 * 3_600_000,
    actualStartMs: undefined,
    actualEndMs: undefined,
    confirmedYield: 0,
    confirmedScrap: 0,
  };
  dataset.upsertOrder({
    ...base,
    orderId: '1000001',
    workCenter: 'L1M01',
    material: 'MAT-1',
    targetQuantity: 600,
    status: 'REL',
    changedMs: T0 - 3000,
  });
  dataset.upsertOrder({
    ...base,
    orderId: '1000002',
    workCenter: 'L1M02',
    material: 'MAT-2',
    targetQuantity: 300,
    status: 'TECO',
    changedMs: T0 - 2000,
  });
  dataset.upsertOrder({
    ...base,
    orderId: '1000003',
    workCenter: 'L1M01',
    material: 'MAT-1',
    targetQuantity: 100,
    status: 'CRTD',
    changedMs: T0 - 1000,
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

async function json2(
  model: string,
  method: string,
  body: unknown,
  apiKey = 'odoo-api-key-kiln',
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${erp.url}/json/2/${model}/${method}`, {
    method: 'POST',
    headers: {
      authorization: `bearer ${apiKey}`,
      'content-type': 'application/json',
      'x-odoo-database': 'kiln',
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function jsonrpc(service: string, method: string, args: unknown[]): Promise<Record<string, unknown>> {
  const response = await fetch(`${erp.url}/jsonrpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { service, method, args } }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('the Odoo JSON-2 face', () => {
  it('refuses a wrong API key with 401 and an Odoo error body', async () => {
    const { status, body } = await json2('mrp.production', 'search_read', {}, 'wrong');
    expect(status).toBe(401);
    expect(body).toEqual(
      expect.objectContaining({ name: 'werkzeug.exceptions.Unauthorized', message: 'Invalid apikey' }),
    );
  });

  it('serves mrp.production with a domain, fields, order, limit and offset', async () => {
    const { status, body } = await json2('mrp.production', 'search_read', {
      domain: [
        ['state', 'in', ['draft', 'confirmed']],
        ['name', 'ilike', '10000'],
      ],
      fields: ['name', 'state', 'product_id', 'write_date'],
      order: 'write_date desc',
      limit: 1,
      offset: 1,
    });
    expect(status).toBe(200);
    expect(body).toEqual([
      {
        id: 1,
        name: '1000001',
        state: 'confirmed',
        product_id: [1, '[MAT-1] Bracket'],
        write_date: '2026-12-02 05:59:57',
      },
    ]);
  });

  it('derives the work order duration from the standard value', async () => {
    const { body } = await json2('mrp.workorder', 'read', {
      ids: [1],
      fields: ['duration_expected', 'qty_production', 'workcenter_id'],
    });
    // 120 s per 10 pieces, 600 pieces: 7200 s = 120 min.
    expect(body).toEqual([
      { id: 1, duration_expected: 120, qty_production: 600, workcenter_id: [1, 'Press 1'] },
    ]);
  });

  it('answers 404 for an unknown model and 422 for a bad domain', async () => {
    expect((await json2('mrp.nothing', 'search_read', {})).status).toBe(404);
    expect((await json2('mrp.production', 'search_read', { domain: [['state', '~', 1]] })).status).toBe(422);
  });

  it('books an absolute qty_producing once per key and refuses a done order', async () => {
    const write = { ids: [1], vals: { qty_producing: 50 }, context: { kiln_confirmation_key: 'k-1' } };
    expect((await json2('mrp.production', 'write', write)).body).toBe(true);
    expect((await json2('mrp.production', 'write', write)).body).toBe(true);
    expect(erp.dataset.confirmations).toHaveLength(1);
    expect(erp.dataset.orders.get('1000001')?.confirmedYield).toBe(50);
    const done = await json2('mrp.production', 'button_mark_done', { ids: [2] });
    expect(done.status).toBe(422);
    expect(done.body).toEqual(expect.objectContaining({ name: 'odoo.exceptions.UserError' }));
  });
});

describe('the Odoo legacy JSON-RPC face', () => {
  it('authenticates to a uid and answers false to a wrong password', async () => {
    expect(
      (await jsonrpc('common', 'authenticate', ['kiln', 'kiln@example.com', 'kiln-secret', {}]))['result'],
    ).toBe(2);
    expect((await jsonrpc('common', 'login', ['kiln', 'kiln@example.com', 'nope']))['result']).toBe(false);
  });

  it('runs execute_kw with positional args and reports errors inside a 200 answer', async () => {
    const count = await jsonrpc('object', 'execute_kw', [
      'kiln',
      2,
      'kiln-secret',
      'mrp.production',
      'search_count',
      [[['write_date', '>=', '2026-12-02 05:59:58']]],
      {},
    ]);
    expect(count['result']).toBe(2);
    const denied = await jsonrpc('object', 'execute_kw', [
      'kiln',
      2,
      'bad',
      'mrp.production',
      'search_count',
      [[]],
      {},
    ]);
    expect(denied['error']).toEqual(
      expect.objectContaining({
        code: 200,
        message: 'Odoo Server Error',
        data: expect.objectContaining({ name: 'odoo.exceptions.AccessDenied' }),
      }),
    );
  });

  it('creates a maintenance request on a work center', async () => {
    const created = await jsonrpc('object', 'execute_kw', [
      'kiln',
      2,
      'kiln-secret',
      'maintenance.request',
      'create',
      [
        [
          {
            name: 'Bearing wear',
            description: 'ref k-9',
            workcenter_id: 2,
            priority: '3',
            maintenance_type: 'corrective',
          },
        ],
      ],
      {},
    ]);
    expect(created['result']).toEqual([1]);
    expect(erp.dataset.notifications[0]).toEqual(
      expect.objectContaining({ workCenter: 'L1M02', priority: 1, via: 'odoo' }),
    );
  });
});

describe('Odoo domains', () => {
  it('combine & and | in prefix notation', () => {
    const match = domainPredicate(['|', ['a', '=', 1], '&', ['b', '>', 2], ['b', '<', 5]]);
    expect(match({ id: 1, a: 1, b: 0 })).toBe(true);
    expect(match({ id: 2, a: 0, b: 3 })).toBe(true);
    expect(match({ id: 3, a: 0, b: 6 })).toBe(false);
  });
});
