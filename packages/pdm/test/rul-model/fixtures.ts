import type { EngineCycle } from '../../src/rul-model';

/** Formats cycles the way C-MAPSS files do: 26 space-separated columns, trailing blanks. */
export function toCmapssText(records: readonly EngineCycle[]): string {
  return (
    records.map((r) => [r.unit, r.cycle, ...r.settings, ...r.sensors].join(' ') + '  ').join('\n') + '\n'
  );
}

/**
 * Synthetic run-to-failure fleet: sensor 2 drifts up and sensor 3 down as an engine nears failure (after a
 * healthy plateau), the others are noise or constant. Unit u lives 60 + 7u cycles.
 */
export function syntheticFleet(unitCount: number, noise = 0.05): EngineCycle[] {
  let state = 12345;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  };
  const records: EngineCycle[] = [];
  for (let unit = 1; unit <= unitCount; unit++) {
    const life = 60 + 7 * unit;
    for (let cycle = 1; cycle <= life; cycle++) {
      const wear = Math.max(0, 50 - (life - cycle)) / 50;
      const sensors = Array.from({ length: 21 }, (_, s) => (s === 0 ? 518.67 : random() * noise));
      sensors[1] = 640 + 5 * wear + random() * noise;
      sensors[2] = 1590 - 8 * wear + random() * noise;
      records.push({ unit, cycle, settings: [0, 0, 100], sensors });
    }
  }
  return records;
}
