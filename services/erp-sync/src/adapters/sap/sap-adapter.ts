// Kiln's adapter for SAP S/4HANA: production orders in from API_PRODUCTION_ORDER_2_SRV (delta by
// LastChangeDateTime), confirmations out to API_PROD_ORDER_CONFIRMATION_2_SRV (ExternalSystemConfirmation carries
// the idempotency key, docs/architecture.md section 11) and maintenance notifications to API_MAINTNOTIFICATION (no idempotency key
// there: MaintNotifExtReferenceNumber carries a 20-character form of it, looked up before every create).
import { z } from 'zod';
import {
  ErpRejectedError,
  ErpUnavailableError,
  type ErpAdapter,
  type ErpOrder,
  type MaintenanceRequest,
  type OrderConfirmation,
  type PostResult,
  type ReadResult,
  type RecordProblem,
} from '../types';
import { odataGuidOrString, odataString } from './odata-values';
import { parseSapAdapterOptions, type SapAdapterConfig, type SapAdapterOptions } from './options';
import { mapProductionOrder } from './order-mapping';
import { confirmationBody, externalReferenceOf, notificationBody } from './payloads';
import { SapHttp, SapOutcomeUnknownError } from './sap-http';

const ORDER_SERVICE = 'API_PRODUCTION_ORDER_2_SRV';
const CONFIRMATION_SERVICE = 'API_PROD_ORDER_CONFIRMATION_2_SRV';
const NOTIFICATION_SERVICE = 'API_MAINTNOTIFICATION';

const collectionSchema = z.object({
  d: z.object({ results: z.array(z.unknown()), __next: z.string().optional() }),
});
const confirmationSchema = z.object({
  ConfirmationGroup: z.string().min(1),
  ConfirmationCount: z.string().min(1),
});
const notificationSchema = z.object({ MaintenanceNotification: z.string().min(1) });

export class SapAdapter implements ErpAdapter {
  readonly system = 'sap';
  private readonly config: SapAdapterConfig;
  private readonly http: SapHttp;

  constructor(options: SapAdapterOptions) {
    this.config = parseSapAdapterOptions(options);
    this.http = new SapHttp(this.config);
  }

  /**
   * Keyset paging over (LastChangeDateTime, ManufacturingOrder): each client page asks for changes at or after the
   * latest change time read so far, skipping the orders already read at exactly that time. An order changed while
   * the read runs moves to the end and is read again (the newest version wins) instead of shifting an unread order
   * out of an offset window.
   */
  async readOrders(since: string | undefined): Promise<ReadResult<ErpOrder>> {
    const records = new Map<string, ErpOrder>();
    const problems: RecordProblem[] = [];
    let latestMs: number | undefined;
    let readAtLatest = 0;
    let index = 0;
    for (;;) {
      const query: Record<string, string> = {
        $format: 'json',
        $expand: 'to_ProductionOrderOperation',
        $orderby: 'LastChangeDateTime asc,ManufacturingOrder asc',
        $top: String(this.config.pageSize),
        $skip: String(readAtLatest),
      };
      const filter = this.orderFilter(since, latestMs);
      if (filter !== '') query.$filter = filter;
      let url: string | undefined = this.http.url(ORDER_SERVICE, 'A_ProductionOrder_2', query);
      let count = 0;
      while (url !== undefined) {
        const page = await this.readCollection(url);
        for (const raw of page.results) {
          const mapped = mapProductionOrder(raw, index, this.config.activities.machine);
          index += 1;
          for (const order of mapped.orders) records.set(`${order.orderId}/${order.operationId}`, order);
          problems.push(...mapped.problems);
          if (mapped.changedMs !== undefined && (latestMs === undefined || mapped.changedMs > latestMs)) {
            latestMs = mapped.changedMs;
            readAtLatest = 0;
          }
          if (mapped.changedMs !== undefined && mapped.changedMs === latestMs) readAtLatest += 1;
        }
        count += page.results.length;
        // Server-driven paging inside the client page ($top larger than the server's page size).
        url = page.next === undefined ? undefined : this.http.withClient(page.next);
      }
      if (count < this.config.pageSize || latestMs === undefined) break;
    }
    return {
      records: [...records.values()],
      problems,
      cursor: latestMs === undefined ? since : new Date(latestMs).toISOString(),
    };
  }

  async postConfirmation(confirmation: OrderConfirmation): Promise<PostResult> {
    const body = confirmationBody(confirmation, this.config.activities);
    try {
      return await this.createConfirmation(body);
    } catch (error) {
      // Lost answer, or SAP refusing a duplicate ExternalSystemConfirmation: it may be booked already.
      if (!(error instanceof SapOutcomeUnknownError) && !(error instanceof ErpRejectedError)) throw error;
      const existing = await this.findConfirmation(confirmation.idempotencyKey, error);
      if (existing !== undefined) return { erpRef: existing, existing: true };
      if (error instanceof ErpRejectedError) throw error;
      // Not booked: the key makes one more try safe (SAP refuses a duplicate key, found above on the next call).
      return this.createConfirmation(body);
    }
  }

