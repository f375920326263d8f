// The generic REST adapter: orders and shift calendars from JSON endpoints (paged by a `next` link or by page
// numbers, mapped field by field with JSON pointers, mapping.ts), confirmations and maintenance requests POSTed with
// an `Idempotency-Key` header so the ERP answers a replay with the first result instead of booking twice.
import { z } from 'zod';
import {
  ErpRejectedError,
  type ErpAdapter,
  type ErpOrder,
  type ErpShift,
  type MaintenanceRequest,
  type OrderConfirmation,
  type PostResult,
  type ReadResult,
  type RecordProblem,
} from '../types';
import { exchangeJson, redact } from './http';
import {
  bodyTemplate,
  buildBody,
  mapRestOrders,
  mapRestShifts,
  resolvePointer,
  restOrderMapping,
  restShiftMapping,
  type MappedRecords,
} from './mapping';

export {
  bodyTemplate,
  buildBody,
  convertValue,
  fieldMapping,
  mapRestOrders,
  mapRestShifts,
  orderStatusOf,
  resolvePointer,
  restOrderMapping,
  restShiftMapping,
  valueConversion,
  type BodyTemplate,
  type FieldMapping,
  type MappedRecords,
  type RestOrderMapping,
  type RestShiftMapping,
  type ValueConversion,
} from './mapping';
export { exchangeJson } from './http';

const auth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: z.string() }),
  z.object({ type: z.literal('bearer'), token: z.string().min(1) }),
]);

const paging = z.discriminatedUnion('type', [
  /** The page carries the URL of the next one (absolute or relative) at `pointer`; null/missing ends. */
  z.object({ type: z.literal('next'), pointer: z.string().default('/next') }),
  /** Page numbers in the query; a page shorter than `pageSize` ends. */
  z.object({
    type: z.literal('page'),
    pageParam: z.string().default('page'),
    pageSizeParam: z.string().default('pageSize'),
    pageSize: z.number().int().positive().default(100),
    firstPage: z.number().int().min(0).default(1),
  }),
  z.object({ type: z.literal('none') }),
]);

export const restAdapterOptionsSchema = z.object({
  ordersUrl: z.url(),
  shiftsUrl: z.url().optional(),
  confirmationsUrl: z.url().optional(),
  maintenanceUrl: z.url().optional(),
  auth: auth.default({ type: 'none' }),
  /** Extra headers on every request (e.g. a tenant id). */
  headers: z.record(z.string(), z.string()).default({}),
  timeoutMs: z.number().int().positive().default(10_000),
  paging: paging.default({ type: 'next', pointer: '/next' }),
  /** Query parameter carrying the cursor of a delta read (an ISO time). */
  sinceParam: z.string().default('changedSince'),
  /** A guard against an endless `next` chain. */
  maxPages: z.number().int().positive().default(1000),
  orders: restOrderMapping.prefault({}),
  shifts: restShiftMapping.prefault({}),
  /** Pointer to the ERP's number in a POST answer; the first of /confirmationId, /notificationId, /id by default. */
  refPointer: z.string().optional(),
  /** Shapes of the POST bodies; by default the OrderConfirmation / MaintenanceRequest record as JSON. */
  confirmationBody: bodyTemplate.optional(),
  maintenanceBody: bodyTemplate.optional(),
});
export type RestAdapterOptions = z.input<typeof restAdapterOptionsSchema>;

export class RestAdapter implements ErpAdapter {
  readonly system = 'rest';
  private readonly options: z.infer<typeof restAdapterOptionsSchema>;

  constructor(options: RestAdapterOptions) {
    this.options = restAdapterOptionsSchema.parse(options);
  }

  async readOrders(since: string | undefined): Promise<ReadResult<ErpOrder>> {
    return this.readAll(this.options.ordersUrl, since, (page) => mapRestOrders(page, this.options.orders));
  }

  async readShifts(since: string | undefined): Promise<ReadResult<ErpShift>> {
    const url = this.options.shiftsUrl;
    if (url === undefined) return { records: [], problems: [], cursor: since };
    return this.readAll(url, since, (page) => mapRestShifts(page, this.options.shifts));
  }

  async postConfirmation(confirmation: OrderConfirmation): Promise<PostResult> {
    return this.post(
      this.options.confirmationsUrl,
      'confirmationsUrl',
      confirmation.idempotencyKey,
      buildBody(confirmation, this.options.confirmationBody),
    );
  }

