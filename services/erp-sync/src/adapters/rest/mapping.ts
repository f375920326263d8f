// Pure mapping of an ERP's JSON onto ErpOrder / ErpShift records: each field is a JSON pointer (RFC 6901) into one
// item, or a constant, with a value conversion. Used by the REST adapter (pages it fetched) and by the webhook
// routes `POST /erp/orders` and `/erp/shifts` (bodies pushed to Kiln). No I/O, no clock.
//
// The default mapping reads Kiln's own record shape: items under `/items` (or the body itself when it is an
// array), each field under its ErpOrder/ErpShift name, times as ISO strings or epoch microseconds.
import { z } from 'zod';
import { orderRecordProblem, shiftRecordProblem } from '../record-checks';
import type { ErpOrder, ErpOrderStatusName, ErpShift, ErpShiftBreak, RecordProblem } from '../types';

/**
 * - `string`, `number`, `boolean`: the JSON value, numbers in strings accepted;
 * - `isoTime`: an ISO 8601 string (UTC when it has no offset); `epochMs`, `epochS`, `epochUs`: a number;
 * - `time` (the default of time fields): an ISO string, or a number of epoch microseconds;
 * - `status` (the default of `status`): the `values` map first, then SAP codes and Kiln's status names.
 */
export const valueConversion = z.enum([
  'string',
  'number',
  'boolean',
  'isoTime',
  'epochMs',
  'epochS',
  'epochUs',
  'time',
  'status',
]);
export type ValueConversion = z.infer<typeof valueConversion>;

export const fieldMapping = z.union([
  z.object({
    pointer: z.string().refine((p) => p === '' || p.startsWith('/'), 'a JSON pointer starts with "/"'),
    convert: valueConversion.optional(),
    /** ERP value -> value, applied before the conversion (e.g. status codes). */
    values: z.record(z.string(), z.string()).optional(),
  }),
  z.object({ const: z.union([z.string(), z.number(), z.boolean()]) }),
]);
export type FieldMapping = z.infer<typeof fieldMapping>;

const ORDER_FIELDS = {
  orderId: 'string',
  operationId: 'string',
  workCenter: 'string',
  material: 'string',
  materialDescription: 'string',
  targetQuantity: 'number',
  quantityUnit: 'string',
  idealCycleTimeS: 'number',
  status: 'status',
  scheduledStartUs: 'time',
  scheduledEndUs: 'time',
  actualStartUs: 'time',
  actualEndUs: 'time',
  changedTimeUs: 'time',
} as const satisfies Record<keyof ErpOrder, ValueConversion>;
const REQUIRED_ORDER_FIELDS = new Set<keyof ErpOrder>(['orderId', 'workCenter', 'targetQuantity', 'status']);

const SHIFT_FIELDS = {
  workCenter: 'string',
  shiftId: 'string',
  name: 'string',
  startUs: 'time',
  endUs: 'time',
  cancelled: 'boolean',
  changedTimeUs: 'time',
} as const satisfies Record<Exclude<keyof ErpShift, 'breaks'>, ValueConversion>;
const REQUIRED_SHIFT_FIELDS = new Set<string>(['workCenter', 'shiftId', 'startUs', 'endUs']);

const fieldsOf = <K extends string>(fields: Record<K, ValueConversion>) =>
  z.object(
    Object.fromEntries(
      Object.keys(fields).map((k) => [k, fieldMapping.default({ pointer: `/${k}` })]),
    ) as Record<K, z.ZodDefault<typeof fieldMapping>>,
  );

export const restOrderMapping = z.object({
  /** Pointer to the array of items in a page; '' when the body is the array. */
  items: z.string().default('/items'),
  fields: fieldsOf(ORDER_FIELDS).prefault({}),
});
export type RestOrderMapping = z.input<typeof restOrderMapping>;

export const restShiftMapping = z.object({
  items: z.string().default('/items'),
  fields: fieldsOf(SHIFT_FIELDS).prefault({}),
  breaks: z
    .object({
      /** Pointer to the array of breaks inside a shift item. */
      pointer: z.string().default('/breaks'),
      start: fieldMapping.default({ pointer: '/startUs' }),
      end: fieldMapping.default({ pointer: '/endUs' }),
      reason: fieldMapping.default({ pointer: '/reason' }),
    })
    .prefault({}),
});
export type RestShiftMapping = z.input<typeof restShiftMapping>;

