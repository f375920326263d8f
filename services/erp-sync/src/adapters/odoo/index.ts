// The Odoo adapter (MRP + Maintenance apps), over JSON-2 (Odoo 19+) or the legacy /jsonrpc (client.ts).
// - Orders: mrp.production changed since the cursor (its greatest write_date, read with '>=' so a record written in
//   the same second as the cursor is read again rather than missed), paged with limit/offset; one ErpOrder per
//   mrp.workorder, the work center being mrp.workcenter `code`; ideal cycle time = duration_expected (min) * 60 /
//   qty_production.
// - Confirmations: Odoo has no idempotency key, so the Kiln key travels in the call's context
//   (`kiln_confirmation_key`), the quantities are written absolute (`qty_producing` and the scrap field = what Odoo
//   had + this confirmation), and before writing the adapter reads the production's refs field (keys already
//   applied): a key found there is answered `existing` without a write. A final confirmation then calls
//   `button_mark_done`. The custom fields (x_kiln_*) come with Kiln's small Odoo module; their names are options.
// - Maintenance requests: looked up by the key in `description` before `create`.
import { z } from 'zod';
import {
  ErpRejectedError,
  type ErpAdapter,
  type ErpOrder,
  type MaintenanceRequest,
  type OrderConfirmation,
  type PostResult,
  type ReadResult,
} from '../types';
import { OdooClient } from './client';
import { mapOdooOrders, PRODUCTION_FIELDS, validProductions, WORKORDER_FIELDS } from './records';

export { OdooClient, type OdooConnection } from './client';
export { mapOdooOrders, odooTimeUs } from './records';

const common = {
  baseUrl: z.url(),
  timeoutMs: z.number().int().positive().default(10_000),
  pageSize: z.number().int().positive().max(10_000).default(200),
  /** Custom field holding the scrap quantity confirmed so far on mrp.production. */
  scrapField: z.string().default('x_kiln_scrap_qty'),
  /** Custom field listing the Kiln keys applied to an mrp.production, as "key=ref,key=ref". */
  refsField: z.string().default('x_kiln_confirmation_refs'),
};

export const odooAdapterOptionsSchema = z.discriminatedUnion('protocol', [
  z.object({
    protocol: z.literal('json2'),
    db: z.string().min(1).optional(),
    apiKey: z.string().min(1),
    ...common,
  }),
  z.object({
    protocol: z.literal('jsonrpc'),
    db: z.string().min(1),
    login: z.string().min(1),
    password: z.string().min(1),
    ...common,
  }),
]);
export type OdooAdapterOptions = z.input<typeof odooAdapterOptionsSchema>;

const PRIORITY_OF_SEVERITY = { critical: '3', warning: '2', info: '1' } as const;

function recordsIn(value: unknown, what: string): Record<string, unknown>[] {
  if (!Array.isArray(value)) {
    throw new ErpRejectedError(`Odoo answered ${what} with something else than a list`, 'BAD_ANSWER');
  }
  return value.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null);
}

export class OdooAdapter implements ErpAdapter {
  readonly system = 'odoo';
  private readonly options: z.infer<typeof odooAdapterOptionsSchema>;
  private readonly client: OdooClient;

  constructor(options: OdooAdapterOptions) {
    this.options = odooAdapterOptionsSchema.parse(options);
    this.client = new OdooClient(this.options, this.options.timeoutMs);
  }

  async readOrders(since: string | undefined): Promise<ReadResult<ErpOrder>> {
    const domain =
      since === undefined ? [['state', 'not in', ['done', 'cancel']]] : [['write_date', '>=', since]];
    const productions: Record<string, unknown>[] = [];
    const seen = new Set<unknown>();
    for (let offset = 0; ; offset += this.options.pageSize) {
      const page = recordsIn(
        await this.client.call('mrp.production', 'search_read', {
          domain,
          fields: PRODUCTION_FIELDS,
          order: 'write_date asc, id asc',
          limit: this.options.pageSize,
          offset,
        }),
        'mrp.production search_read',
      );
      // A record seen before means the server ignores offset (or records moved between pages): stop, the next
      // delta read (write_date >= cursor) picks up what moved.
      const fresh = page.filter((p) => !seen.has(p['id']));
      fresh.forEach((p) => seen.add(p['id']));
      productions.push(...fresh);
      // A short page ends; so does a server that ignores limit (a longer page).
      if (page.length !== this.options.pageSize || fresh.length < page.length) break;
    }
    const cursor = productions.reduce<string | undefined>((max, p) => {
      const w = p['write_date'];
      return typeof w === 'string' && (max === undefined || w > max) ? w : max;
    }, since);
    const valid = validProductions(productions);
    if (valid.length === 0)
      return { records: [], problems: mapOdooOrders(productions, [], new Map()).problems, cursor };
    const workorders = recordsIn(
      await this.client.call('mrp.workorder', 'search_read', {
        domain: [['production_id', 'in', valid.map((p) => p.id)]],
        fields: WORKORDER_FIELDS,
        order: 'id asc',
      }),
      'mrp.workorder search_read',
    );
    const codes = await this.workCenterCodes(workorders);
    const { records, problems } = mapOdooOrders(productions, workorders, codes);
    return { records, problems, cursor };
  }