  async createMaintenanceRequest(request: MaintenanceRequest): Promise<PostResult> {
    return this.post(
      this.options.maintenanceUrl,
      'maintenanceUrl',
      request.idempotencyKey,
      buildBody(request, this.options.maintenanceBody),
    );
  }

  private headers(): Record<string, string> {
    const a = this.options.auth;
    const authorization =
      a.type === 'basic'
        ? `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`
        : a.type === 'bearer'
          ? `Bearer ${a.token}`
          : undefined;
    return {
      accept: 'application/json',
      ...this.options.headers,
      ...(authorization === undefined ? {} : { authorization }),
    };
  }

  private async get(url: string): Promise<unknown> {
    const answer = await exchangeJson(
      url,
      { method: 'GET', headers: this.headers() },
      this.options.timeoutMs,
    );
    if (answer.status !== 200 || answer.body === undefined) {
      throw new ErpRejectedError(
        `GET ${redact(url)} answered ${answer.status}: ${answer.text.slice(0, 200)}`,
        String(answer.status),
      );
    }
    return answer.body;
  }

  private async readAll<T extends ErpOrder | ErpShift>(
    baseUrl: string,
    since: string | undefined,
    map: (page: unknown) => MappedRecords<T>,
  ): Promise<ReadResult<T>> {
    const { paging, maxPages } = this.options;
    const first = new URL(baseUrl);
    if (since !== undefined) first.searchParams.set(this.options.sinceParam, since);
    if (paging.type === 'page') {
      first.searchParams.set(paging.pageParam, String(paging.firstPage));
      first.searchParams.set(paging.pageSizeParam, String(paging.pageSize));
    }
    const records: T[] = [];
    const problems: RecordProblem[] = [];
    let url: URL | undefined = first;
    for (let pageNo = 0; url !== undefined && pageNo < maxPages; pageNo += 1) {
      const page = await this.get(url.toString());
      let mapped: MappedRecords<T>;
      try {
        mapped = map(page);
      } catch (error) {
        throw new ErpRejectedError(
          `${redact(url.toString())}: ${error instanceof Error ? error.message : String(error)}`,
          'MAPPING',
        );
      }
      records.push(...mapped.records);
      problems.push(...mapped.problems);
      url = this.nextUrl(url, page, mapped.records.length + mapped.problems.length);
    }
    const greatest = records.reduce((max, r) => Math.max(max, r.changedTimeUs), 0);
    const cursor = greatest > 0 ? new Date(Math.floor(greatest / 1000)).toISOString() : since;
    return { records, problems, cursor };
  }

  private nextUrl(current: URL, page: unknown, itemCount: number): URL | undefined {
    const paging = this.options.paging;
    if (paging.type === 'none') return undefined;
    if (paging.type === 'next') {
      const next = resolvePointer(page, paging.pointer);
      return typeof next === 'string' && next !== '' ? new URL(next, current) : undefined;
    }
    if (itemCount < paging.pageSize) return undefined;
    const next = new URL(current);
    const pageNo = Number(current.searchParams.get(paging.pageParam) ?? paging.firstPage);
    next.searchParams.set(paging.pageParam, String(pageNo + 1));
    return next;
  }

  private async post(
    url: string | undefined,
    option: string,
    key: string,
    body: unknown,
  ): Promise<PostResult> {
    if (url === undefined) {
      throw new ErpRejectedError(`The REST adapter has no ${option} configured`, 'NOT_CONFIGURED');
    }
    const answer = await exchangeJson(
      url,
      { method: 'POST', headers: { ...this.headers(), 'idempotency-key': key }, body },
      this.options.timeoutMs,
    );
    if (answer.status !== 200 && answer.status !== 201) {
      throw new ErpRejectedError(
        `POST ${redact(url)} (Idempotency-Key ${key}) answered ${answer.status}: ${answer.text.slice(0, 300)}`,
        String(answer.status),
      );
    }
    const pointers =
      this.options.refPointer === undefined
        ? ['/confirmationId', '/notificationId', '/id']
        : [this.options.refPointer];
    const ref = pointers
      .map((p) => resolvePointer(answer.body, p))
      .find((v) => typeof v === 'string' || typeof v === 'number');
    return { erpRef: ref === undefined ? '' : String(ref), existing: answer.status === 200 };
  }
}
