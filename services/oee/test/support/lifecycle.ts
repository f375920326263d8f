// A ServiceLifecycle for tests that start a pipeline in process: stops what was added in reverse order.
import type { ServiceLifecycle, Stoppable } from '@kiln/service-kit';

export interface TestLifecycle extends ServiceLifecycle {
  stopAll(drainMs?: number): Promise<void>;
}

export function testLifecycle(): TestLifecycle {
  const components: Stoppable[] = [];
  return {
    add: (component) => {
      components.push(component);
      return component;
    },
    shutdown: () => undefined,
    fail: (error) => {
      throw error;
    },
    stopAll: async (drainMs = 2_000) => {
      const drain = new AbortController();
      const timer = setTimeout(() => drain.abort(), drainMs);
      for (const component of components.splice(0).reverse()) {
        await component.stop({ drainSignal: drain.signal, remainingMs: 10_000 });
      }
      clearTimeout(timer);
    },
  };
}
