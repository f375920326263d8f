/** One engine cycle as recorded in NASA C-MAPSS: unit, cycle, 3 operational settings, 21 sensors. */
export interface EngineCycle {
  unit: number;
  cycle: number;
  /** Operational settings 1-3. */
  settings: number[];
  /** Sensor measurements 1-21; `sensors[0]` is sensor 1. */
  sensors: number[];
}

export const CMAPSS_SETTING_COUNT = 3;
export const CMAPSS_SENSOR_COUNT = 21;
const CMAPSS_COLUMN_COUNT = 2 + CMAPSS_SETTING_COUNT + CMAPSS_SENSOR_COUNT;

export class CmapssParseError extends Error {
  constructor(
    message: string,
    readonly lineNumber: number,
  ) {
    super(`C-MAPSS line ${lineNumber}: ${message}`);
    this.name = 'CmapssParseError';
  }
}

/**
 * Parses C-MAPSS text (space-separated, 26 columns per row; trailing blanks and empty lines allowed).
 * Throws CmapssParseError naming the line when a row has the wrong column count or a non-numeric value.
 */
export function parseCmapss(text: string): EngineCycle[] {
  const records: EngineCycle[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '') return;
    const fields = trimmed.split(/\s+/);
    if (fields.length !== CMAPSS_COLUMN_COUNT) {
      throw new CmapssParseError(
        `expected ${CMAPSS_COLUMN_COUNT} columns, found ${fields.length}`,
        index + 1,
      );
    }
    const values = fields.map((field) => Number(field));
    const badColumn = values.findIndex((value) => !Number.isFinite(value));
    if (badColumn >= 0) {
      throw new CmapssParseError(
        `column ${badColumn + 1} is not a number: "${fields[badColumn]}"`,
        index + 1,
      );
    }
    const [unit = NaN, cycle = NaN] = values;
    if (!Number.isInteger(unit) || !Number.isInteger(cycle)) {
      throw new CmapssParseError(`unit and cycle must be integers, found ${unit} and ${cycle}`, index + 1);
    }
    records.push({
      unit,
      cycle,
      settings: values.slice(2, 2 + CMAPSS_SETTING_COUNT),
      sensors: values.slice(2 + CMAPSS_SETTING_COUNT),
    });
  });
  return records;
}

/** Groups cycles by unit (units in ascending order), each unit's cycles sorted by cycle. */
export function groupByUnit(records: readonly EngineCycle[]): Map<number, EngineCycle[]> {
  const byUnit = new Map<number, EngineCycle[]>();
  for (const record of records) {
    const history = byUnit.get(record.unit);
    if (history) history.push(record);
    else byUnit.set(record.unit, [record]);
  }
  const sortedUnits = [...byUnit.keys()].sort((a, b) => a - b);
  return new Map(
    sortedUnits.map((unit) => [unit, (byUnit.get(unit) ?? []).slice().sort((a, b) => a.cycle - b.cycle)]),
  );
}

/**
 * Piecewise-linear RUL target of a run-to-failure history: cycles left until its last cycle, capped at
 * `rulCap` (a new engine shows no degradation, so its early RUL is unobservable beyond the cap).
 */
export function cappedRulTargets(runToFailure: readonly EngineCycle[], rulCap: number): number[] {
  const last = runToFailure[runToFailure.length - 1];
  if (!last) return [];
  return runToFailure.map((record) => Math.min(last.cycle - record.cycle, rulCap));
}
