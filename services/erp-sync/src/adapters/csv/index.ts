// The CSV adapter: orders and shift calendars from files an ERP exports (or a planner maintains), parsed by
// parse.ts. The cursor of a file is its modification time and size: an unchanged file reads nothing new, a changed
// one is read whole (its records are upserts, so re-reading is harmless). Writes are not supported: a CSV ERP
// takes nothing back.
import { stat, readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  ErpUnavailableError,
  type ErpAdapter,
  type ErpOrder,
  type ErpShift,
  type ReadResult,
} from '../types';
import {
  csvOrderColumnsSchema,
  csvShiftColumnsSchema,
  parseOrdersCsv,
  parseShiftsCsv,
  type CsvParseResult,
} from './parse';

export {
  csvOrderColumnsSchema,
  csvShiftColumnsSchema,
  parseOrdersCsv,
  parseShiftsCsv,
  type CsvOrderColumns,
  type CsvParseOptions,
  type CsvParseResult,
  type CsvShiftColumns,
} from './parse';

export const csvAdapterOptionsSchema = z.object({
  ordersPath: z.string().min(1),
  shiftsPath: z.string().min(1).optional(),
  delimiter: z.string().length(1).default(','),
  orderColumns: csvOrderColumnsSchema.prefault({}),
  shiftColumns: csvShiftColumnsSchema.prefault({}),
});
export type CsvAdapterOptions = z.input<typeof csvAdapterOptionsSchema>;

export class CsvAdapter implements ErpAdapter {
  readonly system = 'csv';
  private readonly options: z.infer<typeof csvAdapterOptionsSchema>;

  constructor(options: CsvAdapterOptions) {
    this.options = csvAdapterOptionsSchema.parse(options);
  }

  async readOrders(since: string | undefined): Promise<ReadResult<ErpOrder>> {
    const { delimiter, orderColumns: columns } = this.options;
    return this.readCsvFile(this.options.ordersPath, since, (text, file, changedTimeUs) =>
      parseOrdersCsv(text, { file, columns, delimiter, changedTimeUs }),
    );
  }

  async readShifts(since: string | undefined): Promise<ReadResult<ErpShift>> {
    const path = this.options.shiftsPath;
    if (path === undefined) return { records: [], problems: [], cursor: since };
    const { delimiter, shiftColumns: columns } = this.options;
    return this.readCsvFile(path, since, (text, file, changedTimeUs) =>
      parseShiftsCsv(text, { file, columns, delimiter, changedTimeUs }),
    );
  }

  private async readCsvFile<T>(
    path: string,
    since: string | undefined,
    parseText: (text: string, file: string, changedTimeUs: number) => CsvParseResult<T>,
  ): Promise<ReadResult<T>> {
    let text: string;
    let cursor: string;
    let changedTimeUs: number;
    try {
      const before = await stat(path);
      cursor = `${Math.trunc(before.mtimeMs)}:${before.size}`;
      if (cursor === since) return { records: [], problems: [], cursor: since };
      text = await readFile(path, 'utf8');
      changedTimeUs = Math.trunc(before.mtimeMs * 1000);
    } catch (error) {
      // A file being replaced or a share that is down: try again at the next sync.
      throw new ErpUnavailableError(
        `Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const { records, problems } = parseText(text, path, changedTimeUs);
    return { records, problems, cursor };
  }
}
