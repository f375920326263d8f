// Small promise tools for the in-process bus: no polling, and no timer outlives the wait it serves.

/** Resolves true when `work` settles within `timeoutMs`, false otherwise; the timer is cleared either way. */
export function settlesWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    void work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/**
 * Lets pending timers and I/O run before going on. A publish or a batch loop that only ever awaited resolved
 * promises would otherwise starve the rest of the process (HTTP, timers) while it works through a backlog;
 * on Kafka the network round trip gives that turn.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
