// The latency poller on real PostgreSQL: probe rows of different signals become visible out of time order (they
// travel in different partitions), and each must still be seen once.
import { Client } from 'pg';
import { createSchema, dropSchema, ProbePoller, probeRowsSql, quoteIdentifier } from '../src/database';

const url = process.env.KILN_E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `kiln_probe_poller_${process.pid}`;
let client: Client;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  await createSchema(url, schema);
  client = new Client({ connectionString: url });
  await client.connect();
  await client.query(
    `CREATE TABLE ${quoteIdentifier(schema)}.telemetry (signal_id int4, time timestamptz, PRIMARY KEY (signal_id, time))`,
  );
});

afterAll(async () => {
  await client.end();
  await dropSchema(url, schema);
});

async function insert(signalId: number, timeMs: number): Promise<void> {
  await client.query(
    `INSERT INTO ${quoteIdentifier(schema)}.telemetry VALUES ($1, TIMESTAMPTZ 'epoch' + $2::int8 * INTERVAL '1 millisecond')`,
    [signalId, timeMs],
  );
}

it('sees a probe that becomes visible after a later one of another signal, and a late one of the same signal', async () => {
  const poller = new ProbePoller(client, schema, [1, 2], 20);
  poller.start();
  try {
    const t0 = Date.now();
    await insert(1, t0 + 300);
    await sleep(100);
    // Older than the newest probe seen so far, from another signal: a single cursor over all signals passed it.
    await insert(2, t0 + 100);
    await sleep(100);
    await insert(1, t0 + 400);
    await sleep(100);
    // Older than its own signal's newest: only the once-a-second sweep finds it.
    await insert(1, t0 + 200);
    await sleep(1500);
    const seen = poller
      .between(t0, t0 + 1000)
      .map((one) => one.sampleMs - t0)
      .sort((a, b) => a - b);
    expect(seen).toEqual([100, 200, 300, 400]);
  } finally {
    poller.stop();
  }
});

it('reads each probe signal by its index, not the whole table, before the table is analyzed', async () => {
  const table = `${quoteIdentifier(schema)}.telemetry`;
  await client.query(
    `INSERT INTO ${table} SELECT s, TIMESTAMPTZ '2026-01-01' + n * INTERVAL '1 second'
       FROM generate_series(1, 60) AS s, generate_series(1, 5000) AS n`,
  );
  const ids = Array.from({ length: 51 }, (_, i) => i + 1);
  // At tens of millions of rows without statistics the planner prefers to hash the ids and scan the table; at
  // this test's size it needs to be told to dislike loops to show what it then does.
  await client.query('SET enable_nestloop = off');
  const { rows } = await client
    .query<{ 'QUERY PLAN': string }>(`EXPLAIN ${probeRowsSql(schema)}`, [ids, ids.map(() => 0)])
    .finally(() => client.query('RESET enable_nestloop'));
  const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
  expect(plan).not.toMatch(/Seq Scan on telemetry/);
  expect(plan).toMatch(/Index|Bitmap/);
});
