// ERP orders and the state of the ERP bridge (erp-sync's tables, migration 8), read-only: the orders the ERP sent,
// the outbox of confirmations and maintenance notifications bound for the ERP with their errors, and the records
// the ERP sent badly or refused. Orders and outbox rows are scoped to the principal's site by their asset; a row
// whose asset is unknown (an order of an unmapped work center, a notification without an asset) is seen only
// with every site, as an asset above site level is. Problems name an ERP record, not an asset: every site only.
import type {
  ErpOutboxKind,
  ErpOutboxStatus,
  ErpProblemKind,
  ErpStore,
  OutboxEntry,
  StoredErpOrder,
  StoredErpProblem,
} from '@kiln/timeseries';
import { ALL_SITES, authorizeAsset, canSeeAsset, requireRole, type Principal } from '../auth/principal';
import { invalidArgument, notFound, permissionDenied } from '../errors';
import { checkAssetId, siteScopeOf } from './assets';
import { keysetOf, pageOf, pageSizeOf, type Page, type PageRequest } from './paging';

export interface OrderFilter {
  readonly assetId?: string;
  /** A site id (`acme/plant-1`); must be the credential's site unless it has every site. */
  readonly siteId?: string;
  /** Empty or absent: every status. */
  readonly statuses?: readonly string[];
}

export interface OutboxFilter {
  /** Empty or absent: every status. */
  readonly statuses?: readonly ErpOutboxStatus[];
  readonly kind?: ErpOutboxKind;
}

/** An order with the operations the principal may see, by operation id. */
export interface ErpOrderView {
  readonly orderId: string;
  readonly operations: StoredErpOrder[];
}

const orderAfterOf = (cursor: string | undefined) => {
  const keyset = keysetOf<[number, string, string]>(
    cursor,
    (p) =>
      p.length === 3 && Number.isSafeInteger(p[0]) && typeof p[1] === 'string' && typeof p[2] === 'string',
  );
  return keyset === undefined
    ? undefined
    : { changedTimeUs: keyset[0], orderId: keyset[1], operationId: keyset[2] };
};

const outboxAfterOf = (cursor: string | undefined) => {
  const keyset = keysetOf<[number, string]>(
    cursor,
    (p) => p.length === 2 && Number.isSafeInteger(p[0]) && typeof p[1] === 'string',
  );
  return keyset === undefined ? undefined : { createdUs: keyset[0], id: keyset[1] };
};

export class ErpQueries {
  constructor(private readonly store: ErpStore) {}

  /** Order operations newest changed first, limited to the principal's site (or the narrower site asked for). */
  async listOrders(
    principal: Principal,
    filter: OrderFilter,
    page: PageRequest,
  ): Promise<Page<StoredErpOrder>> {
    requireRole(principal, 'reader');
    const site = siteScopeOf(principal, filter.siteId);
    if (filter.assetId !== undefined) {
      authorizeAsset({ ...principal, site }, checkAssetId('assetId', filter.assetId), 'reader');
    }
    const size = pageSizeOf(page);
    const after = orderAfterOf(page.cursor);
    const orders = await this.store.listOrders({
      ...(filter.assetId === undefined ? {} : { assetId: filter.assetId }),
      ...(site === ALL_SITES ? {} : { assetPrefix: site }),
      ...(filter.statuses === undefined ? {} : { statuses: filter.statuses }),
      limit: size + 1,
      ...(after === undefined ? {} : { after }),
    });
    return pageOf(orders, size, (order) =>
      JSON.stringify([order.changedTimeUs, order.orderId, order.operationId]),
    );
  }

  /**
   * An order with the operations on assets of the principal's site; not-found when it has none there (its
   * existence is not told).
   */
  async order(principal: Principal, orderId: string): Promise<ErpOrderView> {
    requireRole(principal, 'reader');
    if (orderId === '') throw invalidArgument('orderId', 'is required');
    const operations = (await this.store.orderOf(orderId)).filter((operation) =>
      principal.site === ALL_SITES
        ? true
        : operation.assetId !== undefined && canSeeAsset(principal, operation.assetId),
    );
    if (operations.length === 0) throw notFound(`no order ${orderId}`);
    return { orderId, operations };
  }

  /** Outbox rows newest created first, with their errors, limited to the assets of the principal's site. */
  async listOutbox(
    principal: Principal,
    filter: OutboxFilter,
    page: PageRequest,
  ): Promise<Page<OutboxEntry>> {
    requireRole(principal, 'operator');
    const size = pageSizeOf(page);
    const after = outboxAfterOf(page.cursor);
    const entries = await this.store.listOutboxEntries({
      ...(filter.statuses === undefined ? {} : { statuses: filter.statuses }),
      ...(filter.kind === undefined ? {} : { kind: filter.kind }),
      ...(principal.site === ALL_SITES ? {} : { assetPrefix: principal.site }),
      limit: size + 1,
      ...(after === undefined ? {} : { after }),
    });
    return pageOf(entries, size, (entry) => JSON.stringify([entry.createdUs, entry.id]));
  }

  /** Problems last seen first; they name ERP records, not assets, so only a credential for every site reads them. */
  async listProblems(
    principal: Principal,
    kind: ErpProblemKind | undefined,
    page: Pick<PageRequest, 'pageSize'>,
  ): Promise<StoredErpProblem[]> {
    requireRole(principal, 'operator');
    if (principal.site !== ALL_SITES) {
      throw permissionDenied(
        `ERP sync problems name ERP records of every site; site ${principal.site} of this credential is not enough`,
      );
    }
    return this.store.listProblems(pageSizeOf(page), kind);
  }
}