/** Resolves an RFC 6901 JSON pointer; undefined when a step is missing. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(token)) current = current[Number(token)];
    else if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
      current = Object.hasOwn(current, token) ? (current as Record<string, unknown>)[token] : undefined;
    } else return undefined;
  }
  return current;
}

const STATUS_NAMES: Record<string, ErpOrderStatusName> = {
  CRTD: 'planned',
  REL: 'released',
  PCNF: 'running',
  CNF: 'completed',
  TECO: 'closed',
  CLSD: 'closed',
  DLT: 'cancelled',
  planned: 'planned',
  released: 'released',
  running: 'running',
  completed: 'completed',
  closed: 'closed',
  cancelled: 'cancelled',
};

/** A status as SAP code or Kiln name (after an optional ERP value map); undefined when unknown. */
export function orderStatusOf(value: string): ErpOrderStatusName | undefined {
  return Object.hasOwn(STATUS_NAMES, value) ? STATUS_NAMES[value] : undefined;
}

class ConversionProblem extends Error {}

function timeUs(value: unknown, unitUs: number | 'iso' | 'auto'): number {
  if (typeof value === 'string' && (unitUs === 'iso' || unitUs === 'auto')) {
    const text = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
    const ms = Date.parse(text.replace(' ', 'T'));
    if (Number.isNaN(ms)) throw new ConversionProblem(`${JSON.stringify(value)} is not an ISO 8601 time`);
    return ms * 1000;
  }
  if (typeof value === 'number' && Number.isFinite(value) && unitUs !== 'iso') {
    return Math.round(value * (unitUs === 'auto' ? 1 : unitUs));
  }
  throw new ConversionProblem(`${JSON.stringify(value)} is not a time`);
}

/** Converts one value; undefined (missing/null) stays undefined. */
export function convertValue(value: unknown, conversion: ValueConversion): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  switch (conversion) {
    case 'string':
      if (typeof value === 'string' || typeof value === 'number') return String(value);
      throw new ConversionProblem(`${JSON.stringify(value)} is not a string`);
    case 'number': {
      const n = typeof value === 'string' ? Number(value.trim()) : value;
      if (typeof n === 'number' && Number.isFinite(n)) return n;
      throw new ConversionProblem(`${JSON.stringify(value)} is not a number`);
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1' || value === 1) return true;
      if (value === 'false' || value === '0' || value === 0) return false;
      throw new ConversionProblem(`${JSON.stringify(value)} is not a boolean`);
    case 'status': {
      const status = typeof value === 'string' ? orderStatusOf(value) : undefined;
      if (status === undefined) {
        throw new ConversionProblem(`${JSON.stringify(value)} is not a known order status`);
      }
      return status;
    }
    case 'isoTime':
      return timeUs(value, 'iso');
    case 'epochMs':
      return timeUs(value, 1000);
    case 'epochS':
      return timeUs(value, 1_000_000);
    case 'epochUs':
      return timeUs(value, 1);
    case 'time':
      return timeUs(value, 'auto');
  }
}

function fieldValue(item: unknown, mapping: FieldMapping, fallback: ValueConversion): unknown {
  if ('const' in mapping) return mapping.const;
  let raw = resolvePointer(item, mapping.pointer);
  if (mapping.values !== undefined && (typeof raw === 'string' || typeof raw === 'number')) {
    raw = Object.hasOwn(mapping.values, String(raw)) ? mapping.values[String(raw)] : raw;
  }
  return convertValue(raw, mapping.convert ?? fallback);
}

const EMPTY: Record<ValueConversion, unknown> = {
  string: '',
  number: 0,
  boolean: false,
  isoTime: 0,
  epochMs: 0,
  epochS: 0,
  epochUs: 0,
  time: 0,
  status: undefined,
};

