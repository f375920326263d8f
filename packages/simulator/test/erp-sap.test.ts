import { ErpDataset, startErpSimulator, type ErpSimulatorHandle } from '../src';
import { expireSapCsrfTokens } from '../src/erp/sap-routes';

const ORDERS = '/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV/A_ProductionOrder_2';
const CONFIRMATIONS = '/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV/ProdnOrdConf2';
const NOTIFICATIONS = '/sap/opu/odata/sap/API_MAINTNOTIFICATION/MaintenanceNotification';
const T0 = Date.UTC(2026, 11, 2, 6, 0, 0);

let sim: ErpSimulatorHandle;
const basic = (): string => `Basic ${Buffer.from('KILN_RFC:kiln-secret').toString('base64')}`;

function seed(dataset: ErpDataset): void {
  dataset.addWorkCenter({ id: 'L1M01', plant: '1010', description: 'Press 1', assetId: 'acme/p1/l1/m1' });
  for (let i = 1; i <= 7; i += 1) {
    dataset.upsertOrder({
      orderId: String(1_000_000 + i),
      operationId: '0010',
      workCenter: 'L1M01',
      material: `MAT-${i}`,
      materialDescription: `Bracket ${i}`,
      targetQuantity: 100 * i,
      unit: 'PC',
      machineStandardValueS: 120,
      referenceQuantity: 10,
      status: i === 7 ? 'TECO' : 'REL',
      scheduledStartMs: T0,
      scheduledEndMs: T0 + 8 * 3_600_000 + 30 * 60_000,
      actualStartMs: undefined,
      actualEndMs: undefined,
      changedMs: T0 + i * 1000,
      confirmedYield: 0,
      confirmedScrap: 0,
    });
  }
}

async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    headers: { authorization: basic(), accept: 'application/json', ...headers },
  });
}

async function csrf(): Promise<{ token: string; cookie: string }> {
  const response = await get('/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV/', {
    'x-csrf-token': 'Fetch',
  });
  const token = response.headers.get('x-csrf-token') ?? '';
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { token, cookie };
}

async function post(
  path: string,
  body: unknown,
  session: { token: string; cookie: string },
): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: basic(),
      accept: 'application/json',
      'content-type': 'application/json',
      'x-csrf-token': session.token,
      cookie: session.cookie,
    },
    body: JSON.stringify(body),
  });
}

interface Page {
  d: { results: Record<string, unknown>[]; __next?: string };
}

beforeAll(async () => {
  const dataset = new ErpDataset(() => T0 + 3_600_000);
  seed(dataset);
  sim = await startErpSimulator({ dataset, maxPageSize: 3 });
});
afterAll(async () => sim.close());

