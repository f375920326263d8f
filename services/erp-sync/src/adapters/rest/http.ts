// One HTTP exchange with an ERP, with the failure classes every adapter needs: no answer, a timeout, 5xx, 408 or 429 are
// ErpUnavailableError (retry later); everything else comes back to the caller, which decides what a 4xx means.
import { ErpUnavailableError } from '../types';

export interface HttpAnswer {
  readonly status: number;
  /** The parsed JSON body; undefined when the body was empty or not JSON. */
  readonly body: unknown;
  readonly text: string;
}

export async function exchangeJson(
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: unknown },
  timeoutMs: number,
): Promise<HttpAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: init.method,
      headers:
        init.body === undefined ? init.headers : { 'content-type': 'application/json', ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ErpUnavailableError(
      `${init.method} ${redact(url)} got no answer within ${timeoutMs} ms (${reason})`,
    );
  }
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    throw new ErpUnavailableError(
      `${init.method} ${redact(url)} answered ${response.status}: ${text.slice(0, 200)}`,
    );
  }
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

/** The URL without credentials or query, for messages and logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
