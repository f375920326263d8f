import { randomBytes } from 'node:crypto';

/** Polls until the condition holds; fails naming what it waited for and the last observed state. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs: number; what: string; intervalMs?: number; describe?: () => string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      const state = options.describe ? ` (${options.describe()})` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** A name no other test run uses, for topics, groups and tables. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
