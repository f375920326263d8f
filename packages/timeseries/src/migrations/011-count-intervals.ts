// Count intervals (docs/oee.md, boundary rules): a production count covers (interval_start, time]. Its parts were
// made before `time`, so the window that ends at `time` gets them, and a count whose interval straddles a window
// boundary is shared between the windows by time. production_counts gains `interval_start` (NULL: the source did
// not say, and every row before this version: a point at `time`); the analysts get the counts as stored and per
// hour under the same rule: a point count in the hour with start < time <= end, an interval count prorated.
import { ANALYST_ROLE, analyticsSchemaName } from './005-analytics-views';
import type { Migration } from './types';

export const COUNT_ANALYTICS_VIEWS = ['production_counts', 'production_counts_hourly'] as const;

/** An hour in UTC, whatever the session's TimeZone (date_trunc on timestamptz follows it). */
const utcHour = (expression: string): string =>
  `(date_trunc('hour', (${expression}) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;

function countViews(s: string, a: string): string[] {
  const views = COUNT_ANALYTICS_VIEWS.map((view) => `${a}.${view}`).join(', ');
  // An interval of zero length (or a start after its end) counts as a point, as in the OEE core.
  const spread = `c.interval_start IS NOT NULL AND c.interval_start < c.time`;
  const lastInstant = `c.time - interval '1 microsecond'`;
  return [
    `CREATE OR REPLACE VIEW ${a}.production_counts AS
     SELECT asset_id, interval_start, time, total_count, good_count, scrap_count, order_id
       FROM ${s}.production_counts`,
    `CREATE OR REPLACE VIEW ${a}.production_counts_hourly AS
     SELECT c.asset_id, h.hour_start AS window_start, h.hour_start + interval '1 hour' AS window_end,
            sum(c.total_count * h.share) AS total_count, sum(c.good_count * h.share) AS good_count,
            sum(c.scrap_count * h.share) AS scrap_count, count(*) AS delta_count
       FROM ${s}.production_counts c
      CROSS JOIN LATERAL (
        SELECT hour_start,
               CASE WHEN ${spread}
                    THEN extract(epoch FROM least(c.time, hour_start + interval '1 hour')
                                          - greatest(c.interval_start, hour_start))
                         / extract(epoch FROM c.time - c.interval_start)
                    ELSE 1 END::double precision AS share
          FROM generate_series(${utcHour(`CASE WHEN ${spread} THEN c.interval_start ELSE ${lastInstant} END`)},
                               ${utcHour(lastInstant)}, interval '1 hour') AS hour_start
      ) h
      GROUP BY c.asset_id, h.hour_start`,
    `DO $analyst$
     BEGIN
       IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${ANALYST_ROLE}') THEN
         GRANT SELECT ON ${views} TO ${ANALYST_ROLE};
       END IF;
     END
     $analyst$`,
  ];
}

export const countIntervals: Migration = {
  version: 11,
  name: 'count-intervals',
  transactional: () => true,
  statements: ({ schema: s }) => [
    `ALTER TABLE ${s}.production_counts ADD COLUMN IF NOT EXISTS interval_start timestamptz NULL`,
    ...countViews(s, `"${analyticsSchemaName(s.slice(1, -1))}"`),
  ],
};
