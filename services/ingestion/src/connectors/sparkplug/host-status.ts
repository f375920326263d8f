// The host application's STATE message (Sparkplug 3.0, 7.5.2): JSON `{"online":bool,"timestamp":ms}`, retained,
// QoS 1. Hosts of the 2.2 era published plain `ONLINE` / `OFFLINE` text, which is still read.

export interface HostStatus {
  readonly online: boolean;
  /** Epoch milliseconds; absent in a 2.2-era payload. */
  readonly timestamp?: number;
}

export function encodeHostStatus(status: { online: boolean; timestamp: number }): Buffer {
  return Buffer.from(JSON.stringify({ online: status.online, timestamp: status.timestamp }));
}

/** Reads a STATE payload of either era; undefined when it is neither. */
export function decodeHostStatus(payload: Uint8Array): HostStatus | undefined {
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8').trim();
  if (text === 'ONLINE') return { online: true };
  if (text === 'OFFLINE') return { online: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { online, timestamp } = parsed as { online?: unknown; timestamp?: unknown };
  if (typeof online !== 'boolean') return undefined;
  return typeof timestamp === 'number' && Number.isFinite(timestamp) ? { online, timestamp } : { online };
}
