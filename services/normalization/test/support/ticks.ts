// A steady run of the test plant, one record per tick, and what the historian must hold after it: every
// sample once, counter deltas adding up to the counters' true increase, every state change once.
import type { RawSampleBatch } from '@kiln/contracts';
import type { TestDatabase } from './db';
import { rawBatch, SECOND_US, T0_US, tickSamples, type TestPlant } from './plant';

/** Telemetry rows per tick: temperature and parts-total of two machines. */
export const ROWS_PER_TICK = 4;

/** Records of ticks `from` (inclusive) to `to` (exclusive), each tick its own record. */
export function ticks(plant: TestPlant, from: number, to: number): RawSampleBatch[] {
  return Array.from({ length: to - from }, (_, n) =>
    rawBatch(plant, tickSamples(from + n, T0_US + (from + n) * SECOND_US)),
  );
}

/** The historian holds ticks 0 to `ticksCount` exactly once. */
export async function expectExactlyOnce(
  database: TestDatabase,
  plant: TestPlant,
  ticksCount: number,
): Promise<void> {
  expect(await database.count(`SELECT count(*) AS n FROM $schema.telemetry`)).toBe(
    ROWS_PER_TICK * ticksCount,
  );
  const { rows } = await database.db.query<{ asset_id: string; total: number; n: string }>(
    `SELECT asset_id, sum(total_count) AS total, count(*) AS n FROM "${database.schema}".production_counts
      GROUP BY asset_id ORDER BY asset_id`,
  );
  // One delta per tick after the first (the baseline), summing to the counters' true increase.
  expect(rows.map((row) => [row.asset_id, Number(row.total), Number(row.n)])).toEqual([
    [plant.assetId('m1'), 3 * (ticksCount - 1), ticksCount - 1],
    [plant.assetId('m2'), 2 * (ticksCount - 1), ticksCount - 1],
  ]);
  const breakdowns = Math.floor((ticksCount - 7) / 7) + 1;
  expect(
    await database.count(`SELECT count(*) AS n FROM $schema.machine_states WHERE asset_id = $1`, [
      plant.assetId('m1'),
    ]),
  ).toBe(1 + 2 * breakdowns);
}
