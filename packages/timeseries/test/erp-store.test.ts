// The ERP-sync store on both backends (plain PostgreSQL, and TimescaleDB in process): orders upserted by change
// time, cursors, problems kept once, an outbox whose decisions insert once and whose rows two senders never claim
// together, links both ways, and what an order produced on an asset (counts summed, machine states clipped).
import { ErpStore, migrate, PgliteDatabase, type Database, type ErpOrderRecord } from '../src';
import { dropSchema, MINUTE, openPostgres, SECOND, T0, uniqueSchema } from './support';

jest.setTimeout(60_000);

const PRESS = 'acme/plant-1/pressing/line-2/press-04';

const order = (overrides: Partial<ErpOrderRecord> = {}): ErpOrderRecord => ({
  orderId: '1000123',
  operationId: '0010',
  workCenter: 'PRESS04',
  assetId: PRESS,
  material: 'M-100',
  materialDescription: 'Bracket',
  targetQuantity: 500,
  quantityUnit: 'PC',
  idealCycleTimeS: 2.5,
  status: 'released',
  scheduledStartUs: T0,
  scheduledEndUs: T0 + 60 * MINUTE,
  actualStartUs: 0,
  actualEndUs: 0,
  changedTimeUs: T0,
  payload: { AUFNR: '1000123' },
  ...overrides,
});

