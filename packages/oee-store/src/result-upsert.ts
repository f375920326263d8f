// Closed windows upserted in bulk on their natural key (asset, window kind, window start; docs/architecture.md section 3): one
// statement for any number of windows, so a replay changes nothing and a correction bumps the revision once.
import { OeeResult } from '@kiln/contracts';
import { epochUsOf, timestampParam, type Queryable } from '@kiln/timeseries';
import { kindName } from './window-kind';

export interface ResultToPublish {
  readonly message: OeeResult;
}

const keyOf = (assetId: string, kind: string, startUs: number): string =>
  JSON.stringify([assetId, kind, startUs]);

/**
 * Splits results into rounds with each key at most once (a statement may not update a row twice), keeping their
 * order: where two windows share a key (two orders starting together) the later one is stored last, as one by one.
 */
function rounds(results: readonly OeeResult[]): OeeResult[][] {
  const seen = new Map<string, number>();
  const out: OeeResult[][] = [];
  for (const result of results) {
    const key = keyOf(result.assetId, kindName(result.windowKind), result.windowStartUs);
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    (out[round] ??= []).push(result);
  }
  return out;
}

/**
 * Upserts closed windows computed at `computedTimeUs`. The revision grows only when the figures changed; a result
 * is returned (in the given order) when it changed or an earlier revision was never acknowledged on the bus.
 */
export async function upsertResults(
  db: Queryable,
  s: string,
  results: readonly OeeResult[],
  computedTimeUs: number,
): Promise<ResultToPublish[]> {
  const changed: ResultToPublish[] = [];
  for (const round of rounds(results)) changed.push(...(await upsertRound(db, s, round, computedTimeUs)));
  return changed;
}

async function upsertRound(
  db: Queryable,
  s: string,
  results: readonly OeeResult[],
  computedTimeUs: number,
): Promise<ResultToPublish[]> {
  if (results.length === 0) return [];
  const { rows } = await db.query<{
    asset_id: string;
    window_kind: string;
    start_us: number;
    revision: number;
    computed_us: number;
  }>(
    `INSERT INTO ${s}.oee_results AS r (asset_id, window_kind, window_start, window_end, window_ref,
       availability, performance, quality, oee, teep, planned_busy_time_s, total_count, good_count, figures,
       settings, computed_at)
     SELECT asset_id, window_kind, window_start, window_end, window_ref, availability, performance, quality, oee,
            teep, planned_busy_time_s, total_count, good_count, figures::jsonb, settings::jsonb, $16::timestamptz
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::float8[],
                   $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::float8[],
                   $13::float8[], $14::text[], $15::text[])
         AS n(asset_id, window_kind, window_start, window_end, window_ref, availability, performance, quality, oee,
              teep, planned_busy_time_s, total_count, good_count, figures, settings)
     ON CONFLICT (asset_id, window_kind, window_start) DO UPDATE SET
       window_end = EXCLUDED.window_end, window_ref = EXCLUDED.window_ref,
       availability = EXCLUDED.availability, performance = EXCLUDED.performance, quality = EXCLUDED.quality,
       oee = EXCLUDED.oee, teep = EXCLUDED.teep, planned_busy_time_s = EXCLUDED.planned_busy_time_s,
       total_count = EXCLUDED.total_count, good_count = EXCLUDED.good_count, figures = EXCLUDED.figures,
       settings = EXCLUDED.settings,
       revision = CASE WHEN r.figures = EXCLUDED.figures THEN r.revision ELSE r.revision + 1 END,
       computed_at = CASE WHEN r.figures = EXCLUDED.figures THEN r.computed_at ELSE EXCLUDED.computed_at END
     WHERE r.figures <> EXCLUDED.figures OR r.published_revision < r.revision
     RETURNING asset_id, window_kind, ${epochUsOf('window_start')} AS start_us, revision,
       ${epochUsOf('computed_at')} AS computed_us`,
    [
      results.map((r) => r.assetId),
      results.map((r) => kindName(r.windowKind)),
      results.map((r) => timestampParam(r.windowStartUs, 'window start')),
      results.map((r) => timestampParam(r.windowEndUs, 'window end')),
      results.map((r) => r.windowRef),
      results.map((r) => r.availability ?? null),
      results.map((r) => r.performance ?? null),
      results.map((r) => r.quality ?? null),
      results.map((r) => r.oee ?? null),
      results.map((r) => r.teep ?? null),
      results.map((r) => r.plannedBusyTimeS),
      results.map((r) => r.totalCount),
      results.map((r) => r.goodCount),
      results.map((r) => JSON.stringify(OeeResult.toJSON({ ...r, revision: 0, computedTimeUs: 0 }))),
      results.map((r) => JSON.stringify(r.settings ?? {})),
      timestampParam(computedTimeUs, 'computed time'),
    ],
  );
  const stored = new Map(rows.map((row) => [keyOf(row.asset_id, row.window_kind, row.start_us), row]));
  return results.flatMap((result) => {
    const row = stored.get(keyOf(result.assetId, kindName(result.windowKind), result.windowStartUs));
    if (row === undefined) return [];
    return [{ message: { ...result, revision: row.revision, computedTimeUs: row.computed_us } }];
  });
}