describe('the SAP OData face', () => {
  it('refuses a request without credentials with 401 and the SAP error body', async () => {
    const response = await fetch(`${sim.url}${ORDERS}?$format=json`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBeDefined();
  });

  it('serves orders as OData v2 JSON with SAP value formats, paged with __next', async () => {
    const first = (await (
      await get(`${ORDERS}?$expand=to_ProductionOrderOperation&$orderby=LastChangeDateTime`)
    ).json()) as Page;
    expect(first.d.results).toHaveLength(3);
    const order = first.d.results[0] ?? {};
    expect(order).toMatchObject({
      ManufacturingOrder: '1000001',
      ProductionPlant: '1010',
      TotalQuantity: '100.000',
      MfgOrderScheduledStartDate: `/Date(${Date.UTC(2026, 11, 2)})/`,
      MfgOrderScheduledStartTime: 'PT06H00M00S',
      MfgOrderScheduledEndTime: 'PT14H30M00S',
      OrderIsReleased: true,
      LastChangeDateTime: `/Date(${T0 + 1000}+0000)/`,
      to_ProductionOrderOperation: {
        results: [
          expect.objectContaining({
            WorkCenter: 'L1M01',
            OperationReferenceQuantity: '10.000',
            StandardWorkQuantity2: '2.000',
            StandardWorkQuantityUnit2: 'MIN',
          }),
        ],
      },
    });
    const ids: unknown[] = first.d.results.map((r) => r.ManufacturingOrder);
    let next = first.d.__next;
    while (next !== undefined) {
      const page = (await (
        await fetch(next, { headers: { authorization: basic(), accept: 'application/json' } })
      ).json()) as Page;
      ids.push(...page.d.results.map((r) => r.ManufacturingOrder));
      next = page.d.__next;
    }
    expect(ids).toEqual(['1000001', '1000002', '1000003', '1000004', '1000005', '1000006', '1000007']);
  });

  it('filters on LastChangeDateTime and honours $top', async () => {
    const since = new Date(T0 + 4000).toISOString();
    const response = await get(
      `${ORDERS}?$filter=${encodeURIComponent(`LastChangeDateTime gt datetimeoffset'${since}' and ProductionPlant eq '1010'`)}&$top=2`,
    );
    const page = (await response.json()) as Page;
    expect(page.d.results.map((r) => r.ManufacturingOrder)).toEqual(['1000005', '1000006']);
    expect(page.d.__next).toBeUndefined();
  });

  it('answers 400 for a filter it cannot parse and 404 for an unknown order', async () => {
    expect((await get(`${ORDERS}?$filter=${encodeURIComponent('Foo eq')}`)).status).toBe(400);
    expect((await get(`${ORDERS}('999')`)).status).toBe(404);
  });

  it('issues OAuth tokens for client credentials and accepts them as bearer', async () => {
    const tokenResponse = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=kiln&client_secret=kiln-client-secret',
    });
    const token = (await tokenResponse.json()) as { access_token: string; expires_in: number };
    expect(token.expires_in).toBeGreaterThan(0);
    const response = await fetch(`${sim.url}${ORDERS}?$format=json`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    expect(response.status).toBe(200);
    expect(
      (await fetch(`${sim.url}${ORDERS}?$format=json`, { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
  });

  it('requires a CSRF token for writes and answers 403 Required once tokens expire', async () => {
    const body = { OrderID: '1000001', OrderOperation: '0010', ConfirmationYieldQuantity: '1' };
    const without = await post(CONFIRMATIONS, body, { token: '', cookie: '' });
    expect(without.status).toBe(403);
    expect(without.headers.get('x-csrf-token')).toBe('Required');
    const session = await csrf();
    expireSapCsrfTokens(sim.dataset);
    const expired = await post(CONFIRMATIONS, body, session);
    expect(expired.status).toBe(403);
    expect(sim.dataset.confirmations).toHaveLength(0);
  });

  it('creates a confirmation once per ExternalSystemConfirmation and finds it by $filter', async () => {
    const session = await csrf();
    const key = '6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
    const body = {
      OrderID: '1000002',
      OrderOperation: '0010',
      ConfirmationYieldQuantity: '40',
      ConfirmationScrapQuantity: '2',
      ConfirmationUnit: 'PC',
      FinalConfirmationType: '',
      ExternalSystemConfirmation: key,
      OpConfirmedWorkQuantity2: '90.000',
      OpWorkQuantityUnit2: 'MIN',
      ConfirmedExecutionStartDate: `/Date(${Date.UTC(2026, 11, 2)})/`,
      ConfirmedExecutionStartTime: 'PT06H00M00S',
    };
    const created = await post(CONFIRMATIONS, body, session);
    expect(created.status).toBe(201);
    const entity = ((await created.json()) as { d: Record<string, unknown> }).d;
    expect(entity).toMatchObject({
      ConfirmationCount: '1',
      ExternalSystemConfirmation: key,
      ConfirmationYieldQuantity: '40.000',
    });
    expect(sim.dataset.confirmations[0]).toMatchObject({
      machineTimeS: 5400,
      yieldQuantity: 40,
      scrapQuantity: 2,
    });

    const duplicate = await post(CONFIRMATIONS, body, session);
    expect(duplicate.status).toBe(400);
    expect(((await duplicate.json()) as { error: { code: string } }).error.code).toBe(
      'RU/DUPLICATE_EXTERNAL_ID',
    );
    expect(sim.dataset.confirmations).toHaveLength(1);

    const found = (await (
      await get(
        `${CONFIRMATIONS}?$filter=${encodeURIComponent(`ExternalSystemConfirmation eq guid'${key}'`)}`,
      )
    ).json()) as Page;
    expect(found.d.results.map((r) => r.ConfirmationGroup)).toEqual([entity.ConfirmationGroup]);
  });

  it('refuses a confirmation of a technically completed order like SAP (BS 013) and bad input with 400', async () => {
    const session = await csrf();
    const closed = await post(
      CONFIRMATIONS,
      { OrderID: '1000007', OrderOperation: '0010', ConfirmationYieldQuantity: '1' },
      session,
    );
    expect(closed.status).toBe(400);
    const error = ((await closed.json()) as { error: { code: string; message: { value: string } } }).error;
    expect(error.code).toBe('BS/013');
    expect(error.message.value).toMatch(/TECO is active/);
    const wrongType = await post(
      CONFIRMATIONS,
      { OrderID: '1000001', OrderOperation: '0010', ConfirmationYieldQuantity: 5 },
      session,
    );
    expect(wrongType.status).toBe(400);
    const missing = await post(CONFIRMATIONS, { OrderOperation: '0010' }, session);
    expect(missing.status).toBe(400);
  });

  it('creates a maintenance notification and finds it by its external reference number', async () => {
    const session = await csrf();
    const created = await post(
      NOTIFICATIONS,
      {
        NotificationText: 'Bearing wear on press 1',
        NotificationType: 'M2',
        MaintPriority: '1',
        MainWorkCenter: 'L1M01',
        MaintNotifExtReferenceNumber: 'KILN0123456789ABCDEF',
        MaintNotifLongText: 'Kiln alert a-1',
      },
      session,
    );
    expect(created.status).toBe(201);
    const found = (await (
      await get(
        `${NOTIFICATIONS}?$filter=${encodeURIComponent("MaintNotifExtReferenceNumber eq 'KILN0123456789ABCDEF'")}`,
      )
    ).json()) as Page;
    expect(found.d.results).toEqual([
      expect.objectContaining({ MaintPriority: '1', MainWorkCenter: 'L1M01', MainWorkCenterPlant: '1010' }),
    ]);
    const tooLong = await post(
      NOTIFICATIONS,
      { NotificationText: 'x'.repeat(41), NotificationType: 'M2', MainWorkCenter: 'L1M01' },
      session,
    );
    expect(tooLong.status).toBe(400);
  });
});
