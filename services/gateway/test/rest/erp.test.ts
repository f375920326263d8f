// ERP orders and the ERP bridge through REST against real PostgreSQL: rows written by erp-sync's store are read
// back newest first, filtered and paged; a refused confirmation shows its error; a site's key sees the orders and
// outbox rows of its assets only (an order elsewhere is 404), a reader no outbox, a site key no problems.
import { describeWith } from '@kiln/test-infra';
import { ErpStore, type ErpOrderRecord } from '@kiln/timeseries';
import { restHarness, type RestHarness } from '../support/harness';

const PRESS = 'acme/plant-1/pressing/line-1/press-1';
const MILL = 'acme/plant-1/milling/line-2/mill-1';
const ROBOT = 'acme/plant-2/welding/line-9/robot-1';
const T0_US = Date.UTC(2026, 10, 30, 6) * 1000;
const MINUTE = 60_000_000;
const iso = (us: number): string => new Date(us / 1000).toISOString();

const order = (
  orderId: string,
  operationId: string,
  assetId: string | undefined,
  minute: number,
  status = 'released',
): ErpOrderRecord => ({
  orderId,
  operationId,
  workCenter: assetId === undefined ? 'UNMAPPED' : `WC-${assetId.split('/').pop() ?? ''}`,
  assetId,
  material: 'M-100',
  materialDescription: 'Bracket',
  targetQuantity: 500,
  quantityUnit: 'PC',
  idealCycleTimeS: 2.5,
  status,
  scheduledStartUs: T0_US,
  scheduledEndUs: T0_US + 60 * MINUTE,
  actualStartUs: 0,
  actualEndUs: 0,
  changedTimeUs: T0_US + minute * MINUTE,
  payload: { AUFNR: orderId },
});

interface Page<T> {
  items: T[];
  nextCursor?: string;
}
interface OrderJson {
  orderId: string;
  operationId: string;
  assetId: string | null;
  status: string;
  changedTime: string;
  actualStart: string | null;
}
interface OutboxJson {
  id: string;
  kind: string;
  assetId: string | null;
  status: string;
  attempts: number;
  lastError: string | null;
  erpRef: string | null;
  sentTime: string | null;
  payload: unknown;
}

