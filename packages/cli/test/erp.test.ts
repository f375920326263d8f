// kiln start with its ERP: the simulated factory's ERP (SAP face) releases the orders the machines run, erp-sync
// reads them with the ideal cycle time of each operation into OEE, and confirms every order a machine completes
// with the parts Kiln counted for it. (SAP has no shift calendar API here: shifts stay the embedded calendar.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@kiln/test-infra';
import { PgliteDatabase } from '@kiln/timeseries';
import { exitWithin, freePort, KILN_MAIN, run, waitForReady } from './support';

const ADMIN_KEY = 'kiln_erp_e2e_admin_key_0123456789abcdef';
const scratch = mkdtempSync(join(tmpdir(), 'kiln-erp-'));
const dataDir = join(scratch, 'data');
/** 07:00 UTC yesterday, run 120 times faster than real time: orders of a few hundred 10 s parts complete. */
const simStartMs = (() => {
  const day = new Date(Date.now() - 86_400_000);
  return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 7, 0, 0);
})();

async function metric(base: string, name: string, labels: string): Promise<number> {
  const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const text = await response.text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}{`) && entry.includes(labels));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('kiln start with its ERP', () => {
  it('syncs orders in and confirms completed orders with the counted parts', async () => {
    const port = await freePort();
    const config = join(scratch, 'kiln.yaml');
    writeFileSync(
      config,
      [
        'simulator:',
        `  startTime: '${new Date(simStartMs).toISOString()}'`,
        'normalization:',
        '  maxClockSkewMs: 259200000',
        '',
      ].join('\n'),
    );
    const kiln = run(KILN_MAIN, ['start', '--config', config], {
      KILN_DATA_DIR: dataDir,
      KILN_HTTP_HOST: '127.0.0.1',
      KILN_HTTP_PORT: String(port),
      KILN_GRPC_PORT: '0',
      KILN_SIMULATOR_OPCUA_PORT: '0',
      KILN_SIMULATOR_SPEED_FACTOR: '120',
      KILN_ADMIN_API_KEY: ADMIN_KEY,
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForReady(base, kiln, 60_000);
      await waitUntil(
        async () => (await metric(base, 'kiln_erp_records_published_total', 'kind="order"')) >= 8,
        {
          timeoutMs: 60_000,
          intervalMs: 1_000,
          what: 'the orders of the 8 machines read from the ERP',
        },
      );
      await waitUntil(async () => (await metric(base, 'kiln_erp_outbox_rows', 'status="sent"')) >= 1, {
        timeoutMs: 150_000,
        intervalMs: 2_000,
        what: 'a completed order confirmed to the ERP',
        describe: () => kiln.stdout().slice(-2_000),
      });
    } finally {
      kiln.child.kill('SIGTERM');
      expect((await exitWithin(kiln, 15_000)).code).toBe(0);
    }

    const db = await PgliteDatabase.create({ dataDir: join(dataDir, 'db') });
    try {
      // Each machine's running order reached OEE with the ideal cycle time of its ERP operation.
      const { rows: orders } = await db.query<{
        asset_id: string;
        order_id: string;
        ideal_cycle_time_s: number;
      }>(
        `SELECT asset_id, order_id, ideal_cycle_time_s FROM kiln.production_orders WHERE start_time IS NOT NULL`,
      );
      expect(new Set(orders.map((order) => order.asset_id)).size).toBe(8);
      for (const order of orders) {
        expect(order.order_id).toMatch(/^ORD-L\dM\d\d-\d{5}$/);
        expect([8.5, 10, 12].some((ideal) => Math.abs(order.ideal_cycle_time_s - ideal) < 1e-9)).toBe(true);
      }
      // Every confirmation sent carries the good and scrap parts Kiln counted for that order on that machine.
      const { rows: sent } = await db.query<{
        payload: { orderId: string; yieldQuantity: number; scrapQuantity: number };
        kiln_ref: string;
      }>(`SELECT payload, kiln_ref FROM kiln.erp_outbox WHERE kind = 'confirmation' AND status = 'sent'`);
      expect(sent.length).toBeGreaterThanOrEqual(1);
      for (const row of sent) {
        const assetId = row.kiln_ref.split('/').slice(2).join('/');
        const { rows: counted } = await db.query<{ good: number; scrap: number }>(
          `SELECT coalesce(sum(good_count), 0)::float8 AS good, coalesce(sum(scrap_count), 0)::float8 AS scrap
             FROM kiln.production_counts WHERE asset_id = $1 AND order_id = $2`,
          [assetId, row.payload.orderId],
        );
        expect([row.payload.yieldQuantity, row.payload.scrapQuantity]).toEqual([
          counted[0]?.good,
          counted[0]?.scrap,
        ]);
      }
    } finally {
      await db.close();
    }
  }, 300_000);
});