function storeContract(backend: string, open: () => Promise<{ db: Database; close(): Promise<void> }>) {
  describe(`ErpStore on ${backend}`, () => {
    const schema = uniqueSchema('erp');
    let db: Database;
    let close: () => Promise<void>;
    let store: ErpStore;

    beforeAll(async () => {
      ({ db, close } = await open());
      await migrate(db, { schema });
      store = new ErpStore(db, schema);
    }, 120_000);

    afterAll(async () => {
      await dropSchema(db, schema);
      await close();
    });

    it('upserts orders by change time: an older version changes nothing', async () => {
      expect(await store.upsertOrders('sap', [order()])).toBe(1);
      expect(
        await store.upsertOrders('sap', [order({ status: 'running', changedTimeUs: T0 + SECOND })]),
      ).toBe(1);
      expect(
        await store.upsertOrders('sap', [order({ status: 'planned', changedTimeUs: T0 - SECOND })]),
      ).toBe(0);
      const [stored] = await store.orderOf('1000123');
      expect(stored).toMatchObject({
        erpSystem: 'sap',
        status: 'running',
        workCenter: 'PRESS04',
        assetId: PRESS,
        quantityUnit: 'PC',
        scheduledStartUs: T0,
        actualStartUs: 0,
        payload: { AUFNR: '1000123' },
      });
      expect(await store.orderOf('nope')).toEqual([]);
    });

    it('keeps cursors and records each problem of a record once', async () => {
      expect(await store.cursor('sap/orders')).toBeUndefined();
      await store.setCursor('sap/orders', '2026-01-05T00:00:00Z');
      await store.setCursor('sap/orders', '2026-01-05T01:00:00Z');
      expect(await store.cursor('sap/orders')).toBe('2026-01-05T01:00:00Z');
      await store.recordProblems('sap', 'order', [{ recordId: '42', problem: 'no work center' }], T0);
      await store.recordProblems(
        'sap',
        'order',
        [{ recordId: '42', problem: 'no work center' }],
        T0 + SECOND,
      );
      const problems = await store.listProblems(10, 'order');
      expect(problems).toEqual([
        { erpSystem: 'sap', kind: 'order', recordId: '42', problem: 'no work center', seenUs: T0 + SECOND },
      ]);
    });

    it('inserts a decision once, by its key or by its kind, reference and revision', async () => {
      const entry = {
        id: 'c0ffee00-0000-5000-8000-000000000001',
        kind: 'confirmation' as const,
        kilnRef: '1000123/0010',
        revision: 'final',
        assetId: 'acme/plant-1/line-1/press-1',
        payload: { yieldQuantity: 10 },
        createdUs: T0,
      };
      expect(await store.transaction((tx) => tx.insertOutbox(entry))).toBe(true);
      expect(await store.insertOutbox(entry)).toBe(false);
      expect(await store.insertOutbox({ ...entry, id: 'c0ffee00-0000-5000-8000-000000000002' })).toBe(false);
      expect(await store.outboxCounts()).toEqual({ pending: 1, sent: 0, failed: 0 });
    });

    it('claims a due row for one sender only, retries it later, then marks it sent', async () => {
      const id = 'c0ffee00-0000-5000-8000-000000000001';
      const [first, second] = await Promise.all([
        store.claimDue(T0 + SECOND, T0 + 60 * SECOND, 10),
        store.claimDue(T0 + SECOND, T0 + 60 * SECOND, 10),
      ]);
      expect([...(first ?? []), ...(second ?? [])].map((row) => row.id)).toEqual([id]);
      expect(await store.claimDue(T0 + 2 * SECOND, T0 + 60 * SECOND, 10)).toEqual([]);
      await store.markRetry(id, 'ErpUnavailableError: 503', T0 + 10 * SECOND);
      expect(await store.outboxEntry(id)).toMatchObject({
        status: 'pending',
        attempts: 1,
        nextAttemptUs: T0 + 10 * SECOND,
        lastError: 'ErpUnavailableError: 503',
      });
      expect(await store.claimDue(T0 + 9 * SECOND, T0 + 60 * SECOND, 10)).toEqual([]);
      expect(await store.claimDue(T0 + 10 * SECOND, T0 + 60 * SECOND, 10)).toHaveLength(1);
      await store.markSent(id, '4711', T0 + 11 * SECOND);
      await store.markFailed(id, 'too late');
      expect(await store.outboxEntry(id)).toMatchObject({
        status: 'sent',
        attempts: 2,
        erpRef: '4711',
        sentUs: T0 + 11 * SECOND,
        lastError: undefined,
      });
      expect(await store.claimDue(T0 + 100 * SECOND, T0 + 200 * SECOND, 10)).toEqual([]);
    });

    it('lists order operations of a site newest changed first, page after page', async () => {
      const site = 'lister/plant-1';
      const mill = `${site}/milling/line-1/mill-01`;
      await store.upsertOrders('sap', [
        order({ orderId: 'L-1', operationId: '0010', assetId: mill, changedTimeUs: T0 + MINUTE }),
        order({ orderId: 'L-1', operationId: '0020', assetId: mill, changedTimeUs: T0 + MINUTE }),
        order({ orderId: 'L-2', operationId: '0010', assetId: mill, status: 'running', changedTimeUs: T0 }),
        order({ orderId: 'L-3', operationId: '0010', assetId: `${site}x/a`, changedTimeUs: T0 + 2 * MINUTE }),
        order({ orderId: 'L-4', operationId: '0010', assetId: undefined, changedTimeUs: T0 + 3 * MINUTE }),
      ]);
      const keys = (rows: readonly { orderId: string; operationId: string }[]) =>
        rows.map((row) => `${row.orderId}/${row.operationId}`);
      const first = await store.listOrders({ assetPrefix: site, limit: 2 });
      expect(keys(first)).toEqual(['L-1/0020', 'L-1/0010']);
      const last = first[1];
      if (last === undefined) throw new Error('expected a second row');
      const after = {
        changedTimeUs: last.changedTimeUs,
        orderId: last.orderId,
        operationId: last.operationId,
      };
      expect(keys(await store.listOrders({ assetPrefix: site, limit: 2, after }))).toEqual(['L-2/0010']);
      expect(keys(await store.listOrders({ assetId: mill, statuses: ['running'], limit: 10 }))).toEqual([
        'L-2/0010',
      ]);
      expect(keys(await store.listOrders({ limit: 1 }))).toEqual(['L-4/0010']);
      await expect(store.listOrders({ limit: 0 })).rejects.toThrow('limit');
    });

    it('lists outbox rows of a site by status and kind, newest created first, with their errors', async () => {
      const site = 'outbox/plant-1';
      const press = `${site}/pressing/line-1/press-01`;
      // ob-6: an ERP order id holding '/' (issue 18: the site was parsed out of kilnRef, and this row of the
      // site's press fell out of it); ob-7 the other way round, another site's row whose ids look like this one's.
      const entries = [
        {
          id: 'ob-1',
          kind: 'confirmation' as const,
          kilnRef: `O-1/0010/${press}`,
          assetId: press,
          payload: {},
        },
        { id: 'ob-2', kind: 'notification' as const, kilnRef: 'alert-1', assetId: press, payload: {} },
        {
          id: 'ob-3',
          kind: 'confirmation' as const,
          kilnRef: `O-2/0010/${site}x/a`,
          assetId: `${site}x/a`,
          payload: {},
        },
        {
          id: 'ob-4',
          kind: 'notification' as const,
          kilnRef: 'alert-2',
          assetId: 'other/plant-9/a',
          payload: {},
        },
        {
          id: 'ob-5',
          kind: 'confirmation' as const,
          kilnRef: `O-3/0010/${press}`,
          assetId: press,
          payload: {},
        },
        {
          id: 'ob-6',
          kind: 'confirmation' as const,
          kilnRef: `PO/2026/7/0010/${press}`,
          assetId: press,
          payload: {},
        },
        {
          id: 'ob-7',
          kind: 'confirmation' as const,
          kilnRef: `X/Y/${press}/0010/other/plant-9/a`,
          assetId: 'other/plant-9/a',
          payload: {},
        },
      ];
      for (const [index, entry] of entries.entries()) {
        await store.insertOutbox({ ...entry, revision: 'final', createdUs: T0 + (index + 1) * MINUTE });
      }
      await store.markFailed('ob-1', 'ErpRefusedError: order O-1 is closed');
      const ids = (rows: readonly { id: string }[]) => rows.map((row) => row.id);
      expect(ids(await store.listOutboxEntries({ assetPrefix: site, limit: 10 }))).toEqual([
        'ob-6',
        'ob-5',
        'ob-2',
        'ob-1',
      ]);
      expect(ids(await store.listOutboxEntries({ assetPrefix: 'other/plant-9', limit: 10 }))).toEqual([
        'ob-7',
        'ob-4',
      ]);
      const page = await store.listOutboxEntries({
        assetPrefix: site,
        limit: 1,
        after: { createdUs: T0 + 5 * MINUTE, id: 'ob-5' },
      });
      expect(ids(page)).toEqual(['ob-2']);
      const failed = await store.listOutboxEntries({ statuses: ['failed'], kind: 'confirmation', limit: 10 });
      expect(failed).toEqual([
        expect.objectContaining({
          id: 'ob-1',
          status: 'failed',
          attempts: 1,
          lastError: 'ErpRefusedError: order O-1 is closed',
        }),
      ]);
      expect(
        ids(await store.listOutboxEntries({ kind: 'notification', statuses: ['pending'], limit: 10 })),
      ).toEqual(['ob-4', 'ob-2']);
      expect((await store.outboxEntry('ob-6'))?.assetId).toBe(press);
      await expect(store.listOutboxEntries({ statuses: ['lost' as 'sent'], limit: 1 })).rejects.toThrow(
        'outbox status "lost"',
      );
    });

    it('stores links both ways and keeps the first', async () => {
      const link = {
        kilnKind: 'alert',
        kilnRef: 'a-1',
        erpSystem: 'sap',
        erpKind: 'notification',
        erpRef: '100',
      };
      await store.addLink(link);
      await store.addLink({ ...link, erpRef: '101' });
      expect(await store.linkOfKiln('alert', 'a-1', 'sap')).toEqual(link);
      expect(await store.linkOfErp('sap', 'notification', '100')).toEqual(link);
      expect(await store.linkOfErp('sap', 'notification', '101')).toBeUndefined();
    });

    it('sums an order’s counts and clips machine states to its span', async () => {
      const s = `"${schema}"`;
      const at = (us: number) => new Date(us / 1000).toISOString();
      for (const [minute, good, scrap, orderId] of [
        [1, 10, 1, 'A'],
        [2, 12, 0, 'A'],
        [3, 5, 2, 'B'],
      ] as const) {
        await db.query(
          `INSERT INTO ${s}.production_counts (asset_id, time, total_count, good_count, scrap_count, order_id)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [PRESS, at(T0 + minute * MINUTE), good + scrap, good, scrap, orderId],
        );
      }
      expect(await store.orderCounts(PRESS, 'A')).toEqual({
        totalCount: 23,
        goodCount: 22,
        scrapCount: 1,
        firstUs: T0 + MINUTE,
        lastUs: T0 + 2 * MINUTE,
      });
      expect(await store.orderCounts(PRESS, 'none')).toMatchObject({ goodCount: 0, firstUs: undefined });
      // A count covers (previous time, time]: one stamped at a range's end is the range's, at its start not.
      expect(await store.orderCounts(PRESS, 'A', { fromUs: T0 + MINUTE })).toMatchObject({
        goodCount: 12,
        scrapCount: 0,
        firstUs: T0 + 2 * MINUTE,
      });
      expect(await store.orderCounts(PRESS, 'A', { toUs: T0 + MINUTE })).toMatchObject({
        goodCount: 10,
        scrapCount: 1,
        lastUs: T0 + MINUTE,
      });
      for (const [seconds, state] of [
        [0, 'CHANGEOVER'],
        [90, 'RUNNING'],
        [100, 'BREAKDOWN'],
        [110, 'RUNNING'],
        [200, 'IDLE'],
      ] as const) {
        await db.query(`INSERT INTO ${s}.machine_states (asset_id, time, state) VALUES ($1, $2, $3)`, [
          PRESS,
          at(T0 + seconds * SECOND),
          state,
        ]);
      }
      const durations = await store.stateDurations(PRESS, T0 + 60 * SECOND, T0 + 120 * SECOND);
      expect(Object.fromEntries(durations)).toEqual({ CHANGEOVER: 30, RUNNING: 20, BREAKDOWN: 10 });
    });

    it('keeps each asset’s current order and merges details into an alert', async () => {
      await store.setProgress({ assetId: PRESS, orderId: 'A', firstUs: T0, lastUs: T0 + MINUTE });
      expect(await store.transaction((tx) => tx.progressOf(PRESS, true))).toEqual({
        assetId: PRESS,
        orderId: 'A',
        firstUs: T0,
        lastUs: T0 + MINUTE,
      });
      await db.query(
        `INSERT INTO "${schema}".maintenance_alerts (alert_id, asset_id, cause, severity, status, opened_time,
           updated_time, details) VALUES ('a-1', $1, 'c', 'warning', 'open', now(), now(), '{"zone":"C"}')`,
        [PRESS],
      );
      const confirmed = { assetId: PRESS, orderId: 'A', firstUs: T0, lastUs: T0 + 70 * MINUTE };
      await store.setProgress({ ...confirmed, confirmedThroughUs: T0 + 60 * MINUTE });
      expect(await store.progressOf(PRESS)).toEqual({ ...confirmed, confirmedThroughUs: T0 + 60 * MINUTE });
      await store.setProgress({ ...confirmed, orderId: 'B' });
      expect(await store.progressOf(PRESS)).not.toHaveProperty('confirmedThroughUs');
      expect(await store.addAlertDetails('a-1', { erpNotification: '100' })).toBe(true);
      expect(await store.addAlertDetails('a-2', { erpNotification: '100' })).toBe(false);
      const { rows } = await db.query<{ details: unknown }>(
        `SELECT details FROM "${schema}".maintenance_alerts WHERE alert_id = 'a-1'`,
      );
      expect(rows[0]?.details).toEqual({ zone: 'C', erpNotification: '100' });
    });

    it('holds a final confirmation back while partial ones of its operation are pending', async () => {
      const confirmation = (id: string, revision: string) => ({
        id,
        kind: 'confirmation' as const,
        kilnRef: `P-1/0010/${PRESS}`,
        revision,
        assetId: PRESS,
        payload: { yieldQuantity: 1 },
        createdUs: T0,
      });
      const partial = 'c0ffee00-0000-5000-8000-0000000000a1';
      const final = 'c0ffee00-0000-5000-8000-0000000000a2';
      await store.insertOutbox(confirmation(final, 'final'));
      await store.insertOutbox(confirmation(partial, 'partial/2026-12-01T07:00:00.000Z'));
      const ids = async (nowUs: number) =>
        (await store.claimDue(nowUs, nowUs + 1, 10))
          .map((row) => row.id)
          .filter((id) => id === partial || id === final);
      expect(await ids(T0 + 1_000 * SECOND)).toEqual([partial]);
      await store.markSent(partial, '4712', T0 + 1_000 * SECOND);
      expect(await ids(T0 + 2_000 * SECOND)).toEqual([final]);
    });
  });
}

storeContract('plain PostgreSQL', async () => {
  const db = openPostgres();
  return { db, close: () => db.close() };
});

storeContract('TimescaleDB (PGlite)', async () => {
  const db = await PgliteDatabase.create();
  return { db, close: () => db.close() };
});
