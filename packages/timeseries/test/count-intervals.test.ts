// Issue 15, part 1, in storage and the analysts' views: a count covers (interval_start, time]. The historian keeps
// the interval start of a delta, and production_counts_hourly books a count stamped at the hour to the hour that
// ends there and shares a count straddling an hour by time.
import { analyticsSchemaName, HistorianWriter, migrate, type PgDatabase } from '../src';
import { dropSchema, HOUR, MINUTE, openPostgres, T0, uniqueSchema } from './support';

jest.setTimeout(60_000);

const ASSET = 'acme/plant-1/pressing/line-2/press-04';
const at = (epochUs: number): Date => new Date(epochUs / 1000);

describe('count intervals on PostgreSQL', () => {
  const schema = uniqueSchema('ci');
  const a = `"${analyticsSchemaName(schema)}"`;
  let db: PgDatabase;

  beforeAll(async () => {
    db = openPostgres();
    await migrate(db, { schema });
    // A point count at 07:00 (07:00 read once), an hourly count at 08:00, and 1,200 parts from 08:50 to 09:10.
    await new HistorianWriter(db, { schema }).writeProductionCountBatches([
      {
        assetId: ASSET,
        deltas: [
          { timeUs: T0 + 7 * HOUR, totalCount: 50, goodCount: 50, scrapCount: 0, orderId: '' },
          {
            timeUs: T0 + 8 * HOUR,
            intervalStartUs: T0 + 7 * HOUR,
            totalCount: 3600,
            goodCount: 3590,
            scrapCount: 10,
            orderId: 'A',
          },
          {
            timeUs: T0 + 9 * HOUR + 10 * MINUTE,
            intervalStartUs: T0 + 8 * HOUR + 50 * MINUTE,
            totalCount: 1200,
            goodCount: 1170,
            scrapCount: 30,
            orderId: 'A',
          },
        ],
      },
    ]);
  });

  afterAll(async () => {
    await dropSchema(db, schema);
    await db.close();
  });

  it('stores the interval start of a delta, NULL where the source gave none', async () => {
    const { rows } = await db.query(
      `SELECT interval_start, time, total_count FROM ${a}.production_counts WHERE asset_id = $1 ORDER BY time`,
      [ASSET],
    );
    expect(rows).toEqual([
      { interval_start: null, time: at(T0 + 7 * HOUR), total_count: 50 },
      { interval_start: at(T0 + 7 * HOUR), time: at(T0 + 8 * HOUR), total_count: 3600 },
      {
        interval_start: at(T0 + 8 * HOUR + 50 * MINUTE),
        time: at(T0 + 9 * HOUR + 10 * MINUTE),
        total_count: 1200,
      },
    ]);
  });

  it('books a count at the hour to the hour that ends there and prorates one straddling an hour', async () => {
    const { rows } = await db.query<{ window_start: Date; total_count: number; scrap_count: number }>(
      `SELECT window_start, total_count, scrap_count FROM ${a}.production_counts_hourly
        WHERE asset_id = $1 ORDER BY window_start`,
      [ASSET],
    );
    expect(rows.map((row) => [row.window_start, row.total_count, row.scrap_count])).toEqual([
      [at(T0 + 6 * HOUR), 50, 0],
      [at(T0 + 7 * HOUR), 3600, 10],
      [at(T0 + 8 * HOUR), 600, 15],
      [at(T0 + 9 * HOUR), 600, 15],
    ]);
  });
});
