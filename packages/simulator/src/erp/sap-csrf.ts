// SAP Gateway's CSRF protection: `GET` with `x-csrf-token: Fetch` hands out a token bound to a session cookie; a
// modifying request must send both, else 403 with `x-csrf-token: Required`. Tokens die with their session (after
// SESSION_LIFETIME_MS, or when a test expires them all), so clients must fetch a new one and retry once.
import { randomBytes } from 'node:crypto';
import type { ErpDataset } from './dataset';

export const SAP_SESSION_COOKIE = 'SAP_SESSIONID_KLN_100';
const SESSION_LIFETIME_MS = 30 * 60_000;

interface SapSession {
  readonly token: string;
  readonly expiresMs: number;
}

/** Sessions per simulated system (keyed by its dataset, which tests and `kiln start` hold). */
const sessionsByDataset = new WeakMap<ErpDataset, Map<string, SapSession>>();

function sessionsOf(dataset: ErpDataset): Map<string, SapSession> {
  let sessions = sessionsByDataset.get(dataset);
  if (sessions === undefined) {
    sessions = new Map();
    sessionsByDataset.set(dataset, sessions);
  }
  return sessions;
}

/** Opens a session with a fresh token; answers the cookie value and the token. */
export function issueCsrfToken(dataset: ErpDataset): { sessionId: string; token: string } {
  const sessionId = randomBytes(18).toString('base64url');
  const token = randomBytes(16).toString('base64');
  sessionsOf(dataset).set(sessionId, { token, expiresMs: Date.now() + SESSION_LIFETIME_MS });
  return { sessionId, token };
}

export function isValidCsrfToken(
  dataset: ErpDataset,
  sessionId: string | undefined,
  token: string | undefined,
): boolean {
  if (sessionId === undefined || token === undefined) return false;
  const session = sessionsOf(dataset).get(sessionId);
  if (session === undefined) return false;
  if (session.expiresMs <= Date.now()) {
    sessionsOf(dataset).delete(sessionId);
    return false;
  }
  return session.token === token;
}

/** Ends every session of the system: the next write with an earlier token answers 403 Required. */
export function expireSapCsrfTokens(dataset: ErpDataset): void {
  sessionsOf(dataset).clear();
}

export function sessionIdFromCookie(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SAP_SESSION_COOKIE) return value.join('=');
  }
  return undefined;
}
