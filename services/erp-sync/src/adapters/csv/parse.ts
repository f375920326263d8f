// Pure parsing of order lists and shift calendars exported as CSV (text in, records and problems out). A bad row is
// reported as `file:line` with its record id and skipped; the rest of the file goes on.
//
// Default columns (a header row names them; each can be renamed in the options):
//   orders: order_id, operation_id, work_center, material, material_description, target_quantity, unit,
//           ideal_cycle_time_s, status, scheduled_start, scheduled_end
//   shifts: work_center, shift_id, name, start, end, breaks, cancelled
// Times are ISO 8601, UTC when they carry no offset. `status` is an SAP code (REL, TECO...) or a Kiln name
// (released, closed...), `released` when empty. `breaks` is `HH:MM-HH:MM[ reason]` items separated by `;`, on the
// shift's day (or the next one, for a night shift past midnight), or ISO `start/end` pairs; a shift may also be
// given on several rows (same work_center and shift_id), each adding its breaks.
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { orderRecordProblem, shiftRecordProblem } from '../record-checks';
import { convertValue, orderStatusOf } from '../rest/mapping';
import type { ErpOrder, ErpShift, ErpShiftBreak, RecordProblem } from '../types';

export const csvOrderColumnsSchema = z.object({
  orderId: z.string().default('order_id'),
  operationId: z.string().default('operation_id'),
  workCenter: z.string().default('work_center'),
  material: z.string().default('material'),
  materialDescription: z.string().default('material_description'),
  targetQuantity: z.string().default('target_quantity'),
  unit: z.string().default('unit'),
  idealCycleTimeS: z.string().default('ideal_cycle_time_s'),
  status: z.string().default('status'),
  scheduledStart: z.string().default('scheduled_start'),
  scheduledEnd: z.string().default('scheduled_end'),
});
export const csvShiftColumnsSchema = z.object({
  workCenter: z.string().default('work_center'),
  shiftId: z.string().default('shift_id'),
  name: z.string().default('name'),
  start: z.string().default('start'),
  end: z.string().default('end'),
  breaks: z.string().default('breaks'),
  cancelled: z.string().default('cancelled'),
});
export type CsvOrderColumns = z.input<typeof csvOrderColumnsSchema>;
export type CsvShiftColumns = z.input<typeof csvShiftColumnsSchema>;

export interface CsvParseOptions<C> {
  /** Named in problems ("orders.csv:12"). */
  readonly file: string;
  readonly columns?: C;
  readonly delimiter?: string;
  /** Stamped on every record as its change time (the file's modification time). */
  readonly changedTimeUs: number;
}

export interface CsvParseResult<T> {
  readonly records: T[];
  readonly problems: RecordProblem[];
}

class RowProblem extends Error {}

interface Row {
  readonly line: number;
  readonly cell: (column: string) => string;
}

