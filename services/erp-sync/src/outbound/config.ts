// The outbound section of erp-sync's configuration: which decisions are made (final confirmations when an
// asset's order changes, optional partial ones at interval boundaries and at shift ends, maintenance notifications
// for open alerts) and how the sender delivers the outbox.
import { z } from 'zod';

export const outboundSectionSchema = z.strictObject({
  groupId: z.string().min(1).default('erp-sync'),
  /** Where a new consumer group starts: the earliest counts and alerts kept, or new ones only. */
  startFrom: z.enum(['earliest', 'latest']).default('earliest'),
  maxBatchSize: z.number().int().positive().default(500),
  confirmations: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** A count of another order on an asset completes the previous one there: post a final confirmation. */
      finalOnOrderChange: z.boolean().default(true),
      /**
       * Partial confirmations of the running order at boundaries every this many minutes since the epoch (UTC;
       * 60: each full hour): the first count at or after a boundary confirms what was counted before it. Absent: none.
       */
      partialEveryMinutes: z.number().int().positive().optional(),
      /**
       * Partial confirmations at the end of each shift: when the OEE service closes an asset's shift window
       * (kiln.oee.v1), the order running on the asset is confirmed through the shift's end.
       */
      atShiftEnd: z.boolean().default(false),
    })
    .prefault({}),
  notifications: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Open alerts of at least this severity become maintenance notifications. */
      minSeverity: z.enum(['info', 'warning', 'critical']).default('warning'),
    })
    .prefault({}),
  sender: z
    .strictObject({
      /** How often the outbox is polled for due rows. */
      pollIntervalMs: z.number().int().positive().default(1_000),
      /** Rows claimed per poll. */
      batchSize: z.number().int().positive().default(20),
      /** One ERP call longer than this counts as unavailable and is retried later. */
      timeoutMs: z.number().int().positive().default(10_000),
      /** Delay before the second attempt; doubled per attempt (with jitter) up to maxDelayMs. */
      initialDelayMs: z.number().int().positive().default(1_000),
      maxDelayMs: z.number().int().positive().default(300_000),
      /** Attempts before a row that keeps finding the ERP unavailable is marked failed (and shown as a problem). */
      maxAttempts: z.number().int().positive().default(50),
      breaker: z
        .strictObject({
          /** Consecutive unavailable answers that open the circuit (no calls while open). */
          consecutiveFailures: z.number().int().positive().default(5),
          /** Time after which an open circuit lets one trial call through. */
          halfOpenAfterMs: z.number().int().positive().default(30_000),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type OutboundSection = z.output<typeof outboundSectionSchema>;