describeWith(['postgres', 'redis'], 'REST ERP orders, outbox and problems', () => {
  let h: RestHarness;
  let reader: string;
  let operator: string;
  let plant2: string;
  let admin: string;

  beforeAll(async () => {
    h = await restHarness();
    admin = h.adminKey;
    reader = (await h.keys.create('acme/plant-1', 'reader')).token;
    operator = (await h.keys.create('acme/plant-1', 'operator')).token;
    plant2 = (await h.keys.create('acme/plant-2', 'operator')).token;
    const store = new ErpStore(h.database.db, h.database.schema);
    await store.upsertOrders('sap', [
      order('1000', '0010', PRESS, 0),
      order('1000', '0020', MILL, 1),
      order('1001', '0010', PRESS, 2, 'running'),
      order('1002', '0010', ROBOT, 3),
      order('1003', '0010', MILL, 4, 'completed'),
      order('1004', '0010', undefined, 5),
    ]);
    const confirmation = (id: string, orderId: string, assetId: string, minute: number) => ({
      id,
      kind: 'confirmation' as const,
      kilnRef: `${orderId}/0010/${assetId}`,
      revision: 'final',
      assetId,
      payload: { orderId, yieldQuantity: 480 },
      createdUs: T0_US + minute * MINUTE,
    });
    await store.insertOutbox(confirmation('c-1', '1000', PRESS, 10));
    await store.insertOutbox(confirmation('c-2', '1002', ROBOT, 11));
    await store.insertOutbox(confirmation('c-3', '1003', MILL, 12));
    await store.insertOutbox({
      id: 'n-1',
      kind: 'notification',
      kilnRef: 'alert-1',
      revision: '',
      assetId: PRESS,
      payload: { assetId: PRESS, priority: 'high' },
      createdUs: T0_US + 13 * MINUTE,
    });
    await store.markFailed('c-1', 'ErpRefusedError: order 1000 is technically complete');
    await store.markSent('c-3', '4711', T0_US + 14 * MINUTE);
    await store.recordProblems(
      'sap',
      'order',
      [{ recordId: '2000', problem: 'no work center for "PRESS99"' }],
      T0_US,
    );
    await store.recordProblems(
      'sap',
      'confirmation',
      [{ recordId: '1000/0010', problem: 'refused: technically complete' }],
      T0_US + MINUTE,
    );
  }, 120_000);

  afterAll(async () => {
    await h.stop();
  });

  const orders = async (query: string, key = admin): Promise<Page<OrderJson>> => {
    const response = await h.call('GET', `/api/v1/orders${query}`, { key });
    expect(response.statusCode).toBe(200);
    return response.json<Page<OrderJson>>();
  };
  const keys = (page: Page<OrderJson>) => page.items.map((item) => `${item.orderId}/${item.operationId}`);

  it('lists order operations newest changed first and pages through them with the cursor', async () => {
    const all = await orders('');
    expect(keys(all)).toEqual(['1004/0010', '1003/0010', '1002/0010', '1001/0010', '1000/0020', '1000/0010']);
    expect(all.items[0]).toMatchObject({
      assetId: null,
      actualStart: null,
      changedTime: iso(T0_US + 5 * MINUTE),
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await orders(`?pageSize=4${cursor === undefined ? '' : `&cursor=${cursor}`}`);
      seen.push(...keys(page));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(seen).toEqual(keys(all));
  });

  it('filters orders by asset, site and status', async () => {
    expect(keys(await orders(`?assetId=${encodeURIComponent(MILL)}`))).toEqual(['1003/0010', '1000/0020']);
    expect(keys(await orders('?siteId=acme%2Fplant-2'))).toEqual(['1002/0010']);
    expect(keys(await orders('?status=running,completed'))).toEqual(['1003/0010', '1001/0010']);
    expect(keys(await orders('?status=running&status=released&siteId=acme%2Fplant-1'))).toEqual([
      '1001/0010',
      '1000/0020',
      '1000/0010',
    ]);
  });

  it('scopes orders to the key’s site: other sites and unmapped work centers are not seen', async () => {
    expect(keys(await orders('', reader))).toEqual(['1003/0010', '1001/0010', '1000/0020', '1000/0010']);
    expect(keys(await orders('', plant2))).toEqual(['1002/0010']);
    const other = await h.call('GET', '/api/v1/orders?siteId=acme%2Fplant-2', { key: reader });
    expect(other.statusCode).toBe(403);
    const robot = await h.call('GET', `/api/v1/orders?assetId=${encodeURIComponent(ROBOT)}`, { key: reader });
    expect(robot.statusCode).toBe(403);
  });

  it('answers one order with all its operations; an order of another site or none is 404', async () => {
    const response = await h.call('GET', '/api/v1/orders/1000', { key: reader });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ orderId: string; operations: OrderJson[] }>();
    expect(body.orderId).toBe('1000');
    expect(body.operations.map((operation) => [operation.operationId, operation.assetId])).toEqual([
      ['0010', PRESS],
      ['0020', MILL],
    ]);
    expect((await h.call('GET', '/api/v1/orders/1002', { key: reader })).statusCode).toBe(404);
    expect((await h.call('GET', '/api/v1/orders/1002', { key: plant2 })).statusCode).toBe(200);
    expect((await h.call('GET', '/api/v1/orders/1004', { key: reader })).statusCode).toBe(404);
    expect((await h.call('GET', '/api/v1/orders/1004')).statusCode).toBe(200);
    const unknown = await h.call('GET', '/api/v1/orders/9999', { key: reader });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('refuses bad order queries naming the field', async () => {
    const status = await h.call('GET', '/api/v1/orders?status=lost');
    expect(status.statusCode).toBe(400);
    expect(status.json<{ field: string }>().field).toBe('status');
    const cursor = await h.call('GET', '/api/v1/orders?cursor=nonsense');
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json<{ field: string }>().field).toBe('cursor');
    expect((await h.call('GET', '/api/v1/orders?siteId=acme')).statusCode).toBe(400);
  });

  it('shows the outbox with a refused confirmation’s error, filtered by status and kind', async () => {
    const response = await h.call('GET', '/api/v1/erp/outbox?status=pending,failed');
    expect(response.statusCode).toBe(200);
    const page = response.json<Page<OutboxJson>>();
    expect(page.items.map((item) => item.id)).toEqual(['n-1', 'c-2', 'c-1']);
    expect(page.items[2]).toMatchObject({
      kind: 'confirmation',
      assetId: PRESS,
      status: 'failed',
      attempts: 1,
      lastError: 'ErpRefusedError: order 1000 is technically complete',
      erpRef: null,
      payload: { orderId: '1000', yieldQuantity: 480 },
    });
    const sent = (await h.call('GET', '/api/v1/erp/outbox?status=sent&kind=confirmation')).json<
      Page<OutboxJson>
    >();
    expect(sent.items).toEqual([
      expect.objectContaining({ id: 'c-3', erpRef: '4711', sentTime: iso(T0_US + 14 * MINUTE) }),
    ]);
    const notifications = (await h.call('GET', '/api/v1/erp/outbox?kind=notification')).json<
      Page<OutboxJson>
    >();
    expect(notifications.items.map((item) => [item.id, item.assetId])).toEqual([['n-1', PRESS]]);
    const bad = await h.call('GET', '/api/v1/erp/outbox?status=lost');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ field: string }>().field).toBe('status');
  });

  it('pages the outbox and scopes it to the assets of the key’s site', async () => {
    const first = (await h.call('GET', '/api/v1/erp/outbox?pageSize=3')).json<Page<OutboxJson>>();
    expect(first.items.map((item) => item.id)).toEqual(['n-1', 'c-3', 'c-2']);
    expect(first.nextCursor).toBeDefined();
    const next = (await h.call('GET', `/api/v1/erp/outbox?pageSize=3&cursor=${first.nextCursor ?? ''}`)).json<
      Page<OutboxJson>
    >();
    expect(next.items.map((item) => item.id)).toEqual(['c-1']);
    expect(next.nextCursor).toBeUndefined();
    const plant1 = (await h.call('GET', '/api/v1/erp/outbox', { key: operator })).json<Page<OutboxJson>>();
    expect(plant1.items.map((item) => item.id)).toEqual(['n-1', 'c-3', 'c-1']);
    const other = (await h.call('GET', '/api/v1/erp/outbox', { key: plant2 })).json<Page<OutboxJson>>();
    expect(other.items.map((item) => item.id)).toEqual(['c-2']);
  });

  it('lists problems last seen first for a key of every site, by kind', async () => {
    const response = await h.call('GET', '/api/v1/erp/problems');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      items: [
        {
          erpSystem: 'sap',
          kind: 'confirmation',
          recordId: '1000/0010',
          problem: 'refused: technically complete',
          seenTime: iso(T0_US + MINUTE),
        },
        {
          erpSystem: 'sap',
          kind: 'order',
          recordId: '2000',
          problem: 'no work center for "PRESS99"',
          seenTime: iso(T0_US),
        },
      ],
    });
    const orderProblems = (await h.call('GET', '/api/v1/erp/problems?kind=order&pageSize=5')).json<{
      items: { recordId: string }[];
    }>();
    expect(orderProblems.items.map((item) => item.recordId)).toEqual(['2000']);
    const limited = (await h.call('GET', '/api/v1/erp/problems?pageSize=1')).json<{ items: unknown[] }>();
    expect(limited.items).toHaveLength(1);
    expect((await h.call('GET', '/api/v1/erp/problems?kind=cursor')).statusCode).toBe(400);
  });

  it('answers 401 without a key and 403 to a role or site that may not read the bridge', async () => {
    for (const url of [
      '/api/v1/orders',
      '/api/v1/orders/1000',
      '/api/v1/erp/outbox',
      '/api/v1/erp/problems',
    ]) {
      expect((await h.call('GET', url, { key: null })).statusCode).toBe(401);
    }
    expect((await h.call('GET', '/api/v1/erp/outbox', { key: reader })).statusCode).toBe(403);
    expect((await h.call('GET', '/api/v1/erp/problems', { key: reader })).statusCode).toBe(403);
    const siteKey = await h.call('GET', '/api/v1/erp/problems', { key: operator });
    expect(siteKey.statusCode).toBe(403);
    expect(siteKey.json<{ detail: string }>().detail).toMatch(/every site/);
  });
});
