// Which handler, if any, a publish comes from: a publish from inside a handler must not wait for the very
// group that is waiting for the handler (docs/architecture.md section 2: a DLQ write never blocks the partition for long).
import { AsyncLocalStorage } from 'node:async_hooks';

export interface HandlerScope {
  /** The bus whose subscription runs the handler. */
  readonly bus: object;
  /** True when the handler's own group reads the topic. */
  consumes(topic: string): boolean;
}

export const handlerScope = new AsyncLocalStorage<HandlerScope>();