  private async createConfirmation(body: Record<string, string>): Promise<PostResult> {
    const url = this.http.url(CONFIRMATION_SERVICE, 'ProdnOrdConf2');
    const answer = await this.http.postJson(url, body, CONFIRMATION_SERVICE);
    const created = confirmationSchema.safeParse(this.entityOf(answer));
    if (!created.success) {
      throw new ErpUnavailableError(`SAP POST ${url} answered without ConfirmationGroup/ConfirmationCount`);
    }
    return { erpRef: `${created.data.ConfirmationGroup}/${created.data.ConfirmationCount}`, existing: false };
  }

  async createMaintenanceRequest(request: MaintenanceRequest): Promise<PostResult> {
    const reference = externalReferenceOf(request.idempotencyKey);
    const earlier = await this.findNotification(reference);
    if (earlier !== undefined) return { erpRef: earlier, existing: true };
    const url = this.http.url(NOTIFICATION_SERVICE, 'MaintenanceNotification');
    const body = notificationBody(request, reference, this.config);
    try {
      const created = notificationSchema.safeParse(
        this.entityOf(await this.http.postJson(url, body, NOTIFICATION_SERVICE)),
      );
      if (!created.success)
        throw new ErpUnavailableError(`SAP POST ${url} answered 201 without MaintenanceNotification`);
      return { erpRef: created.data.MaintenanceNotification, existing: false };
    } catch (error) {
      if (!(error instanceof SapOutcomeUnknownError)) throw error;
      const found = await this.findNotification(reference).catch(() => undefined);
      if (found !== undefined) return { erpRef: found, existing: true };
      throw error;
    }
  }

  private orderFilter(since: string | undefined, readUpToMs: number | undefined): string {
    const clauses: string[] = [];
    if (since === undefined) {
      // The first read takes open orders only; later delta reads take every change, closings included.
      clauses.push(
        'OrderIsTechnicallyCompleted eq false',
        'OrderIsClosed eq false',
        'OrderIsDeleted eq false',
      );
    }
    if (readUpToMs !== undefined) {
      clauses.push(`LastChangeDateTime ge datetimeoffset'${new Date(readUpToMs).toISOString()}'`);
    } else if (since !== undefined) {
      const sinceMs = Date.parse(since);
      if (Number.isNaN(sinceMs)) throw new Error(`SAP order cursor '${since}' is not an ISO date-time`);
      clauses.push(`LastChangeDateTime gt datetimeoffset'${new Date(sinceMs).toISOString()}'`);
    }
    if (this.config.plant !== undefined) clauses.push(`ProductionPlant eq ${odataString(this.config.plant)}`);
    return clauses.join(' and ');
  }

  private async readCollection(url: string): Promise<{ results: unknown[]; next: string | undefined }> {
    const parsed = collectionSchema.safeParse(await this.http.getJson(url));
    if (!parsed.success)
      throw new ErpUnavailableError(`SAP GET ${url} answered no OData collection ({ d: { results } })`);
    return { results: parsed.data.d.results, next: parsed.data.d.__next };
  }

  private entityOf(body: unknown): unknown {
    return typeof body === 'object' && body !== null ? (body as { d?: unknown }).d : undefined;
  }

  private async findConfirmation(key: string, cause: Error): Promise<string | undefined> {
    const url = this.http.url(CONFIRMATION_SERVICE, 'ProdnOrdConf2', {
      $format: 'json',
      $filter: `ExternalSystemConfirmation eq ${odataGuidOrString(key)}`,
      $top: '1',
    });
    let page: { results: unknown[] };
    try {
      page = await this.readCollection(url);
    } catch (lookupError) {
      // The lookup failing says nothing about the write: report the write's own failure as unavailable.
      if (lookupError instanceof ErpUnavailableError) {
        throw new ErpUnavailableError(
          `${cause.message}; looking up ExternalSystemConfirmation ${key} failed too`,
        );
      }
      throw lookupError;
    }
    const found = confirmationSchema.safeParse(page.results[0]);
    return found.success ? `${found.data.ConfirmationGroup}/${found.data.ConfirmationCount}` : undefined;
  }

  private async findNotification(reference: string): Promise<string | undefined> {
    const url = this.http.url(NOTIFICATION_SERVICE, 'MaintenanceNotification', {
      $format: 'json',
      $filter: `MaintNotifExtReferenceNumber eq ${odataString(reference)}`,
      $top: '1',
    });
    const page = await this.readCollection(url);
    const found = notificationSchema.safeParse(page.results[0]);
    return found.success ? found.data.MaintenanceNotification : undefined;
  }
}
