// Migration 13 gives every outbox row its asset in a column: rows written before it get theirs from what tells it
// for sure (a notification's payload; the order operation whose `order/operation/asset` is exactly a
// confirmation's kiln_ref), and a row nothing tells stays without one, seen only with every site.
import { migrate, migrations, type PgDatabase } from '../src';
import { dropSchema, openPostgres, uniqueSchema } from './support';

const schema = uniqueSchema('outbox13');
let db: PgDatabase;

beforeAll(async () => {
  db = openPostgres();
  await migrate(db, { schema, timescale: 'off', migrations: migrations.filter((one) => one.version < 13) });
});

afterAll(async () => {
  await dropSchema(db, schema);
  await db.close();
});

it('fills the asset of the outbox rows written before it, where they tell it for sure', async () => {
  const press = 'acme/plant-1/pressing/line-1/press-1';
  await db.query(
    `INSERT INTO "${schema}".erp_orders (erp_system, order_id, operation_id, work_center, asset_id, status, changed_time)
     VALUES ('sap', 'PO/2026/7', '0010', 'PRESS1', $1, 'completed', now())`,
    [press],
  );
  const row = (id: string, kind: string, kilnRef: string, payload: unknown) =>
    db.query(
      `INSERT INTO "${schema}".erp_outbox (id, kind, kiln_ref, revision, payload, status, attempts, next_attempt_at,
         created_at) VALUES ($1, $2, $3, 'final', $4::jsonb, 'pending', 0, now(), now())`,
      [id, kind, kilnRef, JSON.stringify(payload)],
    );
  await row('n-1', 'notification', 'alert-1', { assetId: press });
  await row('c-1', 'confirmation', `PO/2026/7/0010/${press}`, {});
  // No order operation answers to it: its asset cannot be told for sure.
  await row('c-2', 'confirmation', `PO-9/0010/${press}`, {});
  await migrate(db, { schema, timescale: 'off' });
  const { rows } = await db.query<{ id: string; asset_id: string | null }>(
    `SELECT id, asset_id FROM "${schema}".erp_outbox ORDER BY id`,
  );
  expect(rows).toEqual([
    { id: 'c-1', asset_id: press },
    { id: 'c-2', asset_id: null },
    { id: 'n-1', asset_id: press },
  ]);
});
