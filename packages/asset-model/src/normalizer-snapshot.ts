// The Normalizer's state as plain JSON, so the service can keep counter baselines, current machine states and
// orders in Redis across restarts (and validate what it reads back: Redis is a boundary).
import { z } from 'zod';
import { MACHINE_STATE_NAMES } from './machine-state';

const counterRoles = z.enum(['total-counter', 'good-counter', 'reject-counter']);

const statsSchema = z.object({
  samples: z.number(),
  mapped: z.number(),
  unmapped: z.number(),
  rejected: z.number(),
  duplicates: z.number(),
  outOfOrder: z.number(),
  deadbandSuppressed: z.number(),
  skewFallbacks: z.number(),
  missingSourceTime: z.number(),
  badQualityIgnored: z.number(),
  counterResets: z.number(),
  counterRollovers: z.number(),
});
export type NormalizerStats = z.output<typeof statsSchema>;

/** A tag without a mapping rule, as a snapshot (and the normalizer_state table) keeps it. */
export const unmappedTagSchema = z.object({
  sourceId: z.string(),
  tag: z.string(),
  reason: z.enum(['no-rule', 'unknown-asset', 'unknown-signal', 'incompatible-signal']),
  detail: z.string(),
  count: z.number(),
  firstSeenUs: z.number(),
  lastSeenUs: z.number(),
});

export const normalizerSnapshotSchema = z.object({
  version: z.literal(1),
  channels: z.record(
    z.string(),
    z.object({
      lastTimeUs: z.number(),
      counter: z.object({ timeUs: z.number(), raw: z.number() }).optional(),
      emitted: z.object({ value: z.number(), quality: z.number().int(), timeUs: z.number() }).optional(),
    }),
  ),
  assets: z.record(
    z.string(),
    z.object({
      machine: z
        .object({
          state: z.enum(MACHINE_STATE_NAMES),
          reasonCode: z.string(),
          reasonText: z.string(),
          sourceCode: z.string(),
          startTimeUs: z.number(),
        })
        .optional(),
      order: z.object({ orderId: z.string(), sinceUs: z.number() }).optional(),
      counterRoles: z.array(counterRoles),
      pendingScrap: z.number().nonnegative(),
    }),
  ),
  unmapped: z.array(unmappedTagSchema),
  stats: statsSchema,
});

/** JSON-serializable; `JSON.parse(JSON.stringify(snapshot))` restores to the same state. */
export type NormalizerSnapshot = z.output<typeof normalizerSnapshotSchema>;

export function emptyStats(): NormalizerStats {
  return {
    samples: 0,
    mapped: 0,
    unmapped: 0,
    rejected: 0,
    duplicates: 0,
    outOfOrder: 0,
    deadbandSuppressed: 0,
    skewFallbacks: 0,
    missingSourceTime: 0,
    badQualityIgnored: 0,
    counterResets: 0,
    counterRollovers: 0,
  };
}

/** Raised by `Normalizer.restore` when stored state does not have the snapshot's shape. */
export class InvalidSnapshotError extends Error {
  override readonly name = 'InvalidSnapshotError';
}
