// Configuration of the ERP-sync service: the service kit's sections, the bus, the database and the erpSync section
// (which ERP and how to reach it, the work-center map, inbound schedule, webhook, outbound decisions and sender).
// Precedence: defaults < YAML (KILN_CONFIG / --config) < KILN_* env.
import { busConfigSchema, busEnvMap } from '@kiln/bus';
import { isLoopbackHost, loadConfig, serviceConfigSchema, serviceEnvMap } from '@kiln/service-kit';
import { databaseConfigSchema, storageEnvMap } from '@kiln/timeseries';
import { z } from 'zod';
import { csvAdapterOptionsSchema } from './adapters/csv';
import { odooAdapterOptionsSchema } from './adapters/odoo';
import { restAdapterOptionsSchema } from './adapters/rest';
import { sapAdapterOptionsSchema } from './adapters/sap';
import { outboundSectionSchema } from './outbound';

export const ERP_SYSTEMS = ['sap', 'odoo', 'rest', 'csv'] as const;
export type ErpSystemName = (typeof ERP_SYSTEMS)[number];

export const erpSyncSectionSchema = z
  .strictObject({
    /** Which adapter talks to the ERP; its options are under the key of the same name. */
    system: z.enum(ERP_SYSTEMS).default('sap'),
    sap: sapAdapterOptionsSchema.optional(),
    odoo: odooAdapterOptionsSchema.optional(),
    rest: restAdapterOptionsSchema.optional(),
    csv: csvAdapterOptionsSchema.optional(),
    /** ERP work center -> Kiln asset id (both ways unique). Records of unmapped work centers are reported. */
    workCenters: z.record(z.string().min(1), z.string().min(1)).default({}),
    inbound: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Delta reads of orders (and shifts) every this often; `POST /erp/sync` runs one at once. */
        intervalMs: z.number().int().positive().default(60_000),
      })
      .prefault({}),
    /** The HTTP endpoint for ERP pushes (`POST /erp/orders`, `/erp/shifts`) and on-demand syncs (`POST /erp/sync`). */
    webhook: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** This machine only by default; another address (`0.0.0.0`) needs a token, or insecure. */
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8090),
        /** Required as `Authorization: Bearer <token>` when set. */
        token: z.string().min(16).optional(),
        /** Listen beyond this machine without a token: anyone who reaches the port may push orders and shifts. */
        insecure: z.boolean().default(false),
      })
      .prefault({})
      .superRefine((webhook, context) => {
        if (
          !webhook.enabled ||
          webhook.token !== undefined ||
          webhook.insecure ||
          isLoopbackHost(webhook.host)
        ) {
          return;
        }
        context.addIssue({
          code: 'custom',
          path: ['token'],
          message:
            `the webhook listens on ${webhook.host} (beyond this machine) and needs a token: anyone who reaches ` +
            'the port could push orders and shifts or run syncs; set erpSync.webhook.token (KILN_ERP_WEBHOOK_TOKEN), ' +
            'or insecure: true to accept that',
        });
      }),
    outbound: outboundSectionSchema.prefault({}),
  })
  .superRefine((section, context) => {
    if (section[section.system] === undefined) {
      context.addIssue({
        code: 'custom',
        path: [section.system],
        message: `erpSync.system is "${section.system}": its options erpSync.${section.system} are required`,
      });
    }
  });

export const erpSyncConfigSchema = z.strictObject({
  ...serviceConfigSchema,
  bus: busConfigSchema.prefault({}),
  database: databaseConfigSchema.prefault({}),
  erpSync: erpSyncSectionSchema,
});

export type ErpSyncConfig = z.output<typeof erpSyncConfigSchema>;
export type ErpSyncSection = z.output<typeof erpSyncSectionSchema>;

export const erpSyncSectionEnvMap = {
  ERP_SYSTEM: 'erpSync.system',
  ERP_SYNC_INTERVAL_MS: 'erpSync.inbound.intervalMs',
  ERP_WEBHOOK_TOKEN: 'erpSync.webhook.token',
  ERP_SAP_BASE_URL: 'erpSync.sap.baseUrl',
  ERP_ODOO_BASE_URL: 'erpSync.odoo.baseUrl',
} as const satisfies Record<string, string>;

export const erpSyncEnvMap = {
  ...serviceEnvMap,
  ...busEnvMap,
  // The database keys only: this service keeps no hot state in Redis.
  DATABASE_URL: storageEnvMap.DATABASE_URL,
  DATABASE_SCHEMA: storageEnvMap.DATABASE_SCHEMA,
  ...erpSyncSectionEnvMap,
} as const satisfies Record<string, string>;

export function loadErpSyncConfig(file: string | undefined, env: NodeJS.ProcessEnv): ErpSyncConfig {
  return loadConfig({
    schema: erpSyncConfigSchema,
    ...(file === undefined ? {} : { file }),
    env,
    envMap: erpSyncEnvMap,
    envPrefix: 'KILN_',
  });
}
