// The figures a stored window must share with the core's computation over the same inputs.
import type { OeeResult } from '@kiln/contracts';
import type { OeeComputation } from '@kiln/oee';

export const KPIS = [
  'availability',
  'performance',
  'quality',
  'oee',
  'teep',
  'calendarTimeS',
  'plannedBusyTimeS',
  'actualProductionTimeS',
  'unplannedStopTimeS',
  'offlineTimeS',
  'microStopCount',
  'microStopTimeS',
  'totalCount',
  'goodCount',
  'scrapCount',
  'idealProductionTimeS',
  'mtbfS',
  'mttrS',
] as const;

/** Every KPI within 1e-9 of the core's; a KPI the core leaves absent (no planned time) is absent here too. */
export function expectSameAsCore(stored: OeeResult, reference: OeeComputation): void {
  for (const key of KPIS) {
    const expected = reference[key];
    const actual = stored[key];
    // closeTo(x, 9): |difference| < 5e-10, inside the 1e-9 of the acceptance.
    expect({ key, actual }).toEqual({
      key,
      actual: expected === undefined ? undefined : expect.closeTo(expected, 9),
    });
  }
}
