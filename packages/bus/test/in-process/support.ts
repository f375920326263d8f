// Helpers of the in-process bus unit tests.
import type { TopicSpec } from '@kiln/contracts';
import { uniqueName } from '@kiln/test-infra';
import { InProcessBus, type InProcessBusOptions } from '../../src';

export function topicSpec(partitions: number, name = uniqueName('test.in-process')): TopicSpec {
  return {
    name,
    key: 'asset-id',
    partitions,
    retentionMs: 3_600_000,
    cleanupPolicy: 'delete',
    messageType: undefined,
    description: 'in-process bus unit test topic',
  };
}

export function newBus(options: Partial<InProcessBusOptions> = {}): InProcessBus {
  return new InProcessBus({ service: 'in-process-test', ...options });
}

export function record(key: string, text: string, headers?: Record<string, string>) {
  return { key, value: Buffer.from(text), ...(headers ? { headers } : {}) };
}

export function text(value: Uint8Array): string {
  return Buffer.from(value).toString('utf8');
}

/** A promise with its resolve function, for holding a handler until a test lets it go. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** True when the promise has settled after pending timers and I/O had a turn. */
export async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  return settled;
}
