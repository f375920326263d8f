// Alert ids derived from what opened the alert (asset, cause, event time of the decision), so that a replay of the
// same telemetry re-derives the same id and the store recognises the alert instead of opening a second one.
import { createHash } from 'node:crypto';

/** A UUID-shaped id (version 8, "custom") from the SHA-256 of the asset, cause and opening time. */
export function alertIdOf(assetId: string, cause: string, openedTimeUs: number): string {
  const hex = createHash('sha256').update(`${assetId}\n${cause}\n${openedTimeUs}`).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}
