// Configuration of the SAP S/4HANA adapter (OData v2 APIs of the on-premise / private-cloud edition).
import { z } from 'zod';

const activity = z.number().int().min(1).max(6);

export const sapAdapterOptionsSchema = z
  .object({
    /** Scheme, host and port of the SAP Gateway, e.g. https://s4.example.com:44300 (services live under /sap/opu/odata/sap). */
    baseUrl: z.url().transform((url) => url.replace(/\/+$/, '')),
    auth: z.discriminatedUnion('type', [
      z
        .object({ type: z.literal('basic'), username: z.string().min(1), password: z.string().min(1) })
        .strict(),
      z
        .object({
          type: z.literal('oauth'),
          tokenUrl: z.url(),
          clientId: z.string().min(1),
          clientSecret: z.string().min(1),
        })
        .strict(),
    ]),
    /** Only orders of this plant (ProductionPlant); all plants when absent. */
    plant: z.string().min(1).max(4).optional(),
    /**
     * $top of each client page. Client pages are keyset pages (safe when orders change during a read); keep it no
     * larger than the server's page size, since the server's own __next paging is by offset.
     */
    pageSize: z.number().int().min(1).max(5000).default(200),
    timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
    /** SAP client (mandant) sent as the sap-client query parameter, e.g. "100". */
    sapClient: z
      .string()
      .regex(/^\d{3}$/, 'expected three digits, e.g. "100"')
      .optional(),
    /** Notification type of maintenance requests (M1 maintenance request, M2 malfunction report). */
    notificationType: z.string().min(1).max(2).default('M2'),
    /** Activities of the standard value key: where machine time is planned and setup/machine/down time is confirmed. */
    activities: z
      .object({ setup: activity.default(1), machine: activity.default(2), down: activity.default(3) })
      .strict()
      .default({ setup: 1, machine: 2, down: 3 }),
  })
  .strict();

/** What callers pass (defaults may be left out). */
export type SapAdapterOptions = z.input<typeof sapAdapterOptionsSchema>;
/** The options after validation and defaults. */
export type SapAdapterConfig = z.output<typeof sapAdapterOptionsSchema>;

/** Validates options; the error names every offending key, e.g. `sap.auth.clientSecret: ...`. */
export function parseSapAdapterOptions(input: unknown): SapAdapterConfig {
  const result = sapAdapterOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `sap.${issue.path.map(String).join('.')}: ${issue.message}`,
  );
  throw new Error(`invalid SAP adapter options:\n  ${problems.join('\n  ')}`);
}
