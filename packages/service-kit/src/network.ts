// Whether a listening or connecting host stays on this machine: what the closed defaults of connectors, webhooks
// and identity providers allow without a credential or TLS, because no network lies between the two ends.
import { isIP } from 'node:net';

/**
 * `localhost`, an IPv4 address of 127.0.0.0/8, `::1` (bracketed as in a URL or not) or an IPv4-mapped loopback.
 * A name that merely begins like one (`127.0.0.1.example.com`, `localhost.example.com`) is another host.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === 'localhost') return true;
  if (isIP(lower) === 4) return lower.startsWith('127.');
  if (isIP(lower) === 6) {
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
    return mapped !== undefined && mapped.startsWith('127.');
  }
  return false;
}