  private async workCenterCodes(workorders: Record<string, unknown>[]): Promise<Map<number, string>> {
    const ids = [
      ...new Set(
        workorders.flatMap((w) =>
          Array.isArray(w['workcenter_id']) && typeof w['workcenter_id'][0] === 'number'
            ? [w['workcenter_id'][0]]
            : [],
        ),
      ),
    ];
    if (ids.length === 0) return new Map();
    const centers = recordsIn(
      await this.client.call('mrp.workcenter', 'search_read', {
        domain: [['id', 'in', ids]],
        fields: ['code'],
      }),
      'mrp.workcenter search_read',
    );
    return new Map(
      centers.flatMap((c) =>
        typeof c['id'] === 'number' && typeof c['code'] === 'string' && c['code'] !== ''
          ? [[c['id'], c['code']]]
          : [],
      ),
    );
  }

  private async production(
    orderId: string,
  ): Promise<{ id: number; qty: number; scrap: number; refs: Map<string, string> }> {
    const { scrapField, refsField } = this.options;
    const [record] = recordsIn(
      await this.client.call('mrp.production', 'search_read', {
        domain: [['name', '=', orderId]],
        fields: ['qty_producing', scrapField, refsField],
        limit: 1,
      }),
      'mrp.production search_read',
    );
    const id = record?.['id'];
    if (record === undefined || typeof id !== 'number') {
      throw new ErpRejectedError(`Odoo has no mrp.production named ${orderId}`, 'ORDER_NOT_FOUND');
    }
    const refsText = record[refsField];
    const refs = new Map(
      (typeof refsText === 'string' ? refsText.split(',') : [])
        .filter((entry) => entry.includes('='))
        .map(
          (entry) =>
            [entry.slice(0, entry.lastIndexOf('=')), entry.slice(entry.lastIndexOf('=') + 1)] as const,
        ),
    );
    const number = (value: unknown): number => (typeof value === 'number' ? value : 0);
    return { id, qty: number(record['qty_producing']), scrap: number(record[scrapField]), refs };
  }

  async postConfirmation(c: OrderConfirmation): Promise<PostResult> {
    const doneKey = `${c.idempotencyKey}/done`;
    const context = {
      kiln_confirmation_key: c.idempotencyKey,
      kiln_machine_time_s: c.machineTimeS,
      kiln_setup_time_s: c.setupTimeS,
      kiln_down_time_s: c.downTimeS,
    };
    const before = await this.production(c.orderId);
    const applied = before.refs.get(c.idempotencyKey);
    if (applied !== undefined && (!c.final || before.refs.has(doneKey))) {
      return { erpRef: before.refs.get(doneKey) ?? applied, existing: true };
    }
    if (applied === undefined) {
      await this.client.call('mrp.production', 'write', {
        ids: [before.id],
        vals: {
          qty_producing: before.qty + c.yieldQuantity,
          [this.options.scrapField]: before.scrap + c.scrapQuantity,
        },
        context,
      });
    }
    if (c.final) await this.client.call('mrp.production', 'button_mark_done', { ids: [before.id], context });
    const after = await this.production(c.orderId);
    return { erpRef: after.refs.get(c.final ? doneKey : c.idempotencyKey) ?? '', existing: false };
  }

  async createMaintenanceRequest(request: MaintenanceRequest): Promise<PostResult> {
    const marker = `Kiln ref ${request.idempotencyKey}`;
    const [existing] = recordsIn(
      await this.client.call('maintenance.request', 'search_read', {
        domain: [['description', 'ilike', marker]],
        fields: ['name'],
        limit: 1,
      }),
      'maintenance.request search_read',
    );
    if (existing !== undefined) return { erpRef: String(existing['id']), existing: true };
    const [center] = recordsIn(
      await this.client.call('mrp.workcenter', 'search_read', {
        domain: [['code', '=', request.workCenter]],
        fields: ['code'],
        limit: 1,
      }),
      'mrp.workcenter search_read',
    );
    if (center === undefined) {
      throw new ErpRejectedError(
        `Odoo has no mrp.workcenter with code ${request.workCenter}`,
        'WORK_CENTER_NOT_FOUND',
      );
    }
    const created = await this.client.call('maintenance.request', 'create', {
      vals_list: [
        {
          name: request.title,
          description: `${request.description}\n\nKiln alert ${request.alertId} on ${request.assetId}. ${marker}`,
          workcenter_id: center['id'],
          priority: PRIORITY_OF_SEVERITY[request.severity],
          maintenance_type: 'corrective',
        },
      ],
    });
    const id = Array.isArray(created) ? created[0] : created;
    if (typeof id !== 'number') {
      throw new ErpRejectedError(`Odoo answered create with ${JSON.stringify(created)}`, 'BAD_ANSWER');
    }
    return { erpRef: String(id), existing: false };
  }
}
