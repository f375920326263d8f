// A lifecycle driven by its caller instead of process signals: for components started in process by tests,
// benchmarks and tools. Stops what was added in reverse order, like runService does on SIGTERM.
import type { ServiceLifecycle, Stoppable } from './lifecycle';

export interface ManualLifecycle extends ServiceLifecycle {
  /** Stops every component added so far, newest first; in-flight work gets `drainMs` before its drain signal. */
  stopAll(drainMs?: number): Promise<void>;
}

export function manualLifecycle(): ManualLifecycle {
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
      try {
        for (const component of components.splice(0).reverse()) {
          component.markShuttingDown?.();
          await component.stop({ drainSignal: drain.signal, remainingMs: 10_000 });
        }
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
