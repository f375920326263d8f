// Idempotency keys of Kiln's decisions: name-based UUIDs (RFC 9562 version 5, SHA-1) of what was decided, so a
// replayed decision derives the same key, the outbox inserts nothing, and the ERP sees the same key on a retry.
import { createHash } from 'node:crypto';

/** The namespace of Kiln's ERP decisions (a fixed random UUID). */
const KILN_ERP_NAMESPACE = 'b4a3c2d1-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Components are joined with NUL so that no two different tuples give the same name. */
const keyOf = (...parts: readonly string[]): string => uuidV5(KILN_ERP_NAMESPACE, parts.join('\u0000'));

export const finalConfirmationKey = (orderId: string, operationId: string, assetId: string): string =>
  keyOf('confirmation', orderId, operationId, assetId, 'final');

export const partialConfirmationKey = (
  orderId: string,
  operationId: string,
  assetId: string,
  boundaryUs: number,
): string => keyOf('confirmation', orderId, operationId, assetId, partialRevision(boundaryUs));

/** The outbox revision of the partial confirmation through `boundaryUs`: `partial/<boundary, ISO 8601 UTC>`. */
export const partialRevision = (boundaryUs: number): string =>
  `partial/${new Date(Math.floor(boundaryUs / 1000)).toISOString()}`;

export const notificationKey = (alertId: string): string => keyOf('notification', alertId);