function rowsOf(text: string, file: string, delimiter: string): Row[] {
  let parsed: { record: Record<string, string>; info: { lines: number } }[];
  try {
    parsed = parse(text, {
      columns: true,
      info: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      delimiter,
      relax_column_count: true,
    });
  } catch (error) {
    throw new Error(
      `${file}: not readable as CSV (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  return parsed.map(({ record, info }) => ({ line: info.lines, cell: (column) => record[column] ?? '' }));
}

function required(row: Row, column: string): string {
  const value = row.cell(column);
  if (value === '') throw new RowProblem(`${column} is empty`);
  return value;
}

function numberCell(row: Row, column: string, fallback: number | undefined): number {
  const text = row.cell(column);
  if (text === '' && fallback !== undefined) return fallback;
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || value < 0) {
    throw new RowProblem(`${column} ${JSON.stringify(text)} is not a non-negative number`);
  }
  return value;
}

function timeCell(row: Row, column: string, isRequired: boolean): number {
  const text = isRequired ? required(row, column) : row.cell(column);
  if (text === '') return 0;
  try {
    return convertValue(text, 'isoTime') as number;
  } catch {
    throw new RowProblem(`${column} ${JSON.stringify(text)} is not an ISO 8601 time`);
  }
}

function problemOf(error: unknown, file: string, row: Row, recordId: string): RecordProblem {
  if (!(error instanceof RowProblem)) throw error;
  return {
    recordId: recordId === '' ? `${file}:${row.line}` : recordId,
    problem: `${file}:${row.line}: ${error.message}`,
  };
}

export function parseOrdersCsv(
  text: string,
  options: CsvParseOptions<CsvOrderColumns>,
): CsvParseResult<ErpOrder> {
  const col = csvOrderColumnsSchema.parse(options.columns ?? {});
  const result: CsvParseResult<ErpOrder> = { records: [], problems: [] };
  for (const row of rowsOf(text, options.file, options.delimiter ?? ',')) {
    try {
      const statusText = row.cell(col.status);
      const status = statusText === '' ? 'released' : orderStatusOf(statusText);
      if (status === undefined) {
        throw new RowProblem(`${col.status} ${JSON.stringify(statusText)} is not a known order status`);
      }
      const scheduledStartUs = timeCell(row, col.scheduledStart, false);
      const scheduledEndUs = timeCell(row, col.scheduledEnd, false);
      if (scheduledStartUs > 0 && scheduledEndUs > 0 && scheduledEndUs < scheduledStartUs) {
        throw new RowProblem(`${col.scheduledEnd} is before ${col.scheduledStart}`);
      }
      const order: ErpOrder = {
        orderId: required(row, col.orderId),
        operationId: row.cell(col.operationId),
        workCenter: required(row, col.workCenter),
        material: row.cell(col.material),
        materialDescription: row.cell(col.materialDescription),
        targetQuantity: numberCell(row, col.targetQuantity, undefined),
        quantityUnit: row.cell(col.unit),
        idealCycleTimeS: numberCell(row, col.idealCycleTimeS, 0),
        status,
        scheduledStartUs,
        scheduledEndUs,
        actualStartUs: 0,
        actualEndUs: 0,
        changedTimeUs: options.changedTimeUs,
      };
      const problem = orderRecordProblem(order, {
        orderId: col.orderId,
        operationId: col.operationId,
        workCenter: col.workCenter,
        material: col.material,
        materialDescription: col.materialDescription,
        targetQuantity: col.targetQuantity,
        quantityUnit: col.unit,
        idealCycleTimeS: col.idealCycleTimeS,
        scheduledStartUs: col.scheduledStart,
        scheduledEndUs: col.scheduledEnd,
      });
      if (problem !== undefined) throw new RowProblem(problem);
      result.records.push(order);
    } catch (error) {
      result.problems.push(problemOf(error, options.file, row, row.cell(col.orderId)));
    }
  }
  return result;
}

const DAY_US = 86_400_000_000;

/** One break item, `HH:MM-HH:MM[ reason]` on the shift's day, or `isoStart/isoEnd[ reason]`. */
function breakOf(item: string, startUs: number, endUs: number): ErpShiftBreak {
  const [span = '', ...reasonWords] = item.trim().split(/\s+/);
  const reason = reasonWords.join(' ');
  let range: [number, number];
  const clock = /^(\d{1,2}):(\d\d)-(\d{1,2}):(\d\d)$/.exec(span);
  if (clock !== null) {
    const dayUs = Math.floor(startUs / DAY_US) * DAY_US;
    const at = (h: string | undefined, m: string | undefined): number => {
      const t = dayUs + (Number(h) * 60 + Number(m)) * 60_000_000;
      return t < startUs ? t + DAY_US : t;
    };
    range = [at(clock[1], clock[2]), at(clock[3], clock[4])];
  } else {
    const [from = '', to = ''] = span.split('/');
    try {
      range = [convertValue(from, 'isoTime') as number, convertValue(to, 'isoTime') as number];
    } catch {
      throw new RowProblem(`break ${JSON.stringify(item.trim())} is neither HH:MM-HH:MM nor ISO start/end`);
    }
  }
  const [breakStart, breakEnd] = range;
  if (!(breakStart < breakEnd) || breakStart < startUs || breakEnd > endUs) {
    throw new RowProblem(`break ${JSON.stringify(item.trim())} does not lie inside the shift`);
  }
  return { startUs: breakStart, endUs: breakEnd, reason };
}

export function parseShiftsCsv(
  text: string,
  options: CsvParseOptions<CsvShiftColumns>,
): CsvParseResult<ErpShift> {
  const col = csvShiftColumnsSchema.parse(options.columns ?? {});
  const problems: RecordProblem[] = [];
  const shifts = new Map<string, ErpShift & { breaks: ErpShiftBreak[] }>();
  const bad = new Set<string>();
  for (const row of rowsOf(text, options.file, options.delimiter ?? ',')) {
    const key = `${row.cell(col.workCenter)}/${row.cell(col.shiftId)}`;
    try {
      const workCenter = required(row, col.workCenter);
      const shiftId = required(row, col.shiftId);
      const earlier = shifts.get(key);
      const startUs =
        row.cell(col.start) === '' && earlier !== undefined
          ? earlier.startUs
          : timeCell(row, col.start, true);
      const endUs =
        row.cell(col.end) === '' && earlier !== undefined ? earlier.endUs : timeCell(row, col.end, true);
      if (endUs <= startUs) throw new RowProblem(`${col.end} is not after ${col.start}`);
      if (earlier !== undefined && (earlier.startUs !== startUs || earlier.endUs !== endUs)) {
        throw new RowProblem(`shift ${key} is given again with other times`);
      }
      const breaks = row
        .cell(col.breaks)
        .split(';')
        .filter((item) => item.trim() !== '')
        .map((item) => breakOf(item, startUs, endUs));
      const cancelled = row.cell(col.cancelled);
      const shift = {
        workCenter,
        shiftId,
        name: row.cell(col.name) || shiftId,
        startUs,
        endUs,
        breaks,
        cancelled: cancelled === 'true' || cancelled === '1' || cancelled.toLowerCase() === 'yes',
        changedTimeUs: options.changedTimeUs,
      };
      const problem = shiftRecordProblem(shift, {
        workCenter: col.workCenter,
        shiftId: col.shiftId,
        name: col.name,
        startUs: col.start,
        endUs: col.end,
        breaks: col.breaks,
      });
      if (problem !== undefined) throw new RowProblem(problem);
      if (earlier !== undefined) {
        earlier.breaks.push(...breaks);
        continue;
      }
      shifts.set(key, shift);
    } catch (error) {
      bad.add(key);
      problems.push(problemOf(error, options.file, row, key));
    }
  }
  // A shift with one bad row is skipped whole: a calendar missing a break would overstate planned time.
  const records = [...shifts.entries()].filter(([key]) => !bad.has(key)).map(([, shift]) => shift);
  for (const shift of records) shift.breaks.sort((a, b) => a.startUs - b.startUs);
  return { records, problems };
}