function mapFields(
  item: unknown,
  kinds: Record<string, ValueConversion>,
  mappings: Record<string, FieldMapping>,
  required: Set<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [field, kind] of Object.entries(kinds)) {
    const mapping = mappings[field] ?? { pointer: `/${field}` };
    try {
      const value = fieldValue(item, mapping, kind);
      if (value === undefined && required.has(field)) problems.push(`${field} is missing`);
      out[field] = value ?? EMPTY[kind];
    } catch (error) {
      problems.push(`${field}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (problems.length > 0) throw new ConversionProblem(problems.join('; '));
  return out;
}

function itemsOf(json: unknown, pointer: string): unknown[] {
  const items = Array.isArray(json) ? json : resolvePointer(json, pointer);
  if (!Array.isArray(items)) {
    throw new TypeError(`No array of items at ${JSON.stringify(pointer)} in the ERP's answer`);
  }
  return items;
}

function recordIdOf(item: unknown, mapping: FieldMapping | undefined, index: number): string {
  const raw =
    mapping !== undefined && 'pointer' in mapping ? resolvePointer(item, mapping.pointer) : undefined;
  const id = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : '';
  return id === '' ? `item ${index}` : id;
}

export interface MappedRecords<T> {
  readonly records: T[];
  readonly problems: RecordProblem[];
}

/** Maps a page (or webhook body) of orders; a bad item becomes a problem with its id, the rest go on. */
export function mapRestOrders(json: unknown, mapping: RestOrderMapping = {}): MappedRecords<ErpOrder> {
  const parsed = restOrderMapping.parse(mapping);
  const result: MappedRecords<ErpOrder> = { records: [], problems: [] };
  itemsOf(json, parsed.items).forEach((item, index) => {
    try {
      const order = mapFields(
        item,
        ORDER_FIELDS,
        parsed.fields,
        REQUIRED_ORDER_FIELDS,
      ) as unknown as ErpOrder;
      if (order.targetQuantity < 0 || order.idealCycleTimeS < 0) {
        throw new ConversionProblem('negative quantity or cycle time');
      }
      const problem = orderRecordProblem(order);
      if (problem !== undefined) throw new ConversionProblem(problem);
      result.records.push(order);
    } catch (error) {
      if (!(error instanceof ConversionProblem)) throw error;
      result.problems.push({
        recordId: recordIdOf(item, parsed.fields.orderId, index),
        problem: error.message,
      });
    }
  });
  return result;
}

/** Maps a page (or webhook body) of shifts, with their breaks. */
export function mapRestShifts(json: unknown, mapping: RestShiftMapping = {}): MappedRecords<ErpShift> {
  const parsed = restShiftMapping.parse(mapping);
  const result: MappedRecords<ErpShift> = { records: [], problems: [] };
  itemsOf(json, parsed.items).forEach((item, index) => {
    try {
      const shift = mapFields(item, SHIFT_FIELDS, parsed.fields, REQUIRED_SHIFT_FIELDS);
      const rawBreaks = resolvePointer(item, parsed.breaks.pointer) ?? [];
      if (!Array.isArray(rawBreaks)) throw new ConversionProblem('breaks is not a list');
      const breaks: ErpShiftBreak[] = rawBreaks.map((b, breakIndex) => {
        try {
          return mapFields(
            b,
            { startUs: 'time', endUs: 'time', reason: 'string' },
            { startUs: parsed.breaks.start, endUs: parsed.breaks.end, reason: parsed.breaks.reason },
            new Set(['startUs', 'endUs']),
          ) as unknown as ErpShiftBreak;
        } catch (error) {
          if (!(error instanceof ConversionProblem)) throw error;
          throw new ConversionProblem(`breaks[${breakIndex}]: ${error.message}`);
        }
      });
      const record = { ...shift, breaks } as unknown as ErpShift;
      if (record.endUs <= record.startUs) throw new ConversionProblem('the shift ends before it starts');
      const problem = shiftRecordProblem(record);
      if (problem !== undefined) throw new ConversionProblem(problem);
      result.records.push(record);
    } catch (error) {
      if (!(error instanceof ConversionProblem)) throw error;
      const shiftKey = recordIdOf(item, parsed.fields.shiftId, index);
      const center = recordIdOf(item, parsed.fields.workCenter, index);
      result.problems.push({ recordId: `${center}/${shiftKey}`, problem: error.message });
    }
  });
  return result;
}

/**
 * An outgoing body: target JSON pointer -> source (a pointer into the Kiln record, or a constant). Without a
 * template the record itself is the body.
 */
export const bodyTemplate = z.record(
  z.string().refine((p) => p.startsWith('/'), 'a target JSON pointer starts with "/"'),
  z.union([
    z.object({ pointer: z.string() }),
    z.object({ const: z.union([z.string(), z.number(), z.boolean()]) }),
  ]),
);
export type BodyTemplate = z.infer<typeof bodyTemplate>;

/** Builds a body from a template; a source that is undefined leaves its target out. */
export function buildBody(record: object, template: BodyTemplate | undefined): unknown {
  if (template === undefined) return record;
  const body: Record<string, unknown> = {};
  for (const [target, source] of Object.entries(template)) {
    const value = 'const' in source ? source.const : resolvePointer(record, source.pointer);
    if (value === undefined) continue;
    const tokens = target
      .slice(1)
      .split('/')
      .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
    let node = body;
    tokens.slice(0, -1).forEach((token) => {
      const child = node[token];
      node[token] = typeof child === 'object' && child !== null ? child : {};
      node = node[token] as Record<string, unknown>;
    });
    node[tokens[tokens.length - 1] ?? ''] = value;
  }
  return body;
}
